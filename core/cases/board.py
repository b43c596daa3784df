"""The publicity board (公示栏): cases closed in a grid or community, masked for the public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.cases.models import Case
from core.cases.policy import CATEGORY_LABELS
from core.cases.states import Status
from core.errors import NotFound
from core.registry.lookup import subtree
from core.registry.models import Grid, Level
from core.uow import UnitOfWork

SUMMARY_CHARS = 80


@dataclass(frozen=True)
class BoardRow:
    code: str
    category: str
    summary: str  # masked
    grid: str
    reported: datetime
    closed: datetime
    working_days: int
    on_time: bool | None
    rating: int | None


@dataclass(frozen=True)
class Board:
    unit: Grid
    rows: list[BoardRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]  # category → closed cases in the window


def board(uow: UnitOfWork, code: str, *, days: int = 30, category: str = "", page: int = 1,
          per_page: int = 20) -> Board:
    """公示: closed cases of the last ``days`` days in the grid or community ``code``."""
    unit = uow.session.scalar(select(Grid).where(Grid.code == code))
    if unit is None or unit.level == Level.TOWN:
        raise NotFound(f"没有编码为 {code} 的社区或网格")
    ids = sorted(subtree(uow.session, [unit.id]))
    since = uow.now() - timedelta(days=days)
    where = [Case.grid_id.in_(ids), Case.status == str(Status.CLOSED), Case.closed_at >= since]
    counts = dict(uow.session.execute(
        select(Case.category, func.count()).where(*where).group_by(Case.category)).all())
    if category:
        where.append(Case.category == category)
    total = uow.session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    cases = uow.session.scalars(select(Case).where(*where).order_by(Case.closed_at.desc(), Case.id)
                                .offset((page - 1) * per_page).limit(per_page))
    cal, mask = uow.env.calendar, uow.env.mask
    rows = [BoardRow(c.code, CATEGORY_LABELS.get(c.category, c.category),
                     mask(c.description.replace("\n", " "))[:SUMMARY_CHARS],
                     c.grid.name if c.grid else "", c.reported_at, c.closed_at,
                     cal.working_days_between(c.accepted_at or c.reported_at, c.closed_at),
                     c.on_time, c.rating)
            for c in cases]
    return Board(unit, rows, total, page, pages, counts)
