"""Questions asked of the grid tree: ancestry, jurisdiction, who to notify, where an address is."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.registry.models import Address, Grid, Level, Role, Staff, StaffGrid
from core.registry.places import building_number, named_estate, pick, registry

__all__ = ["ancestors", "building_number", "centre_of", "community_of", "estate_names", "find_address",
           "in_jurisdiction", "leaders_of", "managers_of", "staff_at", "subtree", "supervisors_of",
           "town_of"]


def ancestors(grid: Grid | None) -> list[Grid]:
    """The grid itself and its parents up to the town."""
    chain: list[Grid] = []
    while grid is not None and len(chain) < 8:
        chain.append(grid)
        grid = grid.parent
    return chain


def community_of(grid: Grid | None) -> Grid | None:
    return next((g for g in ancestors(grid) if g.level == Level.COMMUNITY), None)


def town_of(grid: Grid | None) -> Grid | None:
    return next((g for g in ancestors(grid) if g.level == Level.TOWN), None)


TRIAGE_ROLES = frozenset({Role.MANAGER, Role.SUPERVISOR, Role.CENTRE})  # see 待分拣 cases


def subtree(session: Session, roots: list[int]) -> set[int]:
    """Ids of the grids ``roots`` and every grid below them."""
    ids, frontier = set(roots), list(roots)
    while frontier:
        frontier = [i for i in session.scalars(select(Grid.id).where(Grid.parent_id.in_(frontier)))
                    if i not in ids]
        ids.update(frontier)
    return ids


def in_jurisdiction(staff: Staff, grid: Grid | None) -> bool:
    """管辖范围: the staff member's grids and everything below them (admins: everything).

    A case with no grid yet (the triage queue, 待分拣) is in reach of community managers,
    supervisors, the town centre and admins.
    """
    if staff.role == Role.ADMIN:
        return True
    if grid is None:
        return staff.role in TRIAGE_ROLES
    own = {g.id for g in staff.grids}
    return any(g.id in own for g in ancestors(grid))


def staff_at(session: Session, grid: Grid | None, *roles: Role, department: str = "") -> list[Staff]:
    """Active staff with one of ``roles`` attached exactly to ``grid``."""
    if grid is None:
        return []
    stmt = (
        select(Staff)
        .join(StaffGrid, StaffGrid.staff_id == Staff.id)
        .where(StaffGrid.grid_id == grid.id, Staff.active.is_(True),
               Staff.role.in_([r.value for r in roles]))
        .order_by(Staff.id)
    )
    if department:
        stmt = stmt.where(Staff.department == department)
    return list(session.scalars(stmt))


def leaders_of(session: Session, grid: Grid | None) -> list[Staff]:
    """网格长 of a unit grid."""
    return staff_at(session, grid, Role.LEADER)


def managers_of(session: Session, grid: Grid | None) -> list[Staff]:
    """网格管理者 of the grid's community."""
    return staff_at(session, community_of(grid), Role.MANAGER)


def centre_of(session: Session, grid: Grid | None) -> list[Staff]:
    """镇(街道)网格化服务管理中心 staff of the grid's town."""
    return staff_at(session, town_of(grid), Role.CENTRE)


def supervisors_of(session: Session, grid: Grid | None) -> list[Staff]:
    """督导员 covering the grid, its community or its town."""
    seen: dict[int, Staff] = {}
    for g in ancestors(grid):
        for s in staff_at(session, g, Role.SUPERVISOR):
            seen.setdefault(s.id, s)
    return list(seen.values())


def estate_names(session: Session) -> tuple[str, ...]:
    """Every 小区 of the address table, longest first, from this process's copy of the table
    (:mod:`core.registry.places`: read again every few seconds, and at once after an address is
    written through the ORM here)."""
    return registry(session).estates


def find_address(session: Session, text: str) -> Address | None:
    """The address row whose 小区 (and 楼栋, when the table splits the estate) is in ``text``."""
    estate = named_estate(text, estate_names(session))
    if estate is None:
        return None
    rows = session.scalars(select(Address).where(Address.estate == estate).order_by(Address.id))
    return pick(text, estate, rows, lambda row: row.building)
