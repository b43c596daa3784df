"""Figures of a community over a period, for the leaders' statistics page (统计页).

The same definitions as the daily digest (core/reminders/digest.py) and 统计 (core/stats.py):
a case counts as reported (新增) when it was reported in the period and not merged into
another; 按时办结率 and 满意度 are taken over the cases closed in the period; a case is
超期 when it was accepted, is past its deadline and is neither resolved nor rejected.
Descriptions are masked (env.mask) before they leave this module.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from core.cases.models import Case
from core.cases.policy import CATEGORY_LABELS
from core.cases.states import Status
from core.clock import as_local
from core.errors import NotFound
from core.registry.lookup import subtree
from core.registry.models import Grid, Level
from core.reminders.common import MIDNIGHT, at
from core.reminders.digest import _overdue_at
from core.uow import UnitOfWork

PERIODS = (7, 30, 90)
SUMMARY_CHARS = 40


@dataclass(frozen=True)
class GridRate:
    """按时办结率 of one grid: cases closed in the period, of which on time."""

    grid: str
    closed: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None


@dataclass(frozen=True)
class OverdueRow:
    """One 超期 case: no names, phones or rooms — a masked summary only."""

    code: str
    category: str
    grid: str
    days_overdue: int  # whole days past the deadline (0: less than a day)
    summary: str


@dataclass(frozen=True)
class PeriodStats:
    """A community's figures from ``start`` (a local midnight) to ``end`` (now)."""

    code: str
    name: str
    days: int
    start: datetime
    end: datetime
    by_category: list[tuple[str, int]]  # 类别中文名, reported cases; most first
    by_day: list[tuple[date, int]]  # every day of the period, oldest first
    on_time_by_grid: list[GridRate]
    closed: int
    on_time: int
    ratings: dict[int, int]  # 1..5 → number of closed cases rated so
    overdue: list[OverdueRow]

    @property
    def reported(self) -> int:
        return sum(n for _, n in self.by_category)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def average_rating(self) -> float | None:
        if not self.rated:
            return None
        return sum(score * n for score, n in self.ratings.items()) / self.rated

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None


def find_community(uow: UnitOfWork, code: str) -> Grid:
    """The community (社区/村) ``code``; NotFound for anything else."""
    unit = uow.session.scalar(select(Grid).where(Grid.code == code))
    if unit is None or unit.level != Level.COMMUNITY:
        raise NotFound(f"没有编码为 {code} 的社区")
    return unit


def _grid_name(case: Case) -> str:
    return case.grid.name if case.grid else "待分拣"


def _on_time_by_grid(uow: UnitOfWork, unit: Grid, closed: list[Case]) -> list[GridRate]:
    names = list(uow.session.scalars(select(Grid.name).where(
        Grid.parent_id == unit.id, Grid.level == Level.GRID).order_by(Grid.code)))
    totals, punctual = Counter[str](), Counter[str]()
    for case in closed:
        totals[_grid_name(case)] += 1
        punctual[_grid_name(case)] += bool(case.on_time)
    names += sorted(n for n in totals if n not in names)  # cases kept at the community itself
    return [GridRate(n, totals[n], punctual[n]) for n in names]


def period_stats(uow: UnitOfWork, code: str, days: int = 30) -> PeriodStats:
    """The statistics page's figures for community ``code`` over the last ``days`` days."""
    unit = find_community(uow, code)
    if days not in PERIODS:
        raise ValueError(f"days must be one of {PERIODS}")
    now = as_local(uow.now())
    first = now.date() - timedelta(days=days - 1)
    start = at(first, MIDNIGHT)
    ids = sorted(subtree(uow.session, [unit.id]))
    base = select(Case).where(Case.grid_id.in_(ids), Case.merged_into_id.is_(None))
    reported = list(uow.session.scalars(base.where(Case.reported_at >= start,
                                                   Case.reported_at < now)))
    per_category = Counter(CATEGORY_LABELS.get(c.category, c.category) for c in reported)
    per_day = Counter(as_local(c.reported_at).date() for c in reported)
    closed = list(uow.session.scalars(base.where(
        Case.status == str(Status.CLOSED), Case.closed_at >= start, Case.closed_at < now)))
    ratings = Counter(c.rating for c in closed if c.rating)
    late = uow.session.scalars(base.where(_overdue_at(now)).order_by(Case.deadline, Case.id))
    overdue = [OverdueRow(c.code, CATEGORY_LABELS.get(c.category, c.category), _grid_name(c),
                          (now - c.deadline).days if c.deadline else 0,
                          uow.env.mask(" ".join(c.description.split()))[:SUMMARY_CHARS])
               for c in late]
    return PeriodStats(
        code=unit.code, name=unit.name, days=days, start=start, end=now,
        by_category=sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0])),
        by_day=[(first + timedelta(days=i), per_day[first + timedelta(days=i)])
                for i in range(days)],
        on_time_by_grid=_on_time_by_grid(uow, unit, closed),
        closed=len(closed), on_time=sum(1 for c in closed if c.on_time),
        ratings={score: ratings[score] for score in range(1, 6)}, overdue=overdue,
    )
