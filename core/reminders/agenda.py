"""Meeting agendas (会议议程) drawn from the case core, one case a line.

早例会: new cases since the last working day, cases due today. 周例会: cases from before
this week still not resolved (二次通报). 月总结会: the month's figures and overdue cases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from core.cases.models import Case
from core.cases.queries import ACTIVE
from core.cases.states import Status
from core.clock import as_local
from core.registry.lookup import subtree
from core.registry.models import Grid
from core.reminders.common import MIDNIGHT, at, case_lines
from core.uow import UnitOfWork

UNRESOLVED = (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED)


def _cases(uow: UnitOfWork, unit: Grid, *where, order=Case.reported_at) -> list[Case]:
    ids = sorted(subtree(uow.session, [unit.id]))
    stmt = (select(Case).where(Case.grid_id.in_(ids), Case.merged_into_id.is_(None), *where)
            .order_by(order, Case.id))
    return list(uow.session.scalars(stmt))


def _section(title: str, cases: list[Case], limit: int) -> list[str]:
    if not cases:
        return [f"{title}：无"]
    return [f"{title} {len(cases)} 件：", *case_lines(cases, limit)]


def new_cases(uow: UnitOfWork, unit: Grid, day: date, now: datetime, limit: int) -> list[str]:
    """新增: reported since the start of the previous working day, before the meeting day."""
    since = uow.env.calendar.previous_working_day(day)
    until = min(at(day, MIDNIGHT), now)
    cases = _cases(uow, unit, Case.reported_at >= at(since, MIDNIGHT), Case.reported_at < until)
    return _section(f"新增事件（{since:%m月%d日}以来）", cases, limit)


def due_today(uow: UnitOfWork, unit: Grid, day: date, now: datetime, limit: int) -> list[str]:
    """今日到期: accepted or dispatched, deadline on the meeting day."""
    start = at(day, MIDNIGHT)
    cases = _cases(uow, unit, Case.status.in_([str(s) for s in ACTIVE]), Case.deadline >= start,
                   Case.deadline < start + timedelta(days=1), order=Case.deadline)
    label = "今日到期" if day == as_local(now).date() else f"{day:%m月%d日}到期"
    return _section(label, cases, limit)


def unresolved_before_week(uow: UnitOfWork, unit: Grid, day: date, now: datetime,
                           limit: int) -> list[str]:
    """二次通报: reported before this week's Monday and still not resolved."""
    monday = day - timedelta(days=day.weekday())
    cases = _cases(uow, unit, Case.status.in_([str(s) for s in UNRESOLVED]),
                   Case.reported_at < at(monday, MIDNIGHT))
    return _section("上周及以前未办结（二次通报）", cases, limit)


def overdue(uow: UnitOfWork, unit: Grid, day: date, now: datetime, limit: int) -> list[str]:
    """超期未办结: accepted or dispatched and past the deadline."""
    cases = _cases(uow, unit, Case.status.in_([str(s) for s in ACTIVE]), Case.deadline < now,
                   order=Case.deadline)
    return _section("超期未办结", cases, limit)


def month_summary(uow: UnitOfWork, unit: Grid, day: date, now: datetime, limit: int) -> list[str]:
    """本月: new and closed cases so far this month, and the on-time rate (按时办结率)."""
    start = at(day.replace(day=1), MIDNIGHT)
    ids = sorted(subtree(uow.session, [unit.id]))
    in_unit = (Case.grid_id.in_(ids), Case.merged_into_id.is_(None))
    new = uow.session.scalar(select(func.count(Case.id)).where(
        *in_unit, Case.reported_at >= start, Case.reported_at < now)) or 0
    closed, on_time = uow.session.execute(select(
        func.count(Case.id), func.count(Case.id).filter(Case.on_time.is_(True))).where(
        *in_unit, Case.status == str(Status.CLOSED), Case.closed_at >= start,
        Case.closed_at < now)).one()
    rate = f"{on_time / closed:.0%}" if closed else "—"
    return [f"本月：新增 {new} 件，结案 {closed} 件，按时办结率 {rate}"]


AGENDA: dict[str, Callable[[UnitOfWork, Grid, date, datetime, int], list[str]]] = {
    "new_since_last_working_day": new_cases,
    "due_today": due_today,
    "unresolved_before_week": unresolved_before_week,
    "month_summary": month_summary,
    "overdue": overdue,
}


def agenda_lines(uow: UnitOfWork, unit: Grid, items: list[str], day: date, now: datetime,
                 limit: int) -> list[str]:
    """The agenda of one meeting, item by item (items are checked when the rules load)."""
    return [line for item in items for line in AGENDA[item](uow, unit, day, now, limit)]
