"""Shared pieces of the reminder jobs: when a rule is due, how a push is queued and worded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.cases.models import Case
from core.cases.notify import case_line
from core.clock import SHANGHAI, as_local
from core.outbox import Priority, enqueue
from core.registry.models import Staff

WEEKDAY_NAMES = "一二三四五六日"
MIDNIGHT = time(0, 0)


def at(day: date, clock_time: time) -> datetime:
    """``day`` at ``clock_time``, Asia/Shanghai."""
    return datetime.combine(day, clock_time).replace(tzinfo=SHANGHAI)


def is_due(now: datetime, clock_time: time, tolerance_minutes: int) -> bool:
    """True when ``now`` is at ``clock_time`` today, or at most the tolerance later."""
    local = as_local(now)
    late = local - at(local.date(), clock_time)
    return timedelta(0) <= late < timedelta(minutes=max(1, tolerance_minutes))


def day_label(day: date) -> str:
    """'10月08日（周四）'."""
    return f"{day:%m月%d日}（周{WEEKDAY_NAMES[day.weekday()]}）"


def when_label(today: date, moment: datetime) -> str:
    """'今天 08:30', '明天 08:30' or '10月08日（周四）08:30'."""
    local = as_local(moment)
    gap = (local.date() - today).days
    name = {0: "今天", 1: "明天"}.get(gap, day_label(local.date()))
    return f"{name} {local:%H:%M}"


def case_lines(cases: Sequence[Case], limit: int) -> list[str]:
    """One case a line (编号 类别 网格 时限), at most ``limit``, then how many more."""
    lines = [f"{i}. {case_line(c)}" for i, c in enumerate(cases[:limit], start=1)]
    if len(cases) > limit:
        lines.append(f"……另有 {len(cases) - limit} 件")
    return lines


def staff_push(*, key: str, person: Staff, kind: str, title: str, body: str, now: datetime,
               priority: int = Priority.NORMAL, case_id: int | None = None,
               url: str = "") -> dict[str, Any] | None:
    """The push of one WeCom message (企业微信) to ``person``, as ``enqueue``'s arguments; None
    for someone without a WeCom account or no longer active. The dedup key is ``key`` + ":" +
    the recipient's userid: a second push with the same key queues nothing (a job run twice
    sends once)."""
    if not person.wecom_userid or not person.active:
        return None
    return dict(dedup_key=f"{key}:{person.wecom_userid}", channel="wecom", recipient=person.wecom_userid,
                kind=kind, title=title, body=body, now=now, priority=priority, case_id=case_id, url=url)


def push_staff(session: Session, *, key: str, person: Staff, kind: str, title: str, body: str,
               now: datetime, priority: int = Priority.NORMAL, case_id: int | None = None,
               url: str = "") -> bool:
    """Queue :func:`staff_push`; True when queued."""
    push = staff_push(key=key, person=person, kind=kind, title=title, body=body, now=now,
                      priority=priority, case_id=case_id, url=url)
    return push is not None and enqueue(session, **push) is not None
