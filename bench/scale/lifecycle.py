"""One case's life (事件的一生) as the ledger events the use cases would have written.

Each step mirrors a use case of core/cases (report_case, accept_case, dispatch_case,
claim, feedback, escalate, extension, resolve, verify, rate, reopen, merge): the same
actor labels, names, notes and exactly the fields that use case passes to ``record`` —
so folding the events gives the row, as ``core.cases.ledger.rebuild`` does. Times move
forward only and staff act in office hours on working days of the real calendar.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bench.scale.district import District
from bench.scale.fastcal import FastCalendar
from bench.scale.texts import between
from core.calendar import WorkCalendar
from core.cases.ledger import TRACKED
from core.cases.policy import RoutingTable, TimeLimitPolicy
from core.clock import SHANGHAI
from core.registry.models import ROLE_NAMES, Role

OPEN_AT, CLOSE_AT = time(8, 30), time(18, 0)
FEEDBACK_NOTES = ("已联系责任方，正在处理", "已到现场查看，协调中", "已通知物业，等待维修")
RATING_NOTES = ("", "", "", "处理及时", "很满意", "态度很好")
LOW_NOTES = ("还是没解决", "处理太慢", "")


@dataclass
class Ev:
    """One ledger line before numbering: from/to status are worked out when it is numbered."""

    at: datetime
    order: int
    action: str
    actor: str
    actor_name: str = ""
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Draft:
    """A case being written: its fixed columns and its events."""

    id: int
    code: str
    reported_at: datetime
    category: str
    grid_id: int
    description: str
    address: str
    channel: str
    reporter_openid: str | None
    reporter_staff_id: int | None
    events: list[Ev] = field(default_factory=list)
    merged: bool = False

    def add(self, at: datetime, action: str, actor: str, name: str = "", note: str = "",
            **data: Any) -> Ev:
        ev = Ev(at, len(self.events), action, actor, name, note, data)
        self.events.append(ev)
        return ev


def initial_state(category: str, level: str, grid_id: int | None, urgent: bool) -> dict[str, Any]:
    """The report event's data: the whole initial state, as ``record`` writes it."""
    state: dict[str, Any] = {name: None for name in TRACKED}
    state.update(category=category, level=level, grid_id=grid_id, department="",
                 extension_reason="", external_ticket="", reject_reason="", rating_note="",
                 urgent=urgent)
    return state


class Life:
    """Writes the events of one case; holds the district, calendar and rules it needs."""

    def __init__(self, district: District, calendar: WorkCalendar | FastCalendar, policy: TimeLimitPolicy,
                 routing: RoutingTable, rng: random.Random) -> None:
        self.d, self.cal, self.policy, self.routing, self.rng = (district, calendar, policy,
                                                                 routing, rng)

    # -- time ----------------------------------------------------------------------------
    def office(self, t: datetime) -> datetime:
        """``t`` if it falls in office hours on a working day, else the next opening + a bit."""
        day = t.date()
        if self.cal.is_working_day(day) and OPEN_AT <= t.timetz().replace(tzinfo=None) < CLOSE_AT:
            return t
        if not (self.cal.is_working_day(day) and t.timetz().replace(tzinfo=None) < OPEN_AT):
            day = self.cal.next_working_day(day)
        return self.at(day, OPEN_AT) + timedelta(minutes=between(self.rng, 0, 120),
                                                 seconds=between(self.rng, 0, 59))

    def later(self, t: datetime, low_hours: float, high_hours: float) -> datetime:
        return self.office(t + timedelta(seconds=int(3600 * self.rng.uniform(low_hours, high_hours))))

    def on_working_day(self, start: datetime, k: int) -> datetime:
        """A random office moment on the k-th working day after ``start`` (k = 0: that day)."""
        day = self.cal.add_working_days(start, k).date() if k else start.date()
        moment = self.at(day, OPEN_AT) + timedelta(seconds=between(self.rng, 0, 9 * 3600))
        return max(moment, start + timedelta(minutes=between(self.rng, 20, 90)))

    @staticmethod
    def at(day: date, clock: time) -> datetime:
        return datetime.combine(day, clock).replace(tzinfo=SHANGHAI)

    # -- people --------------------------------------------------------------------------
    def community(self, grid: int) -> int:
        return self.d.community_of[grid]

    def route(self, category: str, level: str, grid: int) -> tuple[int | None, str]:
        """core.cases.common.route over the district's lists (first active by id)."""
        target = self.routing.assignee_for(category, level)
        town = self.d.town_of[grid]
        role = ROLE_NAMES.get(target)
        if role is not None:
            if role == Role.LEADER:
                found = [self.d.leader[grid]]
            elif role == Role.MEMBER:
                found = self.d.members[grid][:1]
            elif role == Role.MANAGER:
                found = self.d.managers[self.community(grid)]
            else:
                found = self.d.centre[town]
            if not found and level in {"town", "county"}:
                found = self.d.centre[town]
            return (found[0] if found else None), ""
        people = self.d.department.get((town, target), [])
        if people:
            return people[0], target
        return self.d.centre[town][0], ""

    def verifiers(self, level: str, grid: int) -> list[int]:
        if level in {"grid", "community"}:
            return self.d.managers[self.community(grid)]
        return self.d.centre[self.d.town_of[grid]]

    def approvers(self, level: str, grid: int) -> list[int]:
        if level == "grid":
            return self.d.managers[self.community(grid)]
        if level == "community":
            return self.d.supervisors.get(self.community(grid)) or self.d.centre[self.d.town_of[grid]]
        return self.verifiers(level, grid)

    def staff(self, sid: int) -> tuple[str, str]:
        return f"staff:{self.d.userid[sid]}", self.d.name[sid]

    def deadline(self, level: str, start: datetime) -> datetime:
        return self.cal.add_working_days(start, self.policy.days_for(level))
