"""Questions asked of the grid tree: ancestry, jurisdiction, who to notify, where an address is."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event, func, select
from sqlalchemy.orm import Session, object_session

from core.registry.models import Address, Grid, Level, Role, Staff, StaffGrid

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}


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


def building_number(text: str) -> str:
    """The number of a building: '3栋', '3号楼', '三号楼', '３幢' → '3'; '' when none."""
    text = text.translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)})
    text = text.translate({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # Ａ座 → A座
    m = re.search(r"(\d+)", text)
    if m:
        return str(int(m.group(1)))
    m = re.search(r"([A-Za-z])\s*(?:座|栋|幢|区|号楼)", text)
    if m:
        return m.group(1).upper()
    m = re.search(r"([零〇一二两三四五六七八九十]+)", text)
    if not m:
        return ""
    word, value = m.group(1), 0
    if "十" in word:
        tens, _, ones = word.partition("十")
        value = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    else:
        for ch in word:
            value = value * 10 + _CN_DIGITS[ch]
    return str(value)


ESTATE_CHECK_SECONDS = 5.0  # how long another process's new estate may go unseen here


@dataclass
class _Estates:
    top: int  # the address table's highest id when the names were read
    names: tuple[str, ...]
    checked: float  # time.monotonic() of the last look at the table


_estates: WeakKeyDictionary[Engine, _Estates] = WeakKeyDictionary()


def estate_names(session: Session) -> tuple[str, ...]:
    """Every 小区 of the address table, longest first; kept per process and database.

    Re-read when the table's highest id moves — a new estate comes with a new row (the
    importer adds rows and updates their grid, never renames or deletes). The highest id is
    looked at once every :data:`ESTATE_CHECK_SECONDS`, not on every call; an address written
    through the ORM in this process (the importer, tests) marks the names stale at once.
    """
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    cached = _estates.get(engine)
    now = time.monotonic()
    if cached is not None and now - cached.checked < ESTATE_CHECK_SECONDS:
        return cached.names
    top = session.scalar(select(func.max(Address.id))) or 0
    if cached is None or cached.top != top:
        names = {name for name in session.scalars(select(Address.estate).distinct()) if name}
        cached = _Estates(top, tuple(sorted(names, key=lambda name: (-len(name), name))), now)
        _estates[engine] = cached
    cached.checked = now
    return cached.names


def _forget(engine: Engine) -> None:
    cached = _estates.get(engine)
    if cached is not None:
        cached.checked, cached.top = float("-inf"), -1


def _stale(_mapper: Any, connection: Connection, target: Address) -> None:
    """An address row written here: the next call reads the table again — now, for this
    transaction, and once more after its commit (another session may have read meanwhile)."""
    _forget(connection.engine)
    session = object_session(target)
    if session is not None:
        session.info[_STALE_AT_COMMIT] = connection.engine


def _after_commit(session: Session) -> None:
    engine = session.info.pop(_STALE_AT_COMMIT, None)
    if engine is not None:
        _forget(engine)


_STALE_AT_COMMIT = "wgt.estates_stale"
for _when in ("after_insert", "after_update", "after_delete"):
    event.listen(Address, _when, _stale)
event.listen(Session, "after_commit", _after_commit)


def find_address(session: Session, text: str) -> Address | None:
    """The address row whose 小区 (and 楼栋, when the table splits the estate) is in ``text``."""
    estate = next((name for name in estate_names(session) if name in text), None)
    if estate is None:
        return None
    tail = text.split(estate, 1)[1]
    m = re.match(r"\s*([0-9０-９A-Za-zＡ-Ｚ零〇一二两三四五六七八九十]+)\s*(?:号楼|栋|幢|座|号|#)", tail)
    number = building_number(m.group(0)) if m else ""
    whole = None
    for row in session.scalars(select(Address).where(Address.estate == estate).order_by(Address.id)):
        if not row.building:
            whole = row
        elif number and building_number(row.building) == number:
            return row
    return whole
