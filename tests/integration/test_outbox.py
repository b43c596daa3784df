"""The delivery worker (``flask outbox``) against the loopback fake of the WeChat API.

Pushes are made by the real use cases (or ``enqueue``) and delivered by the real worker and
Notifier over HTTP to bot/devtools/fakewechat.py. The two-worker tests need PostgreSQL
(``TEST_DATABASE_URL``) and are skipped without it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.devtools.fakewechat import CUSTOM_SEND, GETTOKEN, MEDIA_GET, WECOM_SEND, FakeWeChat
from bot.outbox_worker import OutboxWorker
from bot.wechat import Notifier, build_clients
from bot.wechat.clients import reset_shared_clients
from core import delivery
from core.actors import resident
from core.cases.report import ReportInput, report_case
from core.cases.resident import attach_to_case, touch_resident
from core.delivery import DeliveryPolicy, backoff
from core.outbox import Notification, Priority, enqueue
from core.registry.models import Resident
from core.throttle import Budget

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
needs_pg = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set (PostgreSQL)")
pytestmark = pytest.mark.usefixtures("town")
APPID, CORP_ID, SECRET, CORP_SECRET = "wxoutbox0001", "wwoutbox0001", "oa-secret-x1", "corp-secret-x2"
OPENID = "o-res-outbox-1"
TEXT = "阳光花园3栋楼下垃圾堆了三天没人清"


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat(appid=APPID, secret=SECRET, corp_id=CORP_ID, corp_secret=CORP_SECRET) as f:
        yield f


@pytest.fixture
def settings(settings, fake):
    return settings.with_overrides(
        WECHAT_APPID=APPID, WECHAT_SECRET=SECRET, WECOM_CORP_ID=CORP_ID, WECOM_SECRET=CORP_SECRET,
        WECHAT_API_BASE_URL=fake.base_url, WECOM_API_BASE_URL=fake.base_url)


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    reset_shared_clients()


@pytest.fixture
def templates(tmp_path: Path) -> str:
    path = tmp_path / "templates.yaml"
    path.write_text('"*": TPL_PROGRESS\nclosed: TPL_CLOSED\n', encoding="utf-8")
    return str(path)


@pytest.fixture
def outbox(runner, templates):
    """``flask outbox --once …``; returns the output, fails on a non-zero exit."""
    def run(*args: str) -> str:
        result = runner.invoke(args=["outbox", "--once", "--templates", templates, *args])
        assert result.exit_code == 0, result.output
        return result.output
    return run


@pytest.fixture
def worker(env, settings, tmp_path):
    """An OutboxWorker with its own clients (short timeout) and a fixed jitter."""
    made: list = []

    def make(**policy) -> OutboxWorker:
        clients = build_clients(settings, timeout=0.3)
        made.append(clients)
        notifier = Notifier(clients, templates={"*": "TPL_PROGRESS"}, media_dir=tmp_path / "media")
        return OutboxWorker(env, notifier, media_dir=tmp_path / "media",
                            policy=DeliveryPolicy(**policy), rng=lambda: 0.5)
    yield make
    for clients in made:
        clients.close()


def rows(uow, **where) -> list[Notification]:
    with uow() as tx:
        stmt = select(Notification).order_by(Notification.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Notification, key) == value)
        return list(tx.session.scalars(stmt))


def push(uow, clock, recipient: str, n: int = 1, channel: str = "wecom", kind: str = "notice",
         **extra) -> list[int]:
    with uow() as tx:
        made = [enqueue(tx.session, dedup_key=f"t:{recipient}:{kind}:{i}:{time.monotonic_ns()}",
                        channel=channel, recipient=recipient, kind=kind, title=f"通知{i + 1}",
                        body=f"第{i + 1}条测试消息", now=clock.now(), **extra) for i in range(n)]
        tx.session.flush()
        return [r.id for r in made]


def open_window(uow, clock, openid: str = OPENID, ago: timedelta = timedelta(0)) -> None:
    at = clock.now()
    clock.set(at - ago)
    with uow() as tx:
        touch_resident(tx, openid)
    clock.set(at)


def resident_row(uow, openid: str = OPENID) -> Resident:
    with uow() as tx:
        return tx.session.scalar(select(Resident).where(Resident.openid == openid))


# -- the command ------------------------------------------------------------------------
def test_once_delivers_the_pushes_of_a_report_and_marks_them_sent(uow, clock, fake, outbox):
    open_window(uow, clock)
    with uow() as tx:
        report_case(tx, resident(OPENID), ReportInput(description=TEXT, category="env"))
    assert {(r.kind, r.status) for r in rows(uow)} == {("accepted", "pending"), ("dispatch", "pending")}
    out = outbox()
    assert "sent=2" in out
    assert all(r.status == "sent" and r.delivered_at == clock.now() and r.attempts == 1
               for r in rows(uow))
    [custom] = fake.sent_custom()
    assert custom["touser"] == OPENID and "已受理" in custom["text"]["content"]
    [card] = fake.sent_wecom()
    assert card["touser"] == "leader1" and card["msgtype"] == "textcard"
    assert outbox() == "nothing due\n"
    assert len(fake.sent_custom()) == 1 and len(fake.sent_wecom()) == 1


def test_window_open_gets_a_customer_service_message(uow, clock, fake, outbox):
    open_window(uow, clock, ago=timedelta(hours=47))
    push(uow, clock, OPENID, channel="official", kind="accepted", data={"code": "GR202611260001"})
    outbox()
    assert len(fake.sent_custom()) == 1 and fake.sent_templates() == []
    assert resident_row(uow).window_sent == 1


def test_window_closed_gets_a_template(uow, clock, fake, outbox):
    open_window(uow, clock, ago=timedelta(days=3))
    push(uow, clock, OPENID, channel="official", kind="closed", data={"code": "GR202611260001"})
    outbox()
    assert fake.calls_to(CUSTOM_SEND) == []
    [tpl] = fake.sent_templates()
    assert tpl["touser"] == OPENID and tpl["template_id"] == "TPL_CLOSED"
    assert rows(uow)[0].status == "sent"


def test_window_cap_of_five_messages_then_templates(uow, clock, fake, outbox):
    open_window(uow, clock)
    push(uow, clock, OPENID, 7, channel="official", kind="accepted")
    outbox()
    assert len(fake.sent_custom()) == 5 and len(fake.sent_templates()) == 2
    assert resident_row(uow).window_sent == 5
    assert [r.status for r in rows(uow)] == ["sent"] * 7


def test_wechat_saying_the_window_closed_switches_to_templates(uow, clock, fake, outbox):
    open_window(uow, clock)
    fake.close_window(OPENID)
    push(uow, clock, OPENID, 2, channel="official", kind="accepted")
    outbox()
    assert len(fake.calls_to(CUSTOM_SEND)) == 1  # 45015 once; the second goes straight to a template
    assert len(fake.sent_templates()) == 2


def test_quota_backs_off_then_succeeds(uow, clock, fake, outbox):
    first, second = push(uow, clock, "leader1") + push(uow, clock, "member1")
    fake.fail_next(WECOM_SEND, 45009)
    outbox()
    by_id = {r.id: r for r in rows(uow)}
    row = by_id[first]
    assert (row.status, row.attempts) == ("pending", 1)
    assert "45009" in row.last_error
    assert clock.now() + timedelta(seconds=15) <= row.next_attempt_at <= clock.now() + timedelta(seconds=30)
    # the channel backs off as a whole: the other row was handed back untried
    assert (by_id[second].status, by_id[second].attempts) == ("pending", 0)
    assert by_id[second].next_attempt_at == row.next_attempt_at
    assert outbox() == "nothing due\n"
    clock.set(row.next_attempt_at)
    outbox()
    assert [(r.status, r.attempts) for r in rows(uow)] == [("sent", 2), ("sent", 1)]
    assert Counter(m["touser"] for m in fake.sent_wecom()) == {"leader1": 1, "member1": 1}


def test_unsubscribed_resident_is_a_dead_letter_and_marked(uow, clock, fake, outbox):
    open_window(uow, clock)
    fake.unsubscribe(OPENID)
    push(uow, clock, OPENID, channel="official", kind="accepted")
    outbox()
    [row] = rows(uow)
    assert row.status == "dead" and "43004" in row.last_error
    assert resident_row(uow).subscribed is False
    push(uow, clock, OPENID, channel="official", kind="resolved")
    outbox()
    assert rows(uow)[1].status == "dead" and "unsubscribed" in rows(uow)[1].last_error
    assert len(fake.calls_to(CUSTOM_SEND)) == 1  # no second call for a known unsubscriber


def test_http_500_is_retried_nothing_lost_nothing_twice(uow, clock, fake, outbox):
    ids = push(uow, clock, "leader1", 3)
    fake.fail_http(WECOM_SEND, 500)  # the first of three fails
    outbox()
    assert [r.status for r in rows(uow)] == ["pending", "sent", "sent"]
    assert "HTTP 500" in rows(uow)[0].last_error
    clock.advance(minutes=2)
    outbox()
    assert all(r.status == "sent" for r in rows(uow))
    texts = Counter(m["text"]["content"] for m in fake.sent_wecom())
    assert len(texts) == len(ids) and set(texts.values()) == {1}


def test_timeouts_are_retried(uow, clock, fake, worker):
    push(uow, clock, "leader1", 2)
    fake.delay(GETTOKEN, 1.0)  # the token endpoint times out: nothing reaches WeChat
    w = worker()
    w.run_once()
    assert [r.status for r in rows(uow)] == ["pending", "pending"]
    assert "timeout" in rows(uow)[0].last_error.lower() or "unreachable" in rows(uow)[0].last_error
    fake.delay(GETTOKEN, 0)
    fake.delay(WECOM_SEND, 1.0)  # now the send itself times out
    clock.advance(minutes=2)
    w.run_once()
    assert [(r.status, r.last_error) for r in rows(uow)] == [("pending", "timeout")] * 2
    fake.delay(WECOM_SEND, 0)
    clock.advance(minutes=5)
    w.run_once()
    assert [(r.status, r.attempts) for r in rows(uow)] == [("sent", 3)] * 2
    w.run_once()
    assert len(fake.calls_to(WECOM_SEND)) == 4  # two timed out, two sent, none after


@pytest.fixture
def cli(runner):
    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(args=["outbox", *args])
        return result.exit_code, result.output
    return run


def test_failed_lists_and_retry_requeues(uow, clock, fake, outbox, cli):
    [row_id] = push(uow, clock, "member1")
    fake.fail_http(WECOM_SEND, 502, times=3)
    for _ in range(3):
        outbox("--max-attempts", "3")
        clock.advance(hours=1)
    [row] = rows(uow)
    assert (row.status, row.attempts, row.last_error) == ("dead", 3, "HTTP 502 (gave up after 3 tries)")
    code, out = cli("--failed")
    assert code == 0 and f"#{row_id}\twecom\tmember1\tnotice\ttries=3" in out and "HTTP 502" in out
    code, out = cli("--retry", str(row_id))
    assert code == 0 and "已重新排队" in out
    assert (rows(uow)[0].status, rows(uow)[0].attempts) == ("pending", 0)
    outbox()
    assert rows(uow)[0].status == "sent" and len(fake.sent_wecom()) == 1
    assert cli("--failed")[1].strip() == "没有死信。"
    code, out = cli("--retry", str(row_id))
    assert code == 1 and "只有死信" in out
    assert cli("--retry", "9999")[0] == 1


def test_wecom_throttle_folds_a_burst_into_one_digest(uow, clock, fake, outbox):
    push(uow, clock, "leader1", 40, priority=Priority.NORMAL)
    outbox()
    sent = fake.sent_wecom()
    assert len(sent) == 30  # 29 one by one + 1 digest: WeCom's 30 a minute, never more
    digest = sent[-1]["text"]["content"]
    assert digest.startswith("消息汇总（11条）") and "11. 通知40" in digest
    all_rows = rows(uow)
    assert len(all_rows) == 41 and all(r.status == "sent" for r in all_rows)
    [dg] = [r for r in all_rows if r.kind == "digest"]
    folded = [r for r in all_rows if (r.data or {}).get("folded_into") == dg.id]
    assert len(folded) == 11 and dg.data["folded"] == [r.id for r in folded]
    assert all("汇总消息" in r.data["note"] for r in folded)
    # more in the same minute wait for a free slot, then go
    push(uow, clock, "leader1", 2)
    assert outbox() == "nothing due\n"
    waiting = rows(uow, status="pending")
    assert len(waiting) == 2 and all(r.next_attempt_at == clock.now() + timedelta(minutes=1)
                                     for r in waiting)
    clock.advance(minutes=1)
    outbox()
    assert len(fake.sent_wecom()) == 32
    assert Counter(m["touser"] for m in fake.sent_wecom()) == {"leader1": 32}


def test_wecom_hourly_budget(uow, clock, fake, worker):
    w = worker(budget=Budget(per_minute=30, per_hour=35))
    push(uow, clock, "leader1", 30)
    w.run_once()
    clock.advance(minutes=2)
    push(uow, clock, "leader1", 10)
    w.run_once()
    assert len(fake.sent_wecom()) == 35  # 30, then 4 + a digest of 6
    assert fake.sent_wecom()[-1]["text"]["content"].startswith("消息汇总（6条）")
    push(uow, clock, "leader1", 1)
    w.run_once()
    [late] = rows(uow, status="pending")
    assert late.next_attempt_at == clock.now() - timedelta(minutes=2) + timedelta(hours=1)


def test_fetch_media_job_saves_the_file(uow, clock, fake, outbox, settings):
    with uow() as tx:
        code = report_case(tx, resident(OPENID), ReportInput(description=TEXT, category="env")).case.code
    with uow() as tx:
        attach_to_case(tx, resident(OPENID), code, media_ids=["MEDIA_OK", "MEDIA_GONE"])
    fake.add_media("MEDIA_OK", b"\xff\xd8jpeg-bytes", "image/jpeg")
    outbox()
    ok, gone = rows(uow, channel="job")
    assert ok.status == "sent"
    saved = Path(ok.data["path"])
    assert saved.parent == Path(settings.MEDIA_DIR) and saved.read_bytes() == b"\xff\xd8jpeg-bytes"
    assert (gone.status, gone.attempts) == ("pending", 1) and "40007" in gone.last_error
    assert len(fake.calls_to(MEDIA_GET)) == 2


def test_row_of_a_killed_worker_is_taken_over_after_the_lease(uow, clock, fake, outbox, env):
    push(uow, clock, "leader1")
    with env.session_factory.begin() as session:  # a worker claims, then dies before sending
        [claim] = delivery.claim_due(session, clock.now(), DeliveryPolicy(lease=300))
    [row] = rows(uow)
    assert (row.status, row.attempts) == ("sending", 1)
    assert outbox() == "nothing due\n"  # the lease still holds
    clock.advance(minutes=5)
    outbox()
    [row] = rows(uow)
    assert (row.status, row.attempts) == ("sent", 2) and len(fake.sent_wecom()) == 1
    with env.session_factory.begin() as session:  # the dead worker's late write changes nothing
        assert delivery.mark_dead(session, claim, clock.now(), "late") is False
    assert rows(uow)[0].status == "sent"


def test_now_option_acts_as_if_the_clock_read_it(uow, clock, fake, outbox, runner):
    with uow() as tx:
        enqueue(tx.session, dedup_key="later", channel="wecom", recipient="manager1", kind="meeting",
                body="明早 08:30 早例会", now=clock.now() + timedelta(days=1))
    assert outbox() == "nothing due\n"
    outbox("--now", "2026-11-27T10:00")
    [row] = rows(uow)
    assert row.status == "sent" and row.delivered_at.isoformat() == "2026-11-27T10:00:00+08:00"
    result = runner.invoke(args=["outbox", "--now", "2026-11-27T10:00"])
    assert result.exit_code == 2 and "--once" in result.output


def test_backoff_is_exponential_capped_and_jittered_by_the_injected_source():
    policy = DeliveryPolicy(backoff_base=10, backoff_cap=100)
    assert backoff(1, policy, lambda: 0.0) == timedelta(seconds=5)
    assert backoff(1, policy, lambda: 1.0) == timedelta(seconds=10)
    assert backoff(3, policy, lambda: 0.5) == timedelta(seconds=30)
    assert backoff(20, policy, lambda: 1.0) == timedelta(seconds=100)
    assert backoff(1, DeliveryPolicy(backoff_base=0), lambda: 0.0) == timedelta(seconds=1)


def test_log_has_one_line_per_delivery_and_no_secret(uow, clock, fake, outbox, caplog):
    push(uow, clock, "leader1", 2)
    with caplog.at_level(logging.DEBUG):
        outbox()
    lines = [r.getMessage() for r in caplog.records if r.name == "wanggetong.outbox"]
    assert len(lines) == 2 and all("sent" in line for line in lines)
    text = caplog.text
    for secret in [SECRET, CORP_SECRET, *fake.issued_tokens]:
        assert secret not in text


def test_the_loop_delivers_and_stops_when_asked(uow, clock, fake, worker):
    w = worker()
    thread = threading.Thread(target=w.run_forever, kwargs={"interval": 0.02})
    thread.start()
    try:
        push(uow, clock, "leader1")
        deadline = time.monotonic() + 5
        while not fake.sent_wecom() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        w.stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive() and rows(uow)[0].status == "sent"


def test_sigterm_stops_the_process_gracefully(settings, tmp_path, uow, clock, fake):
    push(uow, clock, "leader1")
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": settings.DATABASE_URL,
           "REDIS_URL": settings.REDIS_URL, "WECOM_CORP_ID": CORP_ID, "WECOM_SECRET": CORP_SECRET,
           "WECOM_API_BASE_URL": fake.base_url, "WECHAT_API_BASE_URL": fake.base_url,
           "MEDIA_DIR": str(tmp_path / "media")}
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "flask", "outbox", "--interval", "0.1"],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not fake.sent_wecom() and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert len(fake.sent_wecom()) == 1 and b"stopped" in out


# -- several workers (PostgreSQL) -------------------------------------------------------------
def _run_together(workers: list[OutboxWorker]) -> None:
    errors: list[BaseException] = []

    def go(w: OutboxWorker) -> None:
        try:
            w.run_once()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=go, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors


@needs_pg
def test_two_workers_deliver_every_message_exactly_once(uow, clock, fake, worker):
    for n in range(30):
        push(uow, clock, f"user{n:02d}", 2)
    for n in range(10):
        open_window(uow, clock, f"o-res-{n:02d}")
        push(uow, clock, f"o-res-{n:02d}", 1, channel="official", kind="accepted")
    fake.delay(WECOM_SEND, 0.005)
    a, b = worker(batch_size=4), worker(batch_size=4)
    _run_together([a, b])
    assert all(r.status == "sent" and r.attempts == 1 for r in rows(uow))
    wecom = Counter((m["touser"], m["text"]["content"]) for m in fake.sent_wecom())
    custom = Counter(m["touser"] for m in fake.sent_custom())
    assert len(wecom) == 60 and set(wecom.values()) == {1}
    assert len(custom) == 10 and set(custom.values()) == {1}
    assert a.stats["sent"] > 0 and b.stats["sent"] > 0  # both took part
    assert all(resident_row(uow, f"o-res-{n:02d}").window_sent == 1 for n in range(10))


@needs_pg
def test_two_workers_share_one_members_budget(uow, clock, fake, worker):
    push(uow, clock, "leader1", 40)
    fake.delay(WECOM_SEND, 0.005)
    workers = [worker(batch_size=7), worker(batch_size=7)]
    _run_together(workers)
    assert len(fake.sent_wecom()) <= 30  # never more than WeCom takes in a minute
    # a batch held by one worker while the other used the last slot waits for the next minute
    assert all(r.next_attempt_at == clock.now() + timedelta(minutes=1)
               for r in rows(uow, status="pending"))
    clock.advance(minutes=1)
    _run_together(workers)
    assert all(r.status == "sent" for r in rows(uow))
    digests = [r for r in rows(uow) if r.kind == "digest"]
    folded = sum(len(d.data["folded"]) for d in digests)
    assert len(fake.sent_wecom()) - len(digests) + folded == 40




def test_a_long_running_worker_resumes_after_the_quota_pause(uow, clock, fake, worker):
    push(uow, clock, "leader1")
    w = worker()
    fake.fail_next(WECOM_SEND, 45009)
    w.run_pass(clock.now())
    [row] = rows(uow)
    assert row.status == "pending" and w.paused["wecom"] == row.next_attempt_at
    push(uow, clock, "member1")
    assert w.run_pass(clock.now()) == 0  # the channel is paused: nothing claimed
    clock.set(row.next_attempt_at)
    w.run_pass(clock.now())
    assert [r.status for r in rows(uow)] == ["sent", "sent"]
