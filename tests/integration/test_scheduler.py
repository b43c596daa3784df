"""The scheduler process (``flask scheduler``, 定时任务) with small job tables of this module.

The product's table (``core.reminders.jobs``) is swapped for ``SPECS`` below; the jobs queue
outbox rows with dedup keys, like the real ones. The lease tests need a real Redis
(``TEST_REDIS_URL``); everything else runs on SQLite and on PostgreSQL (``TEST_DATABASE_URL``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from apscheduler.job import Job
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select

import core.models  # noqa: F401  (every table, as Alembic's env.py sees them)
from bot.app import create_app
from bot.cli import scheduler as cli_scheduler
from bot.devtools.fakewechat import FakeWeChat
from bot.lease import LEASE_KEY, LocalLease, RedisLease, make_lease
from bot.scheduler import make_jobstore, run_job, trigger_for
from bot.scheduler_service import SchedulerService
from bot.wechat.clients import reset_shared_clients
from core.clock import SHANGHAI
from core.db import Base, make_engine
from core.outbox import Notification, enqueue
from core.reminders import journal
from core.reminders.registry import JobSpec
from tests.conftest import drop_job_store

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set (Redis)")
CALLS: list[tuple[str, datetime]] = []


def _queue(uow, now: datetime, job: str, recipient: str) -> int:
    row = enqueue(uow.session, dedup_key=f"sched-test:{job}:{now:%Y%m%d}:{recipient}",
                  channel="wecom", recipient=recipient, kind="meeting", body=f"{job} 提醒", now=now)
    return 0 if row is None else 1


def morning(uow, now: datetime) -> int:
    CALLS.append(("morning", now))
    return _queue(uow, now, "morning", "leader1") + _queue(uow, now, "morning", "manager1")


def weekly(uow, now: datetime) -> int:
    CALLS.append(("weekly", now))
    return _queue(uow, now, "weekly", "manager1")


def patrol(uow, now: datetime) -> int:
    CALLS.append(("patrol", now))
    return 0


def broken(uow, now: datetime) -> int:
    CALLS.append(("broken", now))
    _queue(uow, now, "broken", "leader1")
    raise RuntimeError("数据库坏了")


def tick(uow, now: datetime) -> int:
    CALLS.append(("tick", now))
    return 0


def stale(uow, now: datetime) -> int:
    CALLS.append(("stale", now))
    return 0


def every(uow, now: datetime) -> int:
    CALLS.append(("every", now))
    return 0


SPECS = [
    JobSpec("morning", morning, {"day_of_week": "mon-fri", "hour": 8, "minute": 0}, "早例会提醒"),
    JobSpec("weekly", weekly, {"day_of_week": "mon", "hour": 8, "minute": 0}, "周例会提醒"),
    JobSpec("patrol", patrol, {"hour": 16, "minute": 0}, "巡查提醒"),
]
MONDAY, FRIDAY = "2026-10-12T08:00", "2026-10-09T08:00"


@pytest.fixture(autouse=True)
def _clean(database_url: str) -> Iterator[None]:
    """Empty CALLS; on PostgreSQL drop the job store's schema (the truncation skips it)."""
    CALLS.clear()
    drop_job_store(database_url)
    yield
    drop_job_store(database_url)
    CALLS.clear()


@pytest.fixture
def use_jobs(monkeypatch) -> Callable[..., None]:
    """Make ``flask scheduler`` read ``specs`` instead of the product's jobs()."""
    def use(*specs: JobSpec) -> None:
        monkeypatch.setattr(cli_scheduler, "jobs", lambda: list(specs))
    use(*SPECS)
    return use


@pytest.fixture
def sched(runner, use_jobs) -> Callable[..., object]:
    return lambda *args: runner.invoke(args=["scheduler", *args])


def outbox_rows(uow) -> list[Notification]:
    with uow() as tx:
        return list(tx.session.scalars(select(Notification).order_by(Notification.id)))


def called(name: str | None = None) -> list[str]:
    return [job for job, _ in CALLS if name in (None, job)]


def wait_for(cond: Callable[[], object], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return bool(cond())


# -- --run-due and --list ----------------------------------------------------------------------
def test_run_due_runs_exactly_the_jobs_due_in_that_minute(sched, uow):
    result = sched("--run-due", "--now", MONDAY)
    assert result.exit_code == 0, result.output
    assert sorted(called()) == ["morning", "weekly"]
    assert {now.isoformat() for _, now in CALLS} == {"2026-10-12T08:00:00+08:00"}
    assert "morning\t2026-10-12 08:00\tqueued=2" in result.output
    assert "weekly\t2026-10-12 08:00\tqueued=1" in result.output and "meeting\tsched-test:morning:20261012:leader1" in result.output
    rows = outbox_rows(uow)
    assert len(rows) == 3 and {r.status for r in rows} == {"pending"}
    assert {r.next_attempt_at.isoformat() for r in rows} == {"2026-10-12T08:00:00+08:00"}


@pytest.mark.parametrize(("at", "expected"), [
    (FRIDAY, ["morning"]),
    ("2026-10-10T08:00", []),  # Saturday: the cron says mon-fri (holidays are the job's business)
    ("2026-10-09T08:01", []),
    ("2026-10-09T07:59", []),
    ("2026-10-09T16:00", ["patrol"]),
])
def test_cron_minute_matching(sched, at, expected):
    result = sched("--run-due", "--now", at)
    assert result.exit_code == 0, result.output
    assert called() == expected
    assert ("no job due" in result.output) == (not expected)


def test_running_twice_for_the_same_minute_queues_nothing_new(sched, uow):
    first, second = sched("--run-due", "--now", MONDAY), sched("--run-due", "--now", MONDAY)
    assert first.exit_code == second.exit_code == 0
    assert called("morning") == ["morning", "morning"]  # each invocation calls it once
    assert "morning\t2026-10-12 08:00\tqueued=0" in second.output
    assert len(outbox_rows(uow)) == 3


def test_a_run_that_loses_the_race_for_a_row_runs_again_and_queues_nothing(
        sched, use_jobs, uow, database_url):
    """Two ``--run-due`` at the same minute on PostgreSQL: both read "no row", the later
    commit breaks the unique key. Here the other process's commit lands between this run's
    read and its commit; the run starts over, finds the row and exits 0 (CI saw exit 1)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite writers BEGIN IMMEDIATE one at a time: the race cannot happen")

    def racing(tx, now: datetime) -> int:
        CALLS.append(("racing", now))
        queued = _queue(tx, now, "racing", "leader1")
        if len(called("racing")) == 1:  # the other process commits the same row meanwhile
            with uow() as other:
                _queue(other, now, "racing", "leader1")
        return queued

    use_jobs(JobSpec("racing", racing, {"hour": 8, "minute": 0}))
    result = sched("--run-due", "--now", FRIDAY)
    assert result.exit_code == 0, result.output
    assert called() == ["racing", "racing"] and "racing\t2026-10-09 08:00\tqueued=0" in result.output
    assert [r.dedup_key for r in outbox_rows(uow)] == ["sched-test:racing:20261009:leader1"]


def test_what_run_due_queues_the_outbox_delivers_at_once(use_jobs, settings, clock, uow):
    ids = {"WECHAT_APPID": "wxsched0001", "WECHAT_SECRET": "s1", "WECOM_CORP_ID": "wwsched0001",
           "WECOM_SECRET": "s2"}
    with FakeWeChat(appid="wxsched0001", secret="s1", corp_id="wwsched0001", corp_secret="s2") as fake:
        app = create_app(settings.with_overrides(**ids, WECHAT_API_BASE_URL=fake.base_url,
                                                 WECOM_API_BASE_URL=fake.base_url), clock=clock)
        runner = app.test_cli_runner()
        try:
            assert runner.invoke(args=["scheduler", "--run-due", "--now", FRIDAY]).exit_code == 0
            result = runner.invoke(args=["outbox", "--once", "--now", FRIDAY])
            assert result.exit_code == 0, result.output
            assert {r.status for r in outbox_rows(uow)} == {"sent"} and len(fake.sent_wecom()) == 2
        finally:
            reset_shared_clients()
            app.extensions["wanggetong"].engine.dispose()


def test_a_failing_job_does_not_stop_the_others(sched, use_jobs, uow):
    use_jobs(JobSpec("broken", broken, {"hour": 8, "minute": 0}), *SPECS)
    result = sched("--run-due", "--now", FRIDAY)
    assert result.exit_code == 1 and "broken" in result.output and "数据库坏了" in result.output
    assert called() == ["broken", "morning"]
    assert [r.dedup_key.split(":")[1] for r in outbox_rows(uow)] == ["morning", "morning"]


def test_list_prints_the_next_fire_times(sched):
    result = sched("--list", "--now", FRIDAY)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("morning\t2026-10-09 08:00 Fri\tday_of_week=mon-fri hour=8 minute=0")
    assert lines[1].startswith("weekly\t2026-10-12 08:00 Mon") and "周例会提醒" in lines[1]
    assert lines[2].startswith("patrol\t2026-10-09 16:00 Fri")


def test_now_needs_run_due_or_list_and_ids_are_unique(sched, use_jobs):
    assert sched("--now", FRIDAY).exit_code == 2
    use_jobs(SPECS[0], SPECS[0])
    result = sched("--list")
    assert result.exit_code == 1 and "duplicate job id: morning" in str(result.exception)


# -- the long-running scheduler -----------------------------------------------------------------
@contextmanager
def running(service: SchedulerService) -> Iterator[SchedulerService]:
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.stop()
        thread.join(timeout=15)
        assert not thread.is_alive()


def service(env, settings, specs=SPECS, *, lease=None, grace: int = 1800) -> SchedulerService:
    return SchedulerService(env, specs, lease or LocalLease(ttl=1), grace=grace,
                            jobstore=lambda: make_jobstore(settings.DATABASE_URL))


def stored(settings) -> dict[str, float | None]:
    """The job store's rows: id → next run time (UTC timestamp)."""
    store = make_jobstore(settings.DATABASE_URL)
    store.jobs_t.create(store.engine, checkfirst=True)
    with store.engine.connect() as conn:
        rows = conn.execute(select(store.jobs_t.c.id, store.jobs_t.c.next_run_time)).all()
    store.engine.dispose()
    return {row.id: row.next_run_time for row in rows}


def seed(settings, spec: JobSpec, next_run_time: datetime) -> None:
    """Leave ``spec`` in the job store as a process that died would have (a scheduler would
    run a past-due job, so the row is written through the store itself)."""
    store, owner = make_jobstore(settings.DATABASE_URL), BlockingScheduler(timezone=SHANGHAI)
    store.start(owner, "default")
    store.add_job(Job(owner, id=spec.id, func=run_job, trigger=trigger_for(spec), args=[spec.id],
                      kwargs={}, name=spec.id, executor="default", misfire_grace_time=1800,
                      coalesce=True, max_instances=1, next_run_time=next_run_time))
    store.shutdown()


def once_at(at: datetime, name: str = "tick", func=tick) -> JobSpec:
    """A job whose cron fires exactly once, at ``at``."""
    return JobSpec(name, func, {"year": at.year, "month": at.month, "day": at.day,
                                "hour": at.hour, "minute": at.minute})


def test_start_writes_the_jobs_and_replaces_old_versions(env, settings):
    future = datetime.now(SHANGHAI) + timedelta(days=3)
    seed(settings, JobSpec("morning", morning, {"hour": 7, "minute": 15}), future)
    seed(settings, JobSpec("gone", tick, {"hour": 9}), future)
    with running(service(env, settings)) as s:
        assert s.active.wait(10)
        jobs = stored(settings)
    expected = trigger_for(SPECS[0]).get_next_fire_time(None, datetime.now(SHANGHAI))
    assert sorted(jobs) == ["morning", "patrol", "weekly"]
    assert jobs["morning"] == pytest.approx(expected.timestamp())


def test_a_job_missed_while_down_runs_once_on_start_within_the_grace(env, settings):
    now = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    missed, too_old = once_at(now - timedelta(minutes=10)), once_at(now - timedelta(hours=2), "old", stale)
    every_minute = JobSpec("coalesced", every, {"minute": "*", "end_date": now.isoformat()})
    for spec in (missed, too_old):
        seed(settings, spec, trigger_for(spec).get_next_fire_time(None, now - timedelta(hours=3)))
    seed(settings, every_minute, now - timedelta(minutes=10))  # ten run times missed
    with running(service(env, settings, [missed, too_old, every_minute], grace=1800)):
        assert wait_for(lambda: not stored(settings))  # each ran or was dropped, none is left
        time.sleep(0.3)
    assert sorted(called()) == ["every", "tick"]  # ten runs coalesced into one; old: too late


def test_a_run_begun_and_never_ended_is_run_again_once_with_its_clock(env, settings, uow):
    """The run journal: a holder killed mid-run (journal row begun, never ended — the job store
    had already moved on) leaves the run to the next holder, which runs it with the same
    clock reading; an ended run, a run older than the grace and a job no longer in jobs() are
    left alone; a run again queues nothing its first try had committed."""
    now = env.clock.now().replace(microsecond=0)  # the journal's readings come from the injected clock
    killed, done, old = now - timedelta(minutes=5), now - timedelta(minutes=3), now - timedelta(hours=2)
    with uow() as tx:
        _queue(tx, killed, "morning", "leader1")  # the killed run got this far and committed it
        journal.began(tx.session, "morning", killed, "pid-1", killed)
        journal.began(tx.session, "weekly", done, "pid-1", done)
        journal.ended(tx.session, "weekly", done, done)
        journal.began(tx.session, "patrol", old, "pid-1", old)
        journal.began(tx.session, "gone", killed, "pid-1", killed)
    with running(service(env, settings, grace=1800)) as s:
        assert s.active.wait(10)
    assert list(CALLS) == [("morning", killed)]
    rows = outbox_rows(uow)
    assert sorted(r.recipient for r in rows) == ["leader1", "manager1"]  # leader1 not twice
    with uow() as tx:
        assert {job for job, _ in journal.unfinished(tx.session, old)} == {"patrol", "gone"}


def test_a_job_run_by_the_scheduler_is_journalled_begun_and_ended(env, settings, uow):
    now = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    job = once_at(now - timedelta(minutes=1))
    seed(settings, job, trigger_for(job).get_next_fire_time(None, now - timedelta(hours=1)))
    with running(service(env, settings, [job], grace=1800)):
        assert wait_for(lambda: called("tick"))
        time.sleep(0.3)
    with uow() as tx:
        row = tx.session.get(journal.SchedulerRun, "tick")
        assert row is not None and row.finished_at is not None and row.owner
        assert row.run_at == CALLS[0][1]
        assert journal.unfinished(tx.session, now - timedelta(hours=1)) == []


# -- the lease (租约) ------------------------------------------------------------------------
def test_without_redis_the_lease_is_local_and_says_so(caplog):
    lease = make_lease("", ttl=5)
    assert isinstance(lease, LocalLease) and lease.acquire() and lease.renew()
    assert "REDIS_URL is not set" in caplog.text


@needs_redis
def test_redis_lease_has_one_owner_at_a_time(redis_url):
    a, b = make_lease(redis_url, ttl=0.5, owner="A"), make_lease(redis_url, ttl=0.5, owner="B")
    assert isinstance(a, RedisLease) and a.acquire() and not b.acquire()
    assert a.renew() and not b.renew() and a.holder() == "A"
    assert not b.release()  # not its lease: nothing deleted
    assert a.holder() == "A"
    assert a.release()
    assert b.acquire() and b.holder() == "B"
    assert wait_for(a.acquire, timeout=3)  # B stopped renewing: the key expired
    assert not b.renew()


@needs_redis
def test_second_scheduler_waits_and_takes_over_when_the_first_stops_renewing(
        env, settings, redis_url, monkeypatch):
    first = service(env, settings, lease=make_lease(redis_url, ttl=1, owner="first"))
    second = service(env, settings, lease=make_lease(redis_url, ttl=1, owner="second"))
    holder = redis.Redis.from_url(redis_url, decode_responses=True)
    with running(first):
        assert first.active.wait(10)
        with running(second):
            time.sleep(2.0)  # two TTLs: the first keeps renewing, the second keeps waiting
            assert not second.active.is_set() and holder.get(LEASE_KEY) == "first"
            monkeypatch.setattr(first.lease, "renew", lambda: True)  # stuck: no longer renews
            assert second.active.wait(5) and holder.get(LEASE_KEY) == "second"
            monkeypatch.undo()  # the first wakes up, finds the lease gone and steps down
            assert wait_for(lambda: not first.active.is_set(), timeout=5)
            second.stop()  # the second stops: the first, waiting again, takes the lease back
            assert first.active.wait(5) and holder.get(LEASE_KEY) == "first"
    assert holder.get(LEASE_KEY) is None  # released on stop
    holder.close()


def test_sigterm_stops_a_real_scheduler_process(settings, redis_url):
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": settings.DATABASE_URL,
           "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"}
    root = Path(__file__).resolve().parents[2]
    lines: list[str] = []
    with subprocess.Popen([sys.executable, "-m", "flask", "scheduler", "--lease-ttl", "1"], cwd=root,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as proc:
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
        reader.start()
        try:
            assert wait_for(lambda: any("holds the lease" in ln for ln in lines), timeout=20), lines
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
            reader.join(timeout=5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    out = "".join(lines)
    assert proc.returncode == 0, out
    assert "released the lease" in out and out.rstrip().endswith("scheduler stopped")
    if redis_url:
        client = redis.Redis.from_url(redis_url)
        assert client.get(LEASE_KEY) is None
        client.close()


# -- the job store stays out of Alembic's way ----------------------------------------------------
def test_alembic_autogenerate_does_not_see_the_job_store(env, settings):
    with running(service(env, settings)) as s:
        assert s.active.wait(10)
    assert stored(settings)
    engine = make_engine(settings.DATABASE_URL)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert not [d for d in diffs if "apscheduler" in repr(d)], diffs
