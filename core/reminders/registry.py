"""The reminder jobs (提醒任务) and when they run — the contract between the job functions
(core/reminders/…) and the scheduler process (``flask scheduler``).

A job is a module-level function ``run(uow, now) -> int`` that queues outbox rows for
``now`` (a timezone-aware Asia/Shanghai time) and returns how many it queued. Each job
decides for itself whether ``now`` is a working day, a meeting day and so on: the cron
spec only says at which wall-clock minutes it is asked. Every row it queues carries a
dedup key derived from the job, the date and the recipient, so asking twice sends once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.uow import UnitOfWork

JobFunction = Callable[[UnitOfWork, datetime], int]


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: ``cron`` uses APScheduler's CronTrigger fields (Asia/Shanghai)."""

    id: str
    func: JobFunction
    cron: dict[str, str | int] = field(default_factory=dict)  # e.g. {"hour": 8, "minute": 0}
    description: str = ""


def jobs() -> list[JobSpec]:
    """Every job of the product, in a stable order (filled by core.reminders.jobs)."""
    from core.reminders.jobs import JOBS

    return list(JOBS)
