"""Who a reminder goes to (提醒对象): a community's staff by role, a case's people by duty."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.flow import verifiers
from core.cases.models import Case
from core.registry.lookup import (
    ancestors,
    centre_of,
    leaders_of,
    managers_of,
    subtree,
    supervisors_of,
)
from core.registry.models import Grid, Level, Role, Staff, StaffGrid
from core.uow import UnitOfWork

OVERSEEING = frozenset({Role.SUPERVISOR, Role.CENTRE})  # also reached from the town above


def communities(session: Session) -> list[Grid]:
    """Every community (社区/村), by code."""
    return list(session.scalars(select(Grid).where(Grid.level == Level.COMMUNITY)
                                .order_by(Grid.code)))


def staff_of(session: Session, unit: Grid, roles: Iterable[Role]) -> list[Staff]:
    """Active staff with one of ``roles`` serving ``unit`` or a grid below it.

    Supervisors and the centre also count when attached to a grid above (包片领导 of the town).
    """
    wanted = {Role(r) for r in roles}
    below = subtree(session, [unit.id])
    above = {g.id for g in ancestors(unit)} - {unit.id}
    rows = session.execute(
        select(Staff, StaffGrid.grid_id).join(StaffGrid, StaffGrid.staff_id == Staff.id)
        .where(Staff.active.is_(True), Staff.role.in_([r.value for r in wanted]),
               StaffGrid.grid_id.in_(sorted(below | above)))
        .order_by(Staff.id))
    found: dict[int, Staff] = {}
    for person, grid_id in rows:
        if grid_id in below or person.role in OVERSEEING:
            found.setdefault(person.id, person)
    return list(found.values())


def related_units(session: Session, person: Staff) -> set[int]:
    """Grids whose meetings concern ``person``: their grids, those above and those below."""
    own = [g.id for g in person.grids]
    up = {a.id for g in person.grids for a in ancestors(g)}
    return up | subtree(session, own)


def unit_of(person: Staff) -> Grid | None:
    """The community (or, for town staff, the town) a convener speaks for."""
    for grid in person.grids:
        for g in ancestors(grid):
            if g.level == Level.COMMUNITY:
                return g
    return next((g for g in person.grids if g.level == Level.TOWN), None)


def case_people(uow: UnitOfWork, case: Case, duties: Iterable[str]) -> list[Staff]:
    """The staff behind each duty of a 督办 rung: assignee, leader, manager, supervisor, centre."""
    session = uow.session
    lookup = {
        "assignee": lambda: [case.assignee] if case.assignee else [],
        "leader": lambda: leaders_of(session, case.grid),
        "manager": lambda: managers_of(session, case.grid),
        "supervisor": lambda: supervisors_of(session, case.grid),
        "centre": lambda: centre_of(session, case.grid),
        "verifier": lambda: verifiers(uow, case),
    }
    found: dict[int, Staff] = {}
    for duty in duties:
        for person in lookup[duty]():
            if person.active:
                found.setdefault(person.id, person)
    return list(found.values())
