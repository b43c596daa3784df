"""A scheduler process for fault 5 (``python -m tests.faults.scheduler_child``).

The same service ``flask scheduler`` runs — :class:`SchedulerService` on the persistent job
store, holding the Redis lease — with a job table of one job that fires every 3 s instead of
the product's (whose times are minutes of the day). Like the product's jobs it queues an
outbox row with a dedup key for its slot (its pid in the row's data), and it appends one line
per run (pid, slot, wall-clock time) to ``$FAULT_SCHED_LOG`` when the run starts, so the test
can see who ran what — a run killed before its commit is logged and leaves no row, until the
next holder runs it again from the run journal (same clock reading, so the same slot).
"""

from __future__ import annotations

import os
import signal
import time
from datetime import datetime

from bot.app import create_app
from bot.lease import make_lease
from bot.scheduler import make_jobstore
from bot.scheduler_service import SchedulerService
from core.outbox import enqueue
from core.reminders.registry import JobSpec
from core.uow import UnitOfWork

EVERY = 3  # seconds
WORK = 0.8  # seconds a run takes between its log line and its commit (a digest's queries, say)


def slot_of(now: datetime) -> str:
    """The fire time a run belongs to (runs start a little after it)."""
    return now.replace(second=now.second - now.second % EVERY, microsecond=0).strftime("%H:%M:%S")


def tick(uow: UnitOfWork, now: datetime) -> int:
    slot = slot_of(now)
    with open(os.environ["FAULT_SCHED_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {slot} {time.time():.3f}\n")  # a run again keeps its old slot
    row = enqueue(uow.session, dedup_key=f"fault5:tick:{slot}", channel="wecom",
                  recipient="f5-leader", kind="notice", body=f"定时提醒 {slot}", now=now,
                  data={"pid": os.getpid()})  # which process's run committed the slot
    time.sleep(WORK)  # the test's SIGKILL, sent as soon as it sees the log line, lands here
    return 0 if row is None else 1


SPECS = [JobSpec("fault5.tick", tick, {"second": f"*/{EVERY}"}, "每 3 秒提醒（故障演练）")]


def main() -> None:
    app = create_app()
    rt = app.extensions["wanggetong"]
    service = SchedulerService(rt.env, SPECS, make_lease(rt.settings.REDIS_URL, ttl=1.5), grace=60,
                               jobstore=lambda: make_jobstore(rt.settings.DATABASE_URL))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: service.stop())
    service.run()


if __name__ == "__main__":
    main()
