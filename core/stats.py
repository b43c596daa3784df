"""日报 (today's figures) and 统计 (this month's figures) of a staff member's 管辖范围."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute

from core.actors import ActorRef, load_staff
from core.cases.models import Case
from core.cases.queries import ACTIVE
from core.cases.states import Status
from core.errors import Forbidden
from core.scope import LEADING_ROLES, Scope, scope_of
from core.uow import UnitOfWork


@dataclass(frozen=True)
class DailyFigures:
    """日报: new, accepted, closed today; overdue now; my own open cases."""

    label: str
    day: date
    new: int
    accepted: int
    closed: int
    overdue: int
    mine: int


@dataclass(frozen=True)
class MonthFigures:
    """统计: this month's reports by category, closures, on-time rate and mean rating."""

    label: str
    month: date
    by_category: list[tuple[str, int]]
    reported: int
    closed: int
    on_time: int
    rated: int
    average_rating: float | None

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率 of the cases closed this month."""
        return self.on_time / self.closed if self.closed else None


def _count(uow: UnitOfWork, scope: Scope, *where: ColumnElement[bool]) -> int:
    stmt = select(func.count(Case.id)).where(scope.cases(), *where)
    return int(uow.session.scalar(stmt) or 0)


def _within(column: InstrumentedAttribute, start: datetime, end: datetime) -> ColumnElement[bool]:
    """start <= column < end."""
    return and_(column >= start, column < end)


def daily_figures(uow: UnitOfWork, actor: ActorRef) -> DailyFigures:
    """日报 for today (Asia/Shanghai day of the injected clock)."""
    person = load_staff(uow.session, actor)
    scope = scope_of(uow.session, person)
    now = uow.now()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    active = Case.status.in_([str(s) for s in ACTIVE])
    mine = select(func.count(Case.id)).where(Case.assignee_id == person.id, active)
    return DailyFigures(
        label=scope.label, day=start.date(),
        new=_count(uow, scope, _within(Case.reported_at, start, end), Case.merged_into_id.is_(None)),
        accepted=_count(uow, scope, _within(Case.accepted_at, start, end)),
        closed=_count(uow, scope, _within(Case.closed_at, start, end),
                      Case.status == str(Status.CLOSED)),
        overdue=_count(uow, scope, active, Case.deadline < now),
        mine=int(uow.session.scalar(mine) or 0),
    )


def month_figures(uow: UnitOfWork, actor: ActorRef) -> MonthFigures:
    """统计 for the current month so far (网格长 and above)."""
    person = load_staff(uow.session, actor)
    if person.role not in LEADING_ROLES:
        raise Forbidden("统计仅限网格长及以上人员查看")
    scope = scope_of(uow.session, person)
    now = uow.now()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    reported = Case.reported_at >= start
    rows = uow.session.execute(
        select(Case.category, func.count(Case.id))
        .where(scope.cases(), reported, Case.merged_into_id.is_(None))
        .group_by(Case.category).order_by(func.count(Case.id).desc(), Case.category)
    ).all()
    closed = (scope.cases(), Case.status == str(Status.CLOSED), Case.closed_at >= start)
    on_time = _count(uow, scope, *closed[1:], Case.on_time.is_(True))
    rated, average = uow.session.execute(
        select(func.count(Case.rating), func.avg(Case.rating)).where(*closed)).one()
    return MonthFigures(
        label=scope.label, month=start.date(), by_category=[(c, int(n)) for c, n in rows],
        reported=sum(int(n) for _, n in rows), closed=_count(uow, scope, *closed[1:]),
        on_time=on_time, rated=int(rated or 0),
        average_rating=float(average) if average is not None else None,
    )
