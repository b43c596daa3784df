"""考核指标: the raw figures of each unit grid and each grid leader (网格长) for a period.

Case figures are counted per grid, a leader's are the sum over the grids they lead; patrol
days and meeting attendance belong to people (a grid's are those of its leader and members).
Every figure is a count, so a quarter is simply the same query over three months.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from core.assessment.people import attendance, patrol_days
from core.assessment.period import Period
from core.cases.models import Case, CaseEvent
from core.cases.states import Action, Status
from core.registry.lookup import subtree
from core.registry.models import Grid, Level, Role, Staff, StaffGrid
from core.stats_page import find_community
from core.uow import UnitOfWork

LOW_RATING = 2  # 不满意: a rating of 2 or less (制度11)


@dataclass
class Figures:
    """One grid's or one leader's counts; the rates are derived from them."""

    reported: int = 0  # 案件量: reported in the period (merged duplicates not counted)
    closed: int = 0  # 结案: closed in the period
    on_time: int = 0  # of which 按时办结
    close_days: int = 0  # Σ working days from report to close over ``closed``
    rated: int = 0  # of the closed cases, how many were rated
    rating_sum: int = 0
    low_ratings: int = 0  # 差评 (≤ 2) given in the period
    low_ratings_year: int = 0  # 差评 given from 1 January to the period's end (年累计)
    patrol_days: int = 0  # days with at least one 巡查 record
    working_days: int = 0  # working days of the period so far
    expected: int = 0  # 应到 (meetings whose sign-in has closed)
    attended: int = 0  # 签到 + 补课

    def add_cases(self, other: Figures) -> None:
        """Add another grid's case figures (a leader of several grids)."""
        for name in ("reported", "closed", "on_time", "close_days", "rated", "rating_sum",
                     "low_ratings", "low_ratings_year"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None

    @property
    def average_days(self) -> float | None:
        return self.close_days / self.closed if self.closed else None

    @property
    def average_rating(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    @property
    def patrol_rate(self) -> float | None:
        return min(1.0, self.patrol_days / self.working_days) if self.working_days else None

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.expected if self.expected else None


@dataclass
class Subject:
    """Who is ranked: a unit grid (key = grid code) or a leader (key = WeCom userid)."""

    kind: str  # grid | leader
    key: str
    name: str
    detail: str  # the grid's leaders, or the leader's grids
    figures: Figures = field(default_factory=Figures)


def unit_grids(uow: UnitOfWork, community: str | None) -> tuple[str, list[Grid]]:
    """The unit grids ranked: a community's, or every one when no community is named."""
    stmt = select(Grid).where(Grid.level == Level.GRID).order_by(Grid.code)
    if community is None:
        return "全部社区", list(uow.session.scalars(stmt))
    unit = find_community(uow, community.strip())
    ids = subtree(uow.session, [unit.id])
    return unit.name, list(uow.session.scalars(stmt.where(Grid.id.in_(sorted(ids)))))


def _case_figures(uow: UnitOfWork, ids: list[int], period: Period) -> dict[int, Figures]:
    out: dict[int, Figures] = defaultdict(Figures)
    in_grids = Case.grid_id.in_(ids)
    for grid_id, n in uow.session.execute(
            select(Case.grid_id, func.count(Case.id)).where(
                in_grids, Case.merged_into_id.is_(None), Case.reported_at >= period.start,
                Case.reported_at < period.end).group_by(Case.grid_id)):
        out[grid_id].reported = int(n)
    calendar = uow.env.calendar
    for grid_id, reported_at, closed_at, on_time, rating in uow.session.execute(
            select(Case.grid_id, Case.reported_at, Case.closed_at, Case.on_time, Case.rating).where(
                in_grids, Case.status == str(Status.CLOSED), Case.closed_at >= period.start,
                Case.closed_at < period.end)):
        f = out[grid_id]
        f.closed += 1
        f.on_time += bool(on_time)
        f.close_days += calendar.working_days_between(reported_at, closed_at)
        if rating is not None:
            f.rated += 1
            f.rating_sum += rating
    for grid_id, at, data in uow.session.execute(
            select(Case.grid_id, CaseEvent.at, CaseEvent.data).join(Case, Case.id == CaseEvent.case_id)
            .where(in_grids, CaseEvent.action == str(Action.RATE),
                   CaseEvent.at >= period.year_start, CaseEvent.at < period.end)):
        rating = (data or {}).get("rating")
        if rating is not None and int(rating) <= LOW_RATING:
            out[grid_id].low_ratings_year += 1
            out[grid_id].low_ratings += at >= period.start
    return out


def collect(uow: UnitOfWork, grids: list[Grid], period: Period
            ) -> tuple[list[Subject], list[Subject]]:
    """The figures of every grid in ``grids`` and of every leader of those grids."""
    now = uow.now()
    ids = [g.id for g in grids]
    cases = _case_figures(uow, ids, period)
    crew = uow.session.execute(
        select(StaffGrid.grid_id, Staff).join(Staff, Staff.id == StaffGrid.staff_id).where(
            StaffGrid.grid_id.in_(ids), Staff.active.is_(True),
            Staff.role.in_([str(Role.LEADER), str(Role.MEMBER)])).order_by(Staff.id)).all()
    people = {person.id: person for _, person in crew}
    patrols = patrol_days(uow, sorted(people), period)
    tallies = attendance(uow, people, period, now)
    working = sum(uow.env.calendar.is_working_day(d) for d in period.days(now))
    by_id = {g.id: g for g in grids}
    grid_subjects: list[Subject] = []
    leaders: dict[int, Subject] = {}
    for grid in grids:
        members = [p for gid, p in crew if gid == grid.id]
        heads = [p for p in members if p.role == Role.LEADER]
        f = Figures(working_days=working)
        f.add_cases(cases.get(grid.id, Figures()))
        f.patrol_days = len(set().union(*(patrols.get(p.id, set()) for p in members)))
        f.expected = sum(tallies[p.id].expected for p in members)
        f.attended = sum(tallies[p.id].present + tallies[p.id].made_up for p in members)
        grid_subjects.append(Subject("grid", grid.code, grid.name,
                                     "、".join(p.name for p in heads) or "（未配网格长）", f))
        for head in heads:
            leader = leaders.get(head.id)
            if leader is None:
                tally = tallies[head.id]
                leader = leaders[head.id] = Subject(
                    "leader", head.key, head.name, "", Figures(
                        working_days=working, patrol_days=len(patrols.get(head.id, ())),
                        expected=tally.expected, attended=tally.present + tally.made_up))
            leader.figures.add_cases(cases.get(grid.id, Figures()))
            leader.detail = "、".join(filter(None, [leader.detail, by_id[grid.id].name]))
    return grid_subjects, list(leaders.values())
