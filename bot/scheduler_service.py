"""The scheduler process (定时任务进程): one APScheduler, only while holding the lease (租约).

:meth:`SchedulerService.run` loops: wait for the lease (polling, sending nothing), then run a
``BlockingScheduler`` (Asia/Shanghai) on the persistent job store until asked to stop or the
lease is lost, then give the lease back. On each start the jobs of ``jobs()`` are written to
the store with ``replace_existing``; a job whose stored next run time already passed keeps it,
so APScheduler runs it once (``coalesce``) if it is within ``misfire_grace_time``. A run the
previous holder began and never ended (killed mid-run: the job store had already moved on) is
run again first, with its own clock reading, from the run journal (``core/reminders/journal.py``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.lease import Lease, LeaseKeeper
from bot.scheduler import JobContext, bind, run_job, run_spec, specs_by_id, trigger_for, unbind
from bot.store import StoreUnavailable
from core.clock import SHANGHAI
from core.reminders import journal
from core.reminders.registry import JobSpec
from core.uow import Env, UnitOfWork

log = logging.getLogger(__name__)


class _Scheduler(BlockingScheduler):
    """APScheduler 3.x wakes its loop once more after ``shutdown()`` and processes due jobs
    with the executor gone: they fail to submit but their next run time still advances (a
    run lost). Skip that last pass."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


class SchedulerService:
    """Waits for the lease, then schedules; :meth:`stop` is safe from a signal handler."""

    def __init__(self, env: Env, specs: Iterable[JobSpec], lease: Lease, *,
                 jobstore: Callable[[], BaseJobStore], grace: int = 1800,
                 poll: float | None = None) -> None:
        self.specs = specs_by_id(specs)
        self.env, self.lease, self.make_jobstore, self.grace = env, lease, jobstore, grace
        self.poll = poll if poll is not None else max(lease.ttl / 3, 0.1)
        self.stopping = threading.Event()
        self.active = threading.Event()  # set while this process holds the lease and schedules
        self._leave = threading.Event()  # ends the current holding period
        self._scheduler: BlockingScheduler | None = None
        self._shutdowns: list[threading.Thread] = []
        self._error: BaseException | None = None

    def run(self) -> None:
        """Until :meth:`stop`: wait for the lease, hold it and schedule, give it back."""
        waiting_logged = False
        while not self.stopping.is_set():
            if not self._acquire():
                if not waiting_logged:
                    log.info("scheduler: lease held by %s; waiting", self._holder())
                    waiting_logged = True
                self.stopping.wait(self.poll)
                continue
            waiting_logged = False
            try:
                self._hold()
            finally:
                if self.lease.release():
                    log.info("scheduler: %s released the lease", self.lease.owner)
        log.info("scheduler stopped")

    def stop(self) -> None:
        self.stopping.set()
        self._step_down()

    def _acquire(self) -> bool:
        try:
            return self.lease.acquire()
        except StoreUnavailable as exc:
            log.warning("scheduler: cannot reach the lease (%s); retrying", exc)
            return False

    def _holder(self) -> str:
        try:
            return self.lease.holder() or "nobody"
        except StoreUnavailable:
            return "unknown"

    def _hold(self) -> None:
        """One holding period: the scheduler blocks here until stopped or the lease is lost."""
        self._leave.clear()
        self._error = None
        store = self.make_jobstore()
        scheduler = _Scheduler(
            timezone=SHANGHAI, jobstores={"default": store},
            job_defaults={"coalesce": True, "misfire_grace_time": self.grace, "max_instances": 1})
        scheduler.add_listener(lambda _e: self._on_started(scheduler), EVENT_SCHEDULER_STARTED)
        ctx = JobContext(self.env, self.specs, self.lease.owner)
        keeper = LeaseKeeper(self.lease, on_lost=self._step_down)
        bind(ctx)
        self._scheduler = scheduler
        keeper.start()
        log.info("scheduler: %s holds the lease; %d jobs", self.lease.owner, len(self.specs))
        try:
            scheduler.start()  # returns after shutdown
        finally:
            keeper.stop()
            self._scheduler = None
            for helper in self._shutdowns:
                helper.join()  # running jobs finish before the lease is given back
            self._shutdowns.clear()
            self.active.clear()
            unbind(ctx)
            store.shutdown()  # APScheduler may touch the store once more after its shutdown
        if self._error is not None:
            raise self._error

    def _on_started(self, scheduler: BlockingScheduler) -> None:
        """Runs inside ``start()``, job store open, before the first wake-up."""
        try:
            self._sync(scheduler)
            self._resume()
        except Exception as exc:  # noqa: BLE001 - re-raised by _hold after shutdown
            log.exception("scheduler: could not write the jobs to the job store or run the unfinished ones")
            self._error = exc
            self._leave.set()
        if self._leave.is_set() or self.stopping.is_set():
            _shutdown(scheduler, wait=False)
            return
        self.active.set()

    def _sync(self, scheduler: BlockingScheduler) -> None:
        """Write every spec to the store (replace_existing), keep passed next run times."""
        now = datetime.now(SHANGHAI)  # APScheduler fires on the wall clock, so compare with it
        for spec in self.specs.values():
            try:
                old = scheduler.get_job(spec.id)
            except Exception:  # noqa: BLE001 - an unreadable old row is simply replaced
                old = None
            missed = old.next_run_time if old is not None else None
            extra = {"next_run_time": missed} if missed is not None and missed <= now else {}
            scheduler.add_job(run_job, trigger_for(spec), args=[spec.id], id=spec.id,
                              name=spec.description or spec.id, replace_existing=True, **extra)
            if extra:
                log.info("scheduler: job %s missed %s; runs now if within %d s", spec.id,
                         f"{missed:%Y-%m-%d %H:%M}", self.grace)
        for job in scheduler.get_jobs():
            if job.id not in self.specs:
                log.info("scheduler: job %s is no longer in jobs(); removed", job.id)
                scheduler.remove_job(job.id)

    def _resume(self) -> None:
        """Run again, once each, the runs the journal says began and never ended (within the
        grace): the previous holder was killed in them. Rows they committed are not queued
        twice (dedup keys); a run that fails again stays in the journal for the next start."""
        with UnitOfWork(self.env) as uow:  # the journal's readings come from the same clock
            left = journal.unfinished(uow.session, uow.now() - timedelta(seconds=self.grace))
        for job_id, at in left:
            spec = self.specs.get(job_id)
            if spec is None:
                continue
            run = run_spec(self.env, spec, at, journalled=True)
            if run.error is not None:
                log.error("scheduler: job %s of %s, begun and never ended, failed again", job_id,
                          f"{at:%Y-%m-%d %H:%M:%S}", exc_info=run.error)
            else:
                log.info("scheduler: job %s of %s was begun by the previous holder and never ended; "
                         "run again, queued %d", job_id, f"{at:%Y-%m-%d %H:%M:%S}", run.queued)

    def _step_down(self) -> None:
        """Leave the current holding period; the shutdown runs in a helper thread, so that
        neither a signal handler nor the lease keeper waits for running jobs."""
        self._leave.set()
        scheduler = self._scheduler
        if scheduler is not None:
            helper = threading.Thread(target=_shutdown, args=(scheduler,),
                                      name="scheduler-shutdown", daemon=True)
            self._shutdowns.append(helper)
            helper.start()


def _shutdown(scheduler: BlockingScheduler, wait: bool = True) -> None:
    """``wait``: let running jobs finish their transaction first."""
    with contextlib.suppress(SchedulerNotRunningError):  # not started: _on_started sees _leave
        scheduler.shutdown(wait=wait)

