"""The run journal of the scheduler (定时任务运行记录): which run of a job began and never ended.

APScheduler moves a job's next run time forward as it starts the run, so a scheduler killed
in the middle of a run (SIGKILL, out of memory, power) leaves no trace of it in the job store:
that run would be lost. The journal closes the gap. A run is noted as begun, in a transaction
of its own, before the job's work starts; it is noted as ended inside the job's own
transaction, with the rows it queued — both commit, or neither does. The next holder of the
lease runs again every run that began and never ended (within the misfire grace), with the
same clock reading: the reminder jobs are idempotent (each outbox row has a dedup key of
job, day and recipient), so what the killed run had committed already is not queued twice.

One row per job: its latest run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import AwareDateTime, Base


class SchedulerRun(Base):
    """The latest run of one scheduled job: when it ran (its clock reading), whether it ended."""

    __tablename__ = "scheduler_runs"

    job_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    run_at: Mapped[datetime] = mapped_column(AwareDateTime())  # the clock reading the job ran with
    owner: Mapped[str] = mapped_column(String(200), default="")  # the lease holder that began it
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), nullable=True)


def began(session: Session, job_id: str, run_at: datetime, owner: str, now: datetime) -> None:
    """Note that ``job_id`` starts its run at ``run_at`` (commit before the job's work)."""
    row = session.get(SchedulerRun, job_id)
    if row is None:
        session.add(SchedulerRun(job_id=job_id, run_at=run_at, owner=owner, started_at=now,
                                 finished_at=None))
    else:
        row.run_at, row.owner, row.started_at, row.finished_at = run_at, owner, now, None


def ended(session: Session, job_id: str, run_at: datetime, now: datetime) -> None:
    """Note, in the job's own transaction, that its run at ``run_at`` is done."""
    row = session.get(SchedulerRun, job_id)
    if row is not None and row.run_at == run_at:
        row.finished_at = now


def unfinished(session: Session, since: datetime) -> list[tuple[str, datetime]]:
    """The runs begun at or after ``since`` that never ended: (job id, clock reading)."""
    rows = session.execute(select(SchedulerRun.job_id, SchedulerRun.run_at)
                           .where(SchedulerRun.finished_at.is_(None), SchedulerRun.run_at >= since)
                           .order_by(SchedulerRun.run_at))
    return [(job_id, run_at) for job_id, run_at in rows]


__all__ = ["SchedulerRun", "began", "ended", "unfinished"]
