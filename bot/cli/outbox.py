"""``flask outbox``: the delivery worker (投递进程) and its dead letters (死信).

    flask outbox                       # run: poll about every second until SIGTERM
    flask outbox --once [--now T]      # deliver what is due now (as if the clock read T), exit
    flask outbox --failed              # list dead letters with their reasons
    flask outbox --retry ID            # requeue one dead letter
"""

from __future__ import annotations

import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import yaml
from flask.cli import with_appcontext

from bot.app import runtime
from bot.outbox_worker import OutboxWorker, short
from core.clock import Clock, FixedClock, as_local
from core.dead_letters import dead_letters, requeue
from core.delivery import DeliveryPolicy
from core.errors import CoreError


def _clock(now: str | None) -> Clock:
    if not now:
        return runtime().env.clock
    try:
        return FixedClock(as_local(datetime.fromisoformat(now)))
    except ValueError:
        raise click.BadParameter(f"not an ISO time: {now!r}", param_hint="--now") from None


def _templates(path: str | None) -> dict[str, Any] | None:
    """Template ids by push kind (模板消息), e.g. ``{"*": "Ab…", "closed": "Xy…"}``."""
    if not path:
        return None
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise click.BadParameter("expected a mapping: kind → template id", param_hint="--templates")
    return data


def _stop_on_signals(worker: OutboxWorker) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop.set())


def _show_failed() -> None:
    with runtime().uow() as uow:
        rows = dead_letters(uow.session)
        for row in rows:
            click.echo(f"#{row.id}\t{row.channel}\t{row.recipient}\t{row.kind}\t"
                       f"tries={row.attempts}\t{row.next_attempt_at:%Y-%m-%d %H:%M}\t{row.last_error}")
    if not rows:
        click.echo("没有死信。")


def _requeue(row_id: int, clock: Clock) -> None:
    try:
        with runtime().uow() as uow:
            row = requeue(uow.session, row_id, clock.now())
            click.echo(f"#{row.id} 已重新排队（{row.kind} → {short(row.recipient)}）")
    except CoreError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@click.command("outbox")
@click.option("--once", is_flag=True, help="投递当前到期的消息后退出（cron、测试用）")
@click.option("--now", "now", metavar="T", help="与 --once 合用：按时钟读数 T 运行，如 2026-11-26T09:00")
@click.option("--failed", is_flag=True, help="列出死信及原因")
@click.option("--retry", "retry_id", type=int, metavar="ID", help="把一条死信重新排队")
@click.option("--interval", type=float, default=1.0, show_default=True, help="轮询间隔（秒）")
@click.option("--batch", type=click.IntRange(1), default=20, show_default=True, envvar="OUTBOX_BATCH",
              help="每次认领的条数")
@click.option("--max-attempts", type=click.IntRange(1), default=8, show_default=True,
              envvar="OUTBOX_MAX_ATTEMPTS", help="尝试几次后成为死信")
@click.option("--backoff-base", type=float, default=30.0, show_default=True,
              envvar="OUTBOX_BACKOFF_BASE", help="第一次重试前等待（秒），之后逐次加倍")
@click.option("--backoff-cap", type=float, default=3600.0, show_default=True,
              envvar="OUTBOX_BACKOFF_CAP", help="两次尝试之间最长等待（秒）")
@click.option("--lease", type=float, default=300.0, show_default=True, envvar="OUTBOX_LEASE",
              help="认领租约（秒）：进程中途退出，过期后由别的进程接手")
@click.option("--templates", type=click.Path(exists=True, dir_okay=False), envvar="WECHAT_TEMPLATES",
              help="模板消息 id（YAML：类型 → 模板 id，'*' 为默认）")
@with_appcontext
def outbox_command(once: bool, now: str | None, failed: bool, retry_id: int | None,
                   interval: float, batch: int, max_attempts: int, backoff_base: float,
                   backoff_cap: float, lease: float, templates: str | None) -> None:
    """消息投递进程（发件箱）：推送居民消息、企业微信消息，下载照片。"""
    if now and not once:
        raise click.UsageError("--now 只能与 --once 合用")
    clock = _clock(now)
    if failed:
        return _show_failed()
    if retry_id is not None:
        return _requeue(retry_id, clock)
    from bot.wechat import build_notifier

    rt = runtime()
    policy = DeliveryPolicy(max_attempts=max_attempts, backoff_base=backoff_base,
                            backoff_cap=backoff_cap, lease=lease, batch_size=batch)
    notifier = build_notifier(rt.settings, templates=_templates(templates))
    worker = OutboxWorker(rt.env, notifier, media_dir=rt.settings.MEDIA_DIR, policy=policy,
                          clock=clock)
    if once:
        stats = worker.run_once()
        click.echo(" ".join(f"{k}={v}" for k, v in sorted(stats.items())) or "nothing due")
        return None
    _stop_on_signals(worker)
    worker.run_forever(interval)
    return None
