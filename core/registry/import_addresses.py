"""The addresses table (地址表): ``小区,楼栋,网格编码``, keyed by 小区 + 楼栋.

An empty 楼栋 places the whole estate (整个小区) in one unit grid; the grid must already be
in the database at 网格 level.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.registry.models import LEVEL_LABELS, Address, Grid, Level
from core.registry.records import Counts, FirstSeen, Problems, Record, text


@dataclass
class AddressRow:
    """One checked row of the addresses table."""

    line: int
    estate: str
    building: str
    grid: Grid | None


def _parse(record: Record, grids: dict[str, Grid], problems: Problems) -> AddressRow:
    line = record.line
    estate = text(record, "小区", problems, limit=128, required=True)
    building = text(record, "楼栋", problems, limit=64)
    code = text(record, "网格编码", problems, limit=64, required=True)
    grid = grids.get(code)
    if code and grid is None:
        problems.add(line, f"网格编码「{code}」不存在（请先导入网格表）")
    elif grid is not None and grid.level != Level.GRID:
        shown = LEVEL_LABELS.get(grid.level, grid.level)
        problems.add(line, f"地址须分到网格一级，「{code}」是{shown}")
    return AddressRow(line, estate, building, grid)


def import_addresses(session: Session, records: list[Record],
                     problems: Problems) -> Counts | None:
    """Check every row, then create or update addresses by 小区+楼栋; ``None`` if any is bad."""
    grids = {g.code: g for g in session.scalars(select(Grid))}
    existing = {(a.estate, a.building): a for a in session.scalars(select(Address))}
    seen = FirstSeen()
    rows: list[AddressRow] = []
    for record in records:
        row = _parse(record, grids, problems)
        label = (f"小区「{row.estate}」楼栋「{row.building}」" if row.building
                 else f"小区「{row.estate}」（整个小区）")
        if row.estate and seen.is_new((row.estate, row.building), row.line, problems, label):
            rows.append(row)
    if problems:
        return None
    counts = Counts()
    for row in rows:
        assert row.grid is not None
        address = existing.get((row.estate, row.building))
        if address is None:
            session.add(Address(estate=row.estate, building=row.building, grid=row.grid))
            counts.tally(created=True, changed=True)
            continue
        counts.tally(created=False, changed=address.grid_id != row.grid.id)
        address.grid = row.grid
    return counts
