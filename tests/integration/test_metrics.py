"""GET /metrics (bot/metrics.py): access rules, the text format, request counts and latency,
classifications through the real pipeline, and the gauges counted in the real database.

Several gunicorn workers (multiprocess mode) are covered by tests/e2e/test_metrics_gunicorn.py.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from bot.inbound import Inbound
from bot.metrics import EXTENSION, DatabaseCollector
from core.actors import resident
from core.cases.report import ReportInput, report_case
from core.db import make_engine, make_session_factory
from core.outbox import Notification, OutboxStatus, enqueue

TEXT = "阳光花园3栋楼下垃圾堆了三天没人清"


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, by name and sorted labels (also checks the format)."""
    found = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def scrape(client, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    resp = client.get("/metrics", **kwargs)
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "text/plain" and "version=0.0.4" in resp.content_type
    return samples(resp.get_data(as_text=True))


def test_loopback_only_without_a_token(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


@pytest.mark.parametrize("settings", [{"METRICS_TOKEN": "scrape-me-7781"}], indirect=True)
def test_bearer_token_when_one_is_set(client):
    far = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics").status_code == 403  # loopback is not enough any more
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 403
    ok = client.get("/metrics", environ_base=far,
                    headers={"Authorization": "Bearer scrape-me-7781"})
    assert ok.status_code == 200 and b"wanggetong_http_requests_total" in ok.data


@pytest.fixture
def settings(settings, request):
    return settings.with_overrides(**getattr(request, "param", {}))


def test_requests_and_latency_by_endpoint(client):
    for _ in range(3):
        client.get("/healthz")
    client.get("/no/such/page/123")
    client.get("/no/such/page/456")
    got = scrape(client)
    health = (("endpoint", "/healthz"), ("method", "GET"), ("status", "200"))
    assert got[("wanggetong_http_requests_total", health)] == 3
    assert got[("wanggetong_http_request_duration_seconds_count", (("endpoint", "/healthz"),))] == 3
    assert got[("wanggetong_http_request_duration_seconds_bucket",
                (("endpoint", "/healthz"), ("le", "+Inf")))] == 3
    assert got[("wanggetong_http_requests_total",
                (("endpoint", "unmatched"), ("method", "GET"), ("status", "404")))] == 2
    assert not any("/no/such" in str(labels) for _, labels in got)  # one series for all 404s


def test_classifications_counted_through_the_pipeline(app, runtime, town):
    with app.app_context():
        for n, text in enumerate((TEXT, "小区门口路灯坏了好几天", TEXT + "了")):
            runtime.pipeline.handle(Inbound(channel="official", sender=f"o-m{n}", recipient="gh",
                                            msg_type="text", create_time=1, msg_id=900 + n,
                                            text=text))
        runtime.pipeline.handle(Inbound(channel="official", sender="o-m9", recipient="gh",
                                        msg_type="image", create_time=1, msg_id=999, media_id="m-1"))
    got = scrape(app.test_client())
    counted = {labels: v for (name, labels), v in got.items()
               if name == "wanggetong_classifications_total"}
    assert sum(counted.values()) == 3  # a photo is not classified
    assert counted[(("category", "env"), ("intent", "report"))] == 2


def test_outbox_and_overdue_gauges_from_the_database(app, client, uow, clock, town):
    with uow() as tx:
        report_case(tx, resident("o-gauge"), ReportInput(description=TEXT, category="env"))
        for i in range(3):
            enqueue(tx.session, dedup_key=f"g:{i}", channel="wecom", recipient="leader1",
                    kind="notice", body="x", now=clock.now())
        enqueue(tx.session, dedup_key="g:later", channel="wecom", recipient="member1",
                kind="notice", body="x", now=clock.now() + timedelta(hours=1))
        tx.session.flush()
        tx.session.execute(update(Notification).where(Notification.dedup_key == "g:0")
                           .values(attempts=2, last_error="HTTP 500"))
        tx.session.execute(update(Notification).where(Notification.dedup_key == "g:1")
                           .values(status=OutboxStatus.DEAD, attempts=8))
    clock.advance(days=10, minutes=5)  # the case's 3 working days are long gone
    got = scrape(client)
    # the report queued 'accepted' (official) and 'dispatch' (wecom) pushes
    assert got[("wanggetong_outbox_backlog", (("channel", "wecom"),))] == 4  # g:0, g:2, later, dispatch
    assert got[("wanggetong_outbox_backlog", (("channel", "official"),))] == 1
    assert got[("wanggetong_outbox_retrying", (("channel", "wecom"),))] == 1
    assert got[("wanggetong_outbox_dead", (("channel", "wecom"),))] == 1
    assert got[("wanggetong_cases_overdue", ())] == 1
    oldest = got[("wanggetong_outbox_oldest_due_seconds", ())]
    assert abs(oldest - timedelta(days=10, minutes=5).total_seconds()) < 1
    assert got[("wanggetong_metrics_database_up", ())] == 1


def test_database_counts_are_cached_briefly(app, clock, uow):
    collector: DatabaseCollector = app.extensions[EXTENSION].database
    first = samples(app.extensions[EXTENSION].exposition().decode())
    with uow() as tx:
        enqueue(tx.session, dedup_key="c:1", channel="wecom", recipient="leader1",
                kind="notice", body="x", now=clock.now())
    cached = samples(app.extensions[EXTENSION].exposition().decode())
    assert first == cached  # within DB_CACHE_SECONDS: no second query
    fresh = DatabaseCollector(collector.session_factory, collector.now, cache_seconds=0)
    assert samples(generate_latest(fresh.registry).decode())[("wanggetong_outbox_backlog", (("channel", "wecom"),))] == 1


def test_database_down_is_a_gauge_not_an_error(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    collector = DatabaseCollector(make_session_factory(engine), clock.now, cache_seconds=0)
    got = samples(generate_latest(collector.registry).decode())
    assert got == {("wanggetong_metrics_database_up", ()): 0.0}
    engine.dispose()


def test_per_request_cost_is_a_few_microseconds(app):
    """The work added to each request: one counter, one histogram observation."""
    m = app.extensions[EXTENSION]
    n = 20_000
    started = time.perf_counter()
    for _ in range(n):
        m.observe_request("/wechat/official", "POST", 200, 0.004)
    per_request = (time.perf_counter() - started) / n
    got = samples(m.exposition().decode())
    labels = (("endpoint", "/wechat/official"), ("method", "POST"), ("status", "200"))
    assert got[("wanggetong_http_requests_total", labels)] == n
    assert per_request < 50e-6, f"{per_request * 1e6:.1f} µs"  # measured 2-5 µs; generous bound
