"""The leaders' daily digest (领导日报), 17:30 each working day, one per community.

New, accepted, closed and overdue cases by category and by grid, this month's on-time
rate and satisfaction, the day's hot words and the overdue cases one a line. Figures are
taken as of the digest's time, so ``flask digest --date D`` prints what was sent on D.
Nothing personal: descriptions are masked before hot words are counted.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select

from core.cases.models import Case
from core.cases.policy import CATEGORY_LABELS
from core.cases.states import Status
from core.clock import as_local
from core.registry.lookup import subtree
from core.registry.models import Grid, Role
from core.reminders.common import MIDNIGHT, at, case_lines, day_label, is_due, push_staff
from core.reminders.config import parse_time, reminder_config
from core.reminders.hotwords import HotWordRules, hot_words
from core.reminders.people import communities, staff_of
from core.signed_links import stats_url
from core.uow import UnitOfWork

FIGURES = (("new", "新增"), ("accepted", "受理"), ("closed", "结案"), ("overdue", "超期"))


def _overdue_at(until: datetime):
    """超期 as of ``until``: accepted by then, past the deadline, not resolved by then."""
    return and_(Case.deadline < until, Case.accepted_at <= until,
                Case.status != str(Status.REJECTED),
                or_(Case.resolved_at.is_(None), Case.resolved_at > until))


def _groups(uow: UnitOfWork, ids: list[int], start: datetime, until: datetime
            ) -> dict[str, list[Case]]:
    base = select(Case).where(Case.grid_id.in_(ids), Case.merged_into_id.is_(None))
    where = {
        "new": [Case.reported_at >= start, Case.reported_at < until],
        "accepted": [Case.accepted_at >= start, Case.accepted_at < until],
        "closed": [Case.status == str(Status.CLOSED), Case.closed_at >= start,
                   Case.closed_at < until],
        "overdue": [_overdue_at(until)],
    }
    return {name: list(uow.session.scalars(base.where(*cond).order_by(Case.deadline, Case.id)))
            for name, cond in where.items()}


def _breakdown(groups: dict[str, list[Case]], key) -> list[str]:
    counts: dict[str, Counter[str]] = {}
    for name, cases in groups.items():
        for case in cases:
            counts.setdefault(key(case), Counter())[name] += 1
    return [f"· {label}：" + " ".join(f"{word}{c[name]}" for name, word in FIGURES if c[name])
            for label, c in sorted(counts.items())]


def _month(uow: UnitOfWork, ids: list[int], day: date, until: datetime) -> str:
    start = at(day.replace(day=1), MIDNIGHT)
    closed, on_time, rated, average = uow.session.execute(select(
        func.count(Case.id), func.count(Case.id).filter(Case.on_time.is_(True)),
        func.count(Case.rating), func.avg(Case.rating)).where(
        Case.grid_id.in_(ids), Case.status == str(Status.CLOSED), Case.closed_at >= start,
        Case.closed_at < until)).one()
    rate = f"{on_time / closed:.0%}（{on_time}/{closed}）" if closed else "—"
    score = f"{float(average):.1f}分（{rated}件评价）" if rated else "暂无评价"
    return f"本月按时办结率 {rate} ｜ 满意度 {score}"


def digest_text(uow: UnitOfWork, unit: Grid, until: datetime) -> str:
    """The digest of ``unit`` for the day of ``until``, as of ``until``."""
    config = reminder_config()
    day = as_local(until).date()
    start = at(day, MIDNIGHT)
    ids = sorted(subtree(uow.session, [unit.id]))
    groups = _groups(uow, ids, start, until)
    totals = " ｜ ".join(f"{word} {len(groups[name])}" for name, word in FIGURES)
    rules = HotWordRules.from_config(config.digest.get("hot_words") or {})
    reports = uow.session.scalars(select(Case.description).where(
        Case.grid_id.in_(ids), Case.reported_at >= start, Case.reported_at < until))
    words = hot_words((uow.env.mask(t) for t in reports), rules)
    lines = [f"{unit.name} {day_label(day)} 截至{as_local(until):%H:%M}", totals]
    if uow.env.link_key:  # a signed link to the charts of /stats/<社区>, valid from ``until``
        hours = uow.env.stats_link_hours
        url = stats_url(uow.env.public_base_url, uow.env.link_key, unit.code, until, hours)
        lines.append(f"统计图表（{hours}小时内有效）：{url}")
    by_category = _breakdown(groups, lambda c: CATEGORY_LABELS.get(c.category, c.category))
    by_grid = _breakdown(groups, lambda c: c.grid.name if c.grid else "待分拣")
    if by_category:
        lines += ["按类别：", *by_category, "按网格：", *by_grid]
    lines.append(_month(uow, ids, day, until))
    lines.append("热词：" + ("、".join(f"{w}({n})" for w, n in words) if words else "无"))
    if groups["overdue"]:
        lines += ["超期事件：", *case_lines(groups["overdue"], config.list_limit)]
    return "\n".join(lines)


def digest_time(day: date) -> datetime:
    """When the digest of ``day`` is sent (its figures are taken at that moment)."""
    return at(day, parse_time(reminder_config().digest["at"], "digest"))


def send_digest(uow: UnitOfWork, now: datetime) -> int:
    """日报: each community's digest to its managers and supervisors, on working days."""
    config = reminder_config()
    today = as_local(now).date()
    if not uow.env.calendar.is_working_day(today) or not is_due(
            now, parse_time(config.digest["at"], "digest"), config.tolerance_minutes):
        return 0
    roles = [Role(r) for r in config.digest["to"]]
    queued = 0
    for unit in communities(uow.session):
        people = staff_of(uow.session, unit, roles)
        if not people:
            continue
        text = digest_text(uow, unit, digest_time(today))
        for person in people:
            queued += push_staff(uow.session, key=f"job:digest:{today}:{unit.code}",
                                 person=person, kind="leader_digest", title="网格日报", body=text,
                                 now=now)
    return queued

