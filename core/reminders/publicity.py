"""Weekly publicity (公示, 制度4/9): the week's closed cases, masked, every Friday 17:00.

When Friday is off it goes out on the week's last working day before it; each list covers
the cases closed since the previous one, so a holiday loses nothing. Community staff get it
on WeCom for the notice board and group chats; residents who asked (订阅公示) get it while
their customer-service window is open — the others are skipped, never sent a template.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from core.cases.models import Case
from core.cases.notify import grid_text
from core.cases.policy import CATEGORY_LABELS
from core.cases.states import Status
from core.clock import as_local
from core.outbox import Priority, enqueue
from core.registry.lookup import subtree
from core.registry.models import Grid, Resident, Role
from core.reminders.common import at, is_due, push_staff
from core.reminders.config import parse_time, reminder_config
from core.reminders.people import communities, staff_of
from core.service_window import is_open
from core.uow import UnitOfWork

SUMMARY_CHARS = 60


def publicity_day(calendar, day: date, weekday: int) -> date | None:
    """The week's publicity day: its ``weekday``, else the last working day before it that week."""
    monday = day - timedelta(days=day.weekday())
    candidate = monday + timedelta(days=weekday - 1)
    while candidate >= monday:
        if calendar.is_working_day(candidate):
            return candidate
        candidate -= timedelta(days=1)
    return None


def previous_run(calendar, today: date, weekday: int, clock_time) -> datetime:
    """When the last list before this week's went out (a week with no working day is skipped)."""
    for weeks in range(1, 9):
        day = publicity_day(calendar, today - timedelta(weeks=weeks), weekday)
        if day is not None:
            return at(day, clock_time)
    return at(today - timedelta(weeks=1), clock_time)


def line(uow: UnitOfWork, case: Case) -> str:
    """One closed case, masked: code, category, grid, what it was, when it was closed."""
    summary = uow.env.mask(case.description.replace("\n", " "))[:SUMMARY_CHARS]
    return (f"{case.code} {CATEGORY_LABELS.get(case.category, case.category)} {grid_text(case)}"
            f" {summary}（{as_local(case.closed_at):%m月%d日}结案）")


def board_url(uow: UnitOfWork, unit: Grid) -> str:
    return f"{uow.env.public_base_url.rstrip('/')}/public/{unit.code}"


def publicity_text(uow: UnitOfWork, unit: Grid, cases: list[Case], since: datetime,
                   now: datetime, limit: int, *, link: bool = True) -> str:
    """The list as one message; ``link`` adds the publicity board's address (公示栏)."""
    head = (f"{unit.name}办结事项公示（{as_local(since):%m月%d日}—{as_local(now):%m月%d日}）"
            f"共 {len(cases)} 件：")
    lines = [f"{i}. {line(uow, c)}" for i, c in enumerate(cases[:limit], start=1)]
    if len(cases) > limit:
        lines.append(f"……另有 {len(cases) - limit} 件")
    if not cases:
        lines = ["本周暂无办结事项。"]
    board = [f"公示栏：{board_url(uow, unit)}"] if link else []
    return "\n".join([head, *board, *lines])  # the link first: a long list is cut at the end


def _residents(uow: UnitOfWork, unit: Grid, now: datetime) -> list[Resident]:
    ids = sorted(subtree(uow.session, [unit.id]))
    rows = uow.session.scalars(select(Resident).where(
        Resident.grid_id.in_(ids), Resident.wants_publicity.is_(True),
        Resident.subscribed.is_(True)).order_by(Resident.id))
    return [r for r in rows if is_open(r, now)]


def _tell_residents(uow: UnitOfWork, unit: Grid, text: str, key: str, now: datetime) -> int:
    """订阅公示 residents of ``unit`` whose window is open (the others are skipped)."""
    queued = 0
    for resident in _residents(uow, unit, now):
        queued += enqueue(uow.session, dedup_key=f"{key}:{resident.openid}", channel="official",
                          recipient=resident.openid, kind="publicity", title="办理结果公示",
                          body=text, url=board_url(uow, unit), now=now,
                          priority=Priority.LOW) is not None
    return queued


def publish_week(uow: UnitOfWork, now: datetime) -> int:
    """公示: on the week's publicity day at its time, each community's closed cases."""
    config = reminder_config()
    rule = config.publicity
    clock_time, weekday = parse_time(rule["at"], "publicity"), int(rule["weekday"])
    today = as_local(now).date()
    calendar = uow.env.calendar
    if publicity_day(calendar, today, weekday) != today or not is_due(
            now, clock_time, config.tolerance_minutes):
        return 0
    since, until = previous_run(calendar, today, weekday, clock_time), at(today, clock_time)
    queued = 0
    for unit in communities(uow.session):
        ids = sorted(subtree(uow.session, [unit.id]))
        cases = list(uow.session.scalars(select(Case).where(
            Case.grid_id.in_(ids), Case.status == str(Status.CLOSED), Case.closed_at >= since,
            Case.closed_at < until).order_by(Case.closed_at, Case.id)))
        if not cases and not rule.get("send_when_empty", False):
            continue
        text = publicity_text(uow, unit, cases, since, until, config.list_limit)
        key = f"job:publicity:{today}:{unit.code}"
        for person in staff_of(uow.session, unit, [Role(r) for r in rule["staff"]]):
            queued += push_staff(uow.session, key=key, person=person, kind="publicity",
                                 title="本周办结公示", body=text, now=now, priority=Priority.LOW)
        if cases and rule.get("residents", True):
            text = publicity_text(uow, unit, cases, since, until, config.list_limit, link=False)
            queued += _tell_residents(uow, unit, text, key, now)
    return queued
