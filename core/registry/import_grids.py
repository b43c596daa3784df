"""The grids table (网格表): ``编码,名称,层级,上级编码,户数``, keyed by 编码.

A 街道 has no 上级编码, a 社区's parent is a 街道 and a 网格's a 社区. The parent may come
later in the same file or already be in the database. Changing a grid's 层级 is refused
while something in the database (a lower grid, an address, a staff member) relies on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.registry.import_staff import ROLE_LEVEL
from core.registry.models import (
    LEVEL_LABELS,
    LEVEL_NAMES,
    PARENT_LEVEL,
    ROLE_LABELS,
    Address,
    Grid,
    Level,
    Staff,
    StaffGrid,
)
from core.registry.records import Counts, FirstSeen, Problems, Record, text

MAX_HOUSEHOLDS = 10_000_000
_LEVELS = {level.value: level for level in Level}


@dataclass
class GridRow:
    """One checked row of the grids table."""

    line: int
    code: str
    name: str
    level: Level | None
    parent: str
    households: int | None


def _households(record: Record, problems: Problems) -> int | None:
    value = record["户数"].replace(",", "")
    if not value:
        return None
    try:
        number: float | None = float(value)
    except ValueError:
        number = None
    if number is None or not number.is_integer() or not 0 <= number <= MAX_HOUSEHOLDS:
        problems.add(record.line, f"「户数」应为不小于0的整数，而不是「{record['户数']}」")
        return None
    return int(number)


def _parse(record: Record, problems: Problems) -> GridRow:
    line = record.line
    code = text(record, "编码", problems, limit=64, required=True)
    name = text(record, "名称", problems, limit=128, required=True)
    level_text = text(record, "层级", problems, limit=16, required=True)
    level = LEVEL_NAMES.get(level_text)
    if level_text and level is None:
        problems.add(line, f"「层级」应为 街道（镇）、社区（村）或 网格，而不是「{level_text}」")
    parent = text(record, "上级编码", problems, limit=64)
    if level == Level.TOWN and parent:
        problems.add(line, "街道（镇）是最上一级，「上级编码」应留空")
    elif level in PARENT_LEVEL and not parent:
        problems.add(line, f"{LEVEL_LABELS[level]}须填写「上级编码」"
                           f"（{LEVEL_LABELS[PARENT_LEVEL[level]]}的编码）")
    elif parent and parent == code:
        problems.add(line, "「上级编码」不能是自己")
    return GridRow(line, code, name, level, parent, _households(record, problems))


def _level(grid: Grid) -> Level | None:
    return _LEVELS.get(grid.level)


def _check_parent(row: GridRow, rows: dict[str, GridRow], existing: dict[str, Grid],
                  problems: Problems) -> None:
    if row.level not in PARENT_LEVEL or not row.parent or row.parent == row.code:
        return
    if row.parent in rows:
        parent_level = rows[row.parent].level
    elif row.parent in existing:
        parent_level = _level(existing[row.parent])
    else:
        problems.add(row.line, f"上级编码「{row.parent}」不存在（本文件和数据库里都没有）")
        return
    wanted = PARENT_LEVEL[row.level]
    if parent_level is not None and parent_level != wanted:
        problems.add(row.line, f"上级「{row.parent}」是{LEVEL_LABELS[parent_level]}，"
                               f"{LEVEL_LABELS[row.level]}的上级应为{LEVEL_LABELS[wanted]}")


def _few(names: list[str]) -> str:
    shown = "、".join(names[:5])
    return f"{shown} 等 {len(names)} 个" if len(names) > 5 else shown


def _check_level_change(session: Session, row: GridRow, grid: Grid, rows: dict[str, GridRow],
                        problems: Problems) -> None:
    """A re-import that changes 层级 must not strand what hangs below the grid."""
    new = row.level
    assert new is not None
    label = f"不能改为{LEVEL_LABELS[new]}"
    children = session.scalars(select(Grid).where(Grid.parent_id == grid.id).order_by(Grid.code))
    stranded = []
    for child in children:
        level = _level(child)
        if child.code not in rows and level in PARENT_LEVEL and PARENT_LEVEL[level] != new:
            stranded.append(child.code)
    if stranded:
        problems.add(row.line, f"{label}：数据库里的下级 {_few(stranded)} 会挂错层级，"
                               "请在本文件中一并调整")
    if new != Level.GRID:
        count = session.scalar(select(func.count(Address.id)).where(Address.grid_id == grid.id))
        if count:
            problems.add(row.line, f"{label}：有 {count} 个地址分在此网格")
    staff = list(session.scalars(select(Staff).join(StaffGrid)
                                 .where(StaffGrid.grid_id == grid.id).order_by(Staff.id)))
    for role, wanted in ROLE_LEVEL.items():
        people = [p.name for p in staff if p.role == role] if wanted != new else []
        if people:
            problems.add(row.line, f"{label}：{len(people)} 名{ROLE_LABELS[role]}（{_few(people)}）"
                                   f"须挂在{LEVEL_LABELS[wanted]}一级")


def import_grids(session: Session, records: list[Record], problems: Problems) -> Counts | None:
    """Check every row, then create or update grids by 编码; ``None`` if any row is bad."""
    existing = {g.code: g for g in session.scalars(select(Grid))}
    seen = FirstSeen()
    rows: dict[str, GridRow] = {}
    for record in records:
        row = _parse(record, problems)
        if row.code and seen.is_new(row.code, row.line, problems, f"编码「{row.code}」"):
            rows[row.code] = row
    for row in rows.values():
        _check_parent(row, rows, existing, problems)
        grid = existing.get(row.code)
        if grid is not None and row.level is not None and _level(grid) != row.level:
            _check_level_change(session, row, grid, rows, problems)
    if problems:
        return None
    return _apply(session, rows, existing)


def _apply(session: Session, rows: dict[str, GridRow], existing: dict[str, Grid]) -> Counts:
    counts = Counts()
    by_code: dict[str, Grid] = {}
    for row in rows.values():
        grid = existing.get(row.code)
        before = None
        if grid is not None:
            before = (grid.name, grid.level, grid.households, grid.parent.code if grid.parent else "")
        else:
            grid = Grid(code=row.code)
            session.add(grid)
        grid.name, grid.level, grid.households = row.name, str(row.level), row.households
        by_code[row.code] = grid
        counts.tally(created=before is None,
                     changed=before != (row.name, str(row.level), row.households, row.parent))
    for row in rows.values():
        parent = by_code.get(row.parent) or existing.get(row.parent)
        if by_code[row.code].parent is not parent:
            by_code[row.code].parent = parent
    return counts
