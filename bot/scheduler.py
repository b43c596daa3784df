"""Running the reminder jobs (定时任务): by APScheduler, or once for a given minute.

APScheduler keeps in its job store only a textual reference to :func:`run_job` and the job id,
never the runtime: the process that holds the lease binds its :class:`JobContext` here
(:func:`bind`), and :func:`run_job` looks the spec up in it. ``--run-due`` skips APScheduler:
:func:`due_specs` picks the jobs whose cron has a fire time in the minute starting at T and
:func:`run_spec` calls each once with ``now = T``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateSchema

from core.clock import SHANGHAI, FixedClock, as_local
from core.db import make_engine
from core.outbox import Notification, Queued, queued_in
from core.reminders import journal
from core.reminders.registry import JobSpec
from core.uow import Env, UnitOfWork

log = logging.getLogger(__name__)
JOBS_TABLE = "apscheduler_jobs"
JOBS_SCHEMA = "apscheduler"  # PostgreSQL: a schema of its own, outside Alembic's sight


@dataclass
class JobContext:
    """What :func:`run_job` needs in the scheduler process: the core environment and specs."""

    env: Env
    specs: dict[str, JobSpec]
    owner: str = ""  # the lease holder, noted in the run journal


@dataclass
class JobRun:
    """The outcome of one job at one minute: what it queued, or the error it raised."""

    spec: JobSpec
    at: datetime
    queued: int = 0
    rows: list[Notification | Queued] = field(default_factory=list)
    error: Exception | None = None


_bound: JobContext | None = None
_bind_lock = threading.Lock()


def bind(ctx: JobContext) -> None:
    global _bound
    with _bind_lock:
        _bound = ctx


def unbind(ctx: JobContext) -> None:
    """Forget ``ctx`` unless another holder has bound its own meanwhile."""
    global _bound
    with _bind_lock:
        if _bound is ctx:
            _bound = None


def specs_by_id(specs: Iterable[JobSpec]) -> dict[str, JobSpec]:
    """Index the specs, refusing duplicate ids and cron fields CronTrigger rejects."""
    table: dict[str, JobSpec] = {}
    for spec in specs:
        if spec.id in table:
            raise ValueError(f"duplicate job id: {spec.id}")
        trigger_for(spec)
        table[spec.id] = spec
    return table


def trigger_for(spec: JobSpec) -> CronTrigger:
    return CronTrigger(**spec.cron, timezone=SHANGHAI)  # type: ignore[arg-type]


def run_spec(env: Env, spec: JobSpec, at: datetime, tries: int = 3, *, journalled: bool = False) -> JobRun:
    """Call one job as if the clock read ``at``, in its own transaction (工作单元).

    ``journalled``: the run was noted as begun in the run journal (:func:`run_job`); the
    same transaction notes it as ended, so the two commit together.

    Two processes running the same slot at once (two ``--run-due`` from cron, say) both see
    no outbox row for a key and both insert it; the later commit breaks the unique dedup key.
    That transaction is rolled back whole and the job run again: it now finds the winner's
    rows and queues only what is still missing (usually nothing).
    """
    run = JobRun(spec, as_local(at))
    for attempt in range(1, tries + 1):
        run.rows, run.error, run.queued = [], None, 0
        try:
            with UnitOfWork(replace(env, clock=FixedClock(run.at))) as uow:
                event.listen(uow.session, "pending_to_persistent", lambda _s, obj: (
                    run.rows.append(obj) if isinstance(obj, Notification) else None))
                run.queued = int(spec.func(uow, run.at))
                run.rows.extend(queued_in(uow.session))  # the rows a job wrote by one executemany
                if journalled:
                    journal.ended(uow.session, spec.id, run.at, uow.now())
            return run
        except IntegrityError as exc:
            run.error, run.rows, run.queued = exc, [], 0
            if attempt < tries:
                log.info("job %s at %s: another run queued the same rows first; trying again",
                         spec.id, f"{run.at:%Y-%m-%d %H:%M}")
        except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
            run.error, run.rows, run.queued = exc, [], 0
            return run
    return run


def run_job(job_id: str) -> int:
    """APScheduler's entry point (``bot.scheduler:run_job``): run one job now."""
    ctx = _bound
    if ctx is None:
        raise RuntimeError("no scheduler is bound in this process")
    spec = ctx.specs.get(job_id)
    if spec is None:
        log.warning("job %s is in the job store but no longer in jobs(); skipped", job_id)
        return 0
    at = as_local(ctx.env.clock.now())
    with UnitOfWork(ctx.env) as uow:  # committed before the job's work: see core/reminders/journal.py
        journal.began(uow.session, spec.id, at, ctx.owner, uow.now())
    run = run_spec(ctx.env, spec, at, journalled=True)
    if run.error is not None:
        raise run.error
    log.info("job %s at %s queued %d", job_id, f"{run.at:%Y-%m-%d %H:%M}", run.queued)
    return run.queued


def due_specs(specs: Iterable[JobSpec], at: datetime) -> list[JobSpec]:
    """The jobs whose cron has a fire time in ``[at, at + 1 min)``."""
    start = as_local(at)
    due = []
    for spec in specs:
        fire = trigger_for(spec).get_next_fire_time(None, start)
        if fire is not None and fire < start + timedelta(minutes=1):
            due.append(spec)
    return due


def run_due(env: Env, specs: Iterable[JobSpec], at: datetime) -> list[JobRun]:
    """``--run-due``: each due job exactly once, with ``now = at``; failures are logged."""
    runs = [run_spec(env, spec, at) for spec in due_specs(specs, at)]
    for run in runs:
        if run.error is not None:
            log.error("job %s at %s failed", run.spec.id, f"{run.at:%Y-%m-%d %H:%M}",
                      exc_info=run.error)
    return runs


def next_fire_times(specs: Iterable[JobSpec], now: datetime) -> list[tuple[JobSpec, datetime | None]]:
    start = as_local(now)
    return [(spec, trigger_for(spec).get_next_fire_time(None, start)) for spec in specs]


def make_jobstore(database_url: str, jobstore_url: str = "") -> BaseJobStore:
    """The persistent job store (任务存储), kept where Alembic's autogenerate never looks.

    ``jobstore_url`` set: that database, table ``apscheduler_jobs``. SQLite: a file of its
    own beside the database (``wanggetong.db`` → ``wanggetong-scheduler.db``). PostgreSQL:
    the app's database, schema ``apscheduler`` (created when missing).
    """
    if jobstore_url:
        return SQLAlchemyJobStore(engine=make_engine(jobstore_url), tablename=JOBS_TABLE)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            log.warning("scheduler: in-memory SQLite, so the job store is in memory too")
            return MemoryJobStore()
        path = Path(url.database)
        sibling = url.set(database=str(path.with_name(f"{path.stem}-scheduler{path.suffix}")))
        return SQLAlchemyJobStore(engine=make_engine(sibling.render_as_string(False)),
                                  tablename=JOBS_TABLE)
    engine = make_engine(database_url, pool_size=2, max_overflow=2)
    if url.get_backend_name() != "postgresql":
        log.warning("scheduler: job store table %s in the app's default schema", JOBS_TABLE)
        return SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    with engine.begin() as conn:
        if JOBS_SCHEMA not in inspect(conn).get_schema_names():
            conn.execute(CreateSchema(JOBS_SCHEMA, if_not_exists=True))
    return SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE, tableschema=JOBS_SCHEMA)
