"""``flask scheduler``: the reminder process (定时任务进程), or one minute of it.

    flask scheduler                          # run until SIGTERM (one active process: Redis lease)
    flask scheduler --run-due --now T        # run the jobs due in the minute starting at T, exit
    flask scheduler --list [--now T]         # the jobs and their next fire times
"""

from __future__ import annotations

import signal
import sys
import threading
from datetime import datetime

import click
from flask.cli import with_appcontext

from bot import scheduler as sched
from bot.app import runtime
from bot.lease import make_lease
from bot.outbox_worker import short
from bot.scheduler import JobRun, make_jobstore, next_fire_times, specs_by_id
from bot.scheduler_service import SchedulerService
from bot.store import StoreUnavailable
from core.clock import as_local
from core.reminders.registry import JobSpec, jobs


def _at(now: str | None) -> datetime:
    """``--now`` as Asia/Shanghai time, else the current minute of the app's clock."""
    if not now:
        return runtime().env.clock.now().replace(second=0, microsecond=0)
    try:
        return as_local(datetime.fromisoformat(now))
    except ValueError:
        raise click.BadParameter(f"not an ISO time: {now!r}", param_hint="--now") from None


def _cron(spec: JobSpec) -> str:
    return " ".join(f"{k}={v}" for k, v in spec.cron.items()) or "-"


def _show_list(specs: list[JobSpec], at: datetime, redis_url: str) -> None:
    for spec, fire in next_fire_times(specs, at):
        when = f"{fire:%Y-%m-%d %H:%M %a}" if fire else "never"
        click.echo(f"{spec.id}\t{when}\t{_cron(spec)}\t{spec.description}")
    if not specs:
        click.echo("没有定时任务。")
    if redis_url:
        try:
            click.echo(f"租约: {make_lease(redis_url).holder() or '空闲'}")
        except StoreUnavailable as exc:
            click.echo(f"租约: 不可达 ({exc})")


def _report(runs: list[JobRun], at: datetime) -> None:
    if not runs:
        click.echo(f"no job due at {at:%Y-%m-%d %H:%M}")
    for run in runs:
        if run.error is not None:
            click.echo(f"{run.spec.id}\t{at:%Y-%m-%d %H:%M}\tfailed: {run.error!r}", err=True)
            continue
        click.echo(f"{run.spec.id}\t{at:%Y-%m-%d %H:%M}\tqueued={run.queued}")
        for row in run.rows:
            click.echo(f"  {row.channel} → {short(row.recipient)}\t{row.kind}\t{row.dedup_key}")


def _stop_on_signals(service: SchedulerService) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: service.stop())


@click.command("scheduler")
@click.option("--run-due", is_flag=True, help="运行在 T 起一分钟内到点的任务各一次后退出")
@click.option("--now", "now", metavar="T", help="与 --run-due/--list 合用：按时钟读数 T，如 2026-10-09T08:00")
@click.option("--list", "show", is_flag=True, help="列出任务及下次运行时间")
@click.option("--grace", type=click.IntRange(1), default=1800, show_default=True,
              envvar="SCHEDULER_MISFIRE_GRACE", help="错过的任务在此秒数内补跑一次")
@click.option("--lease-ttl", type=click.FloatRange(0.3), default=30.0, show_default=True,
              envvar="SCHEDULER_LEASE_TTL", help="租约有效期（秒），持有者每 1/3 续期")
@click.option("--jobstore-url", default="", envvar="SCHEDULER_JOBSTORE_URL",
              help="任务存储数据库（默认：SQLite 旁的 *-scheduler.db，PostgreSQL 的 apscheduler 模式）")
@with_appcontext
def scheduler_command(run_due: bool, now: str | None, show: bool, grace: int, lease_ttl: float,
                      jobstore_url: str) -> None:
    """定时任务进程：按 jobs() 的时间表推送提醒（同一时刻只有持有租约的进程发送）。"""
    if now and not (run_due or show):
        raise click.UsageError("--now 只能与 --run-due 或 --list 合用")
    rt = runtime()
    specs = list(specs_by_id(jobs()).values())
    if show:
        return _show_list(specs, _at(now), rt.settings.REDIS_URL)
    if run_due:
        at = _at(now)
        runs = sched.run_due(rt.env, specs, at)
        _report(runs, at)
        if any(run.error is not None for run in runs):
            sys.exit(1)
        return None
    service = SchedulerService(
        rt.env, specs, make_lease(rt.settings.REDIS_URL, ttl=lease_ttl), grace=grace,
        jobstore=lambda: make_jobstore(rt.settings.DATABASE_URL, jobstore_url))
    _stop_on_signals(service)
    service.run()
    click.echo("scheduler stopped")
    return None
