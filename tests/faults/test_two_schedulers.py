"""Fault 5: two schedulers at once. Only the holder of the Redis lease schedules; when it is
SIGKILLed the other takes over once the lease expires; and every reminder goes out once —
also when ``flask scheduler --run-due`` runs twice for the same minute at the same moment
with the product's own jobs (their dedup keys: job, day, recipient)."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.outbox_worker import OutboxWorker
from bot.wechat import build_clients
from bot.wechat.notifier import Notifier
from core.clock import FixedClock, SystemClock, as_local
from core.outbox import Notification
from tests.conftest import drop_job_store
from tests.faults.infra import python_process, settings_env, stop_process, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("town")]
MONDAY_8 = "2026-11-30T08:00"  # 早例会 and 周例会 reminders are due


@pytest.fixture(autouse=True)
def _no_job_store(database_url: str) -> Iterator[None]:
    """PostgreSQL keeps the job store in its own schema, which the per-test truncation skips."""
    drop_job_store(database_url)
    yield
    drop_job_store(database_url)


def _runs(path: Path) -> list[tuple[int, str, float]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")
    return [(int(p), slot, float(at)) for p, slot, at in (ln.split() for ln in lines if ln.strip())]


def _deliver(env, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clients = build_clients(settings)
    try:
        OutboxWorker(env, Notifier(clients, media_dir=tmp_path), media_dir=tmp_path,
                     clock=SystemClock()).run_once()
    finally:
        clients.close()


def test_two_scheduler_processes_one_lease_each_slot_once(settings, env, uow, fake, private_redis,
                                                          tmp_path, report):
    log = tmp_path / "runs.log"
    child_env = settings_env(settings.with_overrides(REDIS_URL=private_redis.url),
                             FAULT_SCHED_LOG=str(log))
    procs = [python_process(child_env, tmp_path / f"scheduler-{n}.log", "tests.faults.scheduler_child")
             for n in (1, 2)]
    try:
        assert wait_until(lambda: len(_runs(log)) >= 2, 60), [p.read_text() for p in tmp_path.glob("scheduler-*.log")]
        holder = _runs(log)[-1][0]
        victim = next(p for p in procs if p.pid == holder)
        survivor = next(p for p in procs if p.pid != holder)
        stop_process(victim, signal.SIGKILL)
        killed_at = time.time()
        assert wait_until(lambda: sum(1 for r in _runs(log) if r[0] == survivor.pid) >= 2, 40), \
            (tmp_path / "scheduler-1.log").read_text() + (tmp_path / "scheduler-2.log").read_text()
    finally:
        for proc in procs:
            stop_process(proc, signal.SIGTERM)
    runs = _runs(log)
    survivor_log = (tmp_path / f"scheduler-{procs.index(survivor) + 1}.log").read_text(encoding="utf-8")
    waited = "waiting" in survivor_log
    _deliver(env, settings, tmp_path)
    by_slot: dict[str, set[int]] = {}
    for pid, slot, _ in runs:
        by_slot.setdefault(slot, set()).add(pid)
    shared = {slot: pids for slot, pids in by_slot.items() if len(pids) > 1}
    victim_late = [at for pid, _, at in runs if pid == victim.pid and at > killed_at]
    survivor_early = [at for pid, _, at in runs if pid == survivor.pid and at < killed_at]
    takeover = min(at for pid, _, at in runs if pid == survivor.pid) - killed_at
    with uow() as tx:
        rows = tx.session.scalars(select(Notification).where(Notification.dedup_key.like("fault5:%"))).all()
    committed_by = {r.dedup_key.removeprefix("fault5:tick:"): r.data.get("pid") for r in rows}
    # The holder is usually killed inside a run (each run works ~0.8 s after its log line),
    # before its commit: the other process runs that slot again from the run journal
    # (core/reminders/journal.py). A slot both ran is fine only so.
    last_of_victim = max((slot for pid, slot, _ in runs if pid == victim.pid), default=None)
    rerun = {slot for slot in shared if slot == last_of_victim and committed_by.get(slot) == survivor.pid}
    delivered = Counter(text for (who, text) in fake.delivered().elements() if who == "f5-leader")
    report(f"two scheduler processes (SchedulerService, Redis lease TTL 1.5 s, a job every 3 s); "
           f"{len(runs)} job runs: {sum(1 for r in runs if r[0] == victim.pid)} by the first holder "
           f"(then SIGKILLed), {sum(1 for r in runs if r[0] == survivor.pid)} by the other, which "
           f"took over {takeover:.1f} s after the kill, had logged that it waited for the lease: {waited}, "
           f"and had run nothing before")
    report(f"slots run by both processes: {shared or 'none'} (the run the holder was killed in, "
           f"uncommitted and run again by the other: {sorted(rerun) or 'none'}); outbox rows {len(rows)} for "
           f"{len(by_slot)} slots; deliveries at the fake {sum(delivered.values())}, twice: "
           f"{[t for t, n in delivered.items() if n > 1] or 'none'}")
    assert waited and set(shared) <= rerun and not victim_late and not survivor_early
    assert len(rows) == len(by_slot) and {r.status for r in rows} == {"sent"}
    assert set(delivered.values()) == {1} and len(delivered) == len(rows)


def test_run_due_twice_at_once_sends_each_reminder_once(settings, env, uow, fake, tmp_path, report):
    child_env = settings_env(settings)
    procs = [python_process(child_env, tmp_path / f"run-due-{n}.log", "flask", "scheduler",
                            "--run-due", "--now", MONDAY_8) for n in (1, 2)]
    for proc in procs:
        proc.wait(timeout=120)
    outputs = [(tmp_path / f"run-due-{n}.log").read_text(encoding="utf-8") for n in (1, 2)]
    with uow() as tx:
        rows = tx.session.scalars(select(Notification)).all()
    clients = build_clients(settings)
    try:
        OutboxWorker(env, Notifier(clients, media_dir=tmp_path), media_dir=tmp_path,
                     clock=FixedClock(as_local(datetime.fromisoformat(MONDAY_8)))).run_once()
    finally:
        clients.close()
    with uow() as tx:
        rows = tx.session.scalars(select(Notification)).all()
    delivered = fake.delivered()
    queued = [ln for out in outputs for ln in out.splitlines() if "queued=" in ln]
    report(f"`flask scheduler --run-due --now {MONDAY_8}` run twice at the same moment with the "
           f"product's jobs: {queued}; {len(rows)} outbox rows; deliveries "
           f"{sum(delivered.values())} to {len(delivered)} (recipient, text) pairs, twice: "
           f"{[k for k, n in delivered.items() if n > 1] or 'none'}")
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert rows and len({r.dedup_key for r in rows}) == len(rows)
    assert {r.status for r in rows} == {"sent"}
    assert set(delivered.values()) == {1}
