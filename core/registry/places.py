"""Where a text points (地址匹配), and a per-process copy of the grid tree and address table.

The matching rule — the longest 小区 named in the text, then its 楼栋 by number, else the
estate's whole-estate row — is written once (:func:`pick`) and used by
:func:`core.registry.lookup.find_address` over ORM rows and by :func:`locate` over the copy.

The copy (:class:`Registry`) holds the grids as plain values with their parent chain and the
addresses as (小区, 楼栋, grid id). It is read again at most every :data:`REFRESH_SECONDS`,
and at once after a grid or address is written through the ORM in this process (the importer,
tests): a change made by another process shows here within that many seconds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.orm import Session, object_session

from core.registry.models import Address, Grid

REFRESH_SECONDS = 5.0  # how long another process's change to grids or addresses may go unseen

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_BUILDING = re.compile(r"\s*([0-9０-９A-Za-zＡ-Ｚ零〇一二两三四五六七八九十]+)\s*(?:号楼|栋|幢|座|号|#)")


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


def named_estate(text: str, estates: Iterable[str]) -> str | None:
    """The first of ``estates`` (longest first) that ``text`` names."""
    return next((name for name in estates if name in text), None)


Row = TypeVar("Row")


def pick(text: str, estate: str, rows: Iterable[Row], building: Callable[[Row], str]) -> Row | None:
    """Of the estate's address ``rows`` (by id), the one ``text`` points to: its 楼栋 by
    number, else the whole-estate row (empty 楼栋), else None."""
    m = _BUILDING.match(text.split(estate, 1)[1])
    number = building_number(m.group(0)) if m else ""
    whole = None
    for row in rows:
        name = building(row)
        if not name:
            whole = row
        elif number and building_number(name) == number:
            return row
    return whole


@dataclass(eq=False)
class GridRef:
    """A grid as plain values, with its parent chain (what the rules read of a ``Grid``)."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    parent: GridRef | None = None


@dataclass
class Registry:
    grids: dict[int, GridRef]
    estates: tuple[str, ...]  # longest first
    buildings: dict[str, list[tuple[str, int]]]  # estate → (楼栋, grid id), by address id
    loaded: float = field(default_factory=time.monotonic)

    def locate(self, text: str) -> GridRef | None:
        """The grid of the address ``text`` names (the rule of ``find_address``)."""
        estate = named_estate(text, self.estates)
        if estate is None:
            return None
        row = pick(text, estate, self.buildings.get(estate, ()), lambda r: r[0])
        return self.grids.get(row[1]) if row is not None else None


_GRIDS = select(Grid.id, Grid.code, Grid.name, Grid.level, Grid.parent_id)
_ADDRESSES = select(Address.estate, Address.building, Address.grid_id).order_by(Address.id)
_copies: WeakKeyDictionary[Engine, Registry] = WeakKeyDictionary()


def _load(session: Session) -> Registry:
    conn = session.connection()
    grids = {row[0]: GridRef(*row) for row in conn.execute(_GRIDS)}
    for grid in grids.values():
        grid.parent = grids.get(grid.parent_id) if grid.parent_id is not None else None
    buildings: dict[str, list[tuple[str, int]]] = {}
    for estate, building, grid_id in conn.execute(_ADDRESSES):
        buildings.setdefault(estate, []).append((building or "", grid_id))
    estates = tuple(sorted((name for name in buildings if name), key=lambda name: (-len(name), name)))
    return Registry(grids, estates, buildings)


def registry(session: Session, *, fresh: bool = False) -> Registry:
    """This process's copy for the session's database, read again when due (or ``fresh``:
    a grid id it does not know was read from the database)."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    copy = _copies.get(engine)
    if fresh or copy is None or time.monotonic() - copy.loaded >= REFRESH_SECONDS:
        copy = _copies[engine] = _load(session)
    return copy


def _forget(engine: Engine) -> None:
    _copies.pop(engine, None)


def _written(_mapper: Any, connection: Connection, target: object) -> None:
    """A grid or address written here: read again now (this transaction sees it) and once
    more after the commit (another session may have read the old rows meanwhile)."""
    _forget(connection.engine)
    session = object_session(target)
    if session is not None:
        session.info[_STALE_AT_COMMIT] = connection.engine


def _after_commit(session: Session) -> None:  # and after a rollback
    engine = session.info.pop(_STALE_AT_COMMIT, None)
    if engine is not None:
        _forget(engine)


_STALE_AT_COMMIT = "wgt.registry_stale"
for _model in (Grid, Address):
    for _when in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _when, _written)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_rollback", _after_commit)  # what it wrote is gone: read again too
