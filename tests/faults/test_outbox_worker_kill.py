"""Fault 4: a real ``flask outbox`` worker is SIGKILLed in the middle of a batch.

The rows it had claimed stay ``sending`` until their claim (lease) runs out; then the other
workers take them over and deliver them. Delivery is at least once: a kill that lands while
a message is on its way — sent, answer not yet recorded — means that message goes again.
Sends are sequential and each is recorded in its own transaction right after WeChat's
answer, so a kill can double at most the one message in flight.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.devtools.fakewechat import WECOM_SEND
from core.clock import SystemClock
from core.outbox import Notification, OutboxStatus, enqueue
from tests.faults.infra import flask_process, settings_env, stop_process, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("town")]
ROWS, LEASE, SEND_SECONDS = 28, 4.0, 0.25


def _rows(uow) -> dict[int, Notification]:  # type: ignore[no-untyped-def]
    with uow() as tx:
        found = tx.session.scalars(select(Notification).where(Notification.dedup_key.like("fault4:%")))
        return {r.id: r for r in found}


def test_a_worker_killed_mid_batch_loses_nothing(settings, uow, fake, tmp_path, report):
    now = SystemClock().now() - timedelta(seconds=1)  # the workers run on the real clock
    with uow() as tx:
        for n in range(ROWS):
            enqueue(tx.session, dedup_key=f"fault4:{n}", channel="wecom", recipient=f"f4-staff-{n}",
                    kind="notice", title="派单通知", body=f"请处理新事件 [F4-{n:02d}]", now=now)
    fake.delay(WECOM_SEND, SEND_SECONDS)
    env = settings_env(settings)
    args = ["outbox", "--batch", "8", "--lease", f"{LEASE:g}", "--interval", "0.2"]
    first = flask_process(env, tmp_path / "worker-a.log", *args)
    others = []
    try:
        assert wait_until(lambda: len(fake.sent_wecom()) >= 5, 60), (tmp_path / "worker-a.log").read_text()
        stop_process(first, signal.SIGKILL)
        killed_at = time.time()
        claimed = {i: r for i, r in _rows(uow).items() if r.status == OutboxStatus.SENDING}
        before = len(fake.sent_wecom())
        others = [flask_process(env, tmp_path / f"worker-{n}.log", *args) for n in ("b", "c")]
        done = wait_until(lambda: all(r.status == OutboxStatus.SENT for r in _rows(uow).values()),
                          90, step=0.3)
    finally:
        for proc in others:
            stop_process(proc, signal.SIGTERM)
        stop_process(first, signal.SIGKILL)
    assert fake.wait_idle()
    rows = _rows(uow)
    marker = {i: f"[F4-{int(r.dedup_key.split(':')[1]):02d}]" for i, r in rows.items()}
    counts = {i: sum(1 for b in fake.sent_wecom() if marker[i] in str(b)) for i in rows}
    first_after = {i: min((c.time for c in fake.calls_to(WECOM_SEND)
                           if c.time > killed_at and marker[i] in c.body.decode()), default=None)
                   for i in claimed}
    lease_ends = {i: r.next_attempt_at.timestamp() for i, r in claimed.items()}
    early = [i for i, at in first_after.items() if at is not None and at < lease_ends[i] - 0.5]
    twice = {marker[i]: n for i, n in counts.items() if n > 1}
    report(f"{ROWS} WeCom pushes, each send {SEND_SECONDS} s at the fake; worker A (batch 8, lease "
           f"{LEASE:g} s) SIGKILLed after {before} deliveries, holding {len(claimed)} claimed rows; "
           f"workers B and C started at once")
    report(f"A's claimed rows taken over after their lease: "
           f"{sum(1 for v in first_after.values() if v is not None)} of {len(claimed)}, none before it "
           f"ran out: {not early}; all rows sent: {done}")
    report(f"deliveries at the fake: {sum(counts.values())} for {ROWS} rows; never delivered: "
           f"{sum(1 for n in counts.values() if n == 0)}; delivered twice: {twice or 'none'} "
           f"(the message in flight when A died is sent again: at least once, at most one extra)")
    for name in ("a", "b", "c"):
        log = (tmp_path / f"worker-{name}.log").read_text(encoding="utf-8")
        assert "Traceback" not in log, log[-3000:]
    assert done, {i: r.status for i, r in rows.items()}
    assert claimed, "the kill found no claimed row: nothing was exercised"
    assert not early and all(v is not None for v in first_after.values())
    assert all(n >= 1 for n in counts.values())
    assert len(twice) <= 1 and set(twice.values()) <= {2}
