"""Prometheus metrics at ``GET /metrics`` (监控指标), in the text exposition format.

Counted in the request (a few µs, see docs/operations.md): requests and latency by
endpoint, the router's classifications by category, rate-limited messages. Read from the
database when scraped (three grouped counts on indexed columns, kept 5 s): the outbox
backlog, retries and dead letters by channel, the age of the oldest due push, overdue cases.

Several gunicorn workers: set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, before the
process starts) and prometheus_client keeps each worker's counters in a file there; a scrape
that lands on any worker merges them all. Only counters and histograms live there, so no
``child_exit`` hook is needed (a dead worker's counts stay in the sums, as they should).

Access: with ``METRICS_TOKEN`` set, ``Authorization: Bearer <token>``; without it, only a
direct loopback caller (no ``X-Forwarded-For``: nginx adds one, so nothing proxied gets in).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from config import Settings

log = logging.getLogger(__name__)
EXTENSION = "wanggetong.metrics"
DB_CACHE_SECONDS = 5.0
LOOPBACK = frozenset({"127.0.0.1", "::1"})
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # the classic text format
METHODS = frozenset({"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class Metrics:
    """The counters of one app; in multiprocess mode their values live in shared files."""

    def __init__(self, database: DatabaseCollector) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("wanggetong_http_requests", "HTTP requests by endpoint",
                                ["endpoint", "method", "status"], registry=r)
        self.latency = Histogram("wanggetong_http_request_duration_seconds",
                                 "Time to answer, by endpoint", ["endpoint"], buckets=BUCKETS,
                                 registry=r)
        self.classified = Counter("wanggetong_classifications",
                                  "Residents' free texts classified, by category and intent",
                                  ["category", "intent"], registry=r)
        self.limited = Counter("wanggetong_rate_limited_messages",
                               "Messages refused by the per-sender rate limit",
                               ["channel", "answer"], registry=r)
        self.database = database
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """One request: the labelled children are looked up once per series, then reused
        (``labels()`` costs more than the increment itself)."""
        key = (endpoint, method, status)
        series = self._series.get(key)
        if series is None:
            series = (self.requests.labels(endpoint, method, str(status)),
                      self.latency.labels(endpoint))
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def exposition(self) -> bytes:
        """The text format: this process's registry, or every worker's files merged."""
        if multiprocess_dir():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        return generate_latest(registry) + generate_latest(self.database.registry)


@dataclass(eq=False)
class DatabaseCollector:
    """Gauges counted in the database at scrape time, kept ``cache_seconds``."""

    session_factory: Any
    now: Callable[[], datetime]
    cache_seconds: float = DB_CACHE_SECONDS
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    _cached: tuple[float, list[GaugeMetricFamily]] | None = None

    def __post_init__(self) -> None:
        self.registry.register(self)

    def describe(self) -> list[GaugeMetricFamily]:
        return []

    def collect(self) -> list[GaugeMetricFamily]:
        mono = time.monotonic()
        if self._cached is not None and mono - self._cached[0] < self.cache_seconds:
            return self._cached[1]
        up = GaugeMetricFamily("wanggetong_metrics_database_up",
                               "1 when the scrape could count in the database")
        try:
            families = self._count()
            up.add_metric([], 1)
        except SQLAlchemyError as exc:
            log.warning("metrics: database unreachable (%s)", type(exc).__name__)
            families = []
            up.add_metric([], 0)
        result = [*families, up]
        self._cached = (mono, result)
        return result

    def _count(self) -> list[GaugeMetricFamily]:
        from core.cases.models import Case
        from core.cases.queries import ACTIVE
        from core.outbox import Notification as Row
        from core.outbox import OutboxStatus

        now = self.now()
        backlog = GaugeMetricFamily("wanggetong_outbox_backlog",
                                    "Pushes waiting in the outbox (pending or being sent)",
                                    labels=["channel"])
        retrying = GaugeMetricFamily("wanggetong_outbox_retrying",
                                     "Waiting pushes that failed at least once", labels=["channel"])
        dead = GaugeMetricFamily("wanggetong_outbox_dead", "Dead letters (gave up)",
                                 labels=["channel"])
        oldest = GaugeMetricFamily("wanggetong_outbox_oldest_due_seconds",
                                   "How long the oldest due push has waited (0: none due)")
        overdue = GaugeMetricFamily("wanggetong_cases_overdue",
                                    "Accepted or dispatched cases past their deadline (超期)")
        waiting = [OutboxStatus.PENDING, OutboxStatus.SENDING]
        with self.session_factory() as session:
            rows = session.execute(
                select(Row.channel, Row.status, func.count(),
                       func.sum(case((Row.attempts > 0, 1), else_=0)))
                .where(Row.status.in_([*waiting, OutboxStatus.DEAD]))
                .group_by(Row.channel, Row.status)).all()
            first_due = session.scalar(select(func.min(Row.next_attempt_at)).where(
                Row.status == OutboxStatus.PENDING, Row.next_attempt_at <= now))
            late = session.scalar(select(func.count()).select_from(Case).where(
                Case.status.in_([str(s) for s in ACTIVE]), Case.deadline < now))
        sums: dict[tuple[str, str], float] = {}
        for channel, status, count, failed in rows:
            name = "dead" if status == OutboxStatus.DEAD else "backlog"
            sums[(name, channel)] = sums.get((name, channel), 0) + count
            if name == "backlog":
                sums[("retrying", channel)] = sums.get(("retrying", channel), 0) + int(failed or 0)
        for (name, channel), value in sorted(sums.items()):
            {"backlog": backlog, "retrying": retrying, "dead": dead}[name].add_metric([channel], value)
        oldest.add_metric([], max((now - first_due).total_seconds(), 0.0) if first_due else 0.0)
        overdue.add_metric([], int(late or 0))
        return [backlog, retrying, dead, oldest, overdue]


def _endpoint() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"  # scanners' paths stay one series


def _allowed(settings: Settings) -> bool:
    if settings.METRICS_TOKEN:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {settings.METRICS_TOKEN}".encode())
    return request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers


def init_app(app: Flask, settings: Settings, session_factory: Any,
             now: Callable[[], datetime]) -> Metrics:
    """Attach the counters, the request hooks and the ``/metrics`` route."""
    if multiprocess_dir():  # a missing directory would make every request fail
        os.makedirs(multiprocess_dir(), exist_ok=True)
    metrics = Metrics(DatabaseCollector(session_factory, now))
    app.extensions[EXTENSION] = metrics

    @app.before_request
    def _start() -> None:
        g.wgt_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("wgt_started")
        if started is not None:
            method = request.method if request.method in METHODS else "other"
            metrics.observe_request(_endpoint(), method, response.status_code,
                                    time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics_page() -> Response:
        """Prometheus scrape (监控指标): token or loopback only."""
        if not _allowed(settings):
            return Response("forbidden", status=403, mimetype="text/plain")
        return Response(metrics.exposition(), content_type=CONTENT_TYPE)

    return metrics


def _current() -> Metrics | None:
    return current_app.extensions.get(EXTENSION) if has_app_context() else None


def rate_limited(channel: str, answer: str) -> None:
    """A message refused by bot.ratelimit (``answer``: notice | dropped)."""
    metrics = _current()
    if metrics is not None:
        metrics.limited.labels(channel, answer).inc()


def counting_route(route: Callable[..., str]) -> Callable[..., str]:
    """Wrap the pipeline's router: count the classification it made, if any."""

    def counted(inbound: Any, ctx: Any) -> str:
        try:
            return route(inbound, ctx)
        finally:
            c = getattr(ctx, "classification", None)
            metrics = _current()
            if c is not None and metrics is not None:
                metrics.classified.labels(str(c.category), str(c.intent)).inc()

    return counted
