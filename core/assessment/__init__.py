"""考核: monthly and quarterly ranking of unit grids and grid leaders (制度5, 6, 11).

``ranking(uow, period, community)`` collects the figures (figures.py), scores and orders
them (score.py); table.py lays them out for the CLI and the ledger workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.assessment.figures import Figures, Subject, collect, unit_grids
from core.assessment.period import Period, current_month, parse_month, parse_quarter
from core.assessment.score import FLAG_AT, RankRow, rank, score
from core.uow import UnitOfWork


@dataclass(frozen=True)
class Ranking:
    """考核排名 of one community (or all) for one period, as of ``as_of``."""

    label: str
    period: Period
    as_of: datetime
    grids: list[RankRow]
    leaders: list[RankRow]


def ranking(uow: UnitOfWork, period: Period, community: str | None = None) -> Ranking:
    """Rank the unit grids and grid leaders of ``community`` (None: every community)."""
    label, grids = unit_grids(uow, community)
    grid_subjects, leader_subjects = collect(uow, grids, period)
    limit = uow.env.policy.days_for("grid")
    return Ranking(label, period, uow.now(), rank(grid_subjects, limit),
                   rank(leader_subjects, limit))


__all__ = ["FLAG_AT", "Figures", "Period", "RankRow", "Ranking", "Subject", "current_month",
           "parse_month", "parse_quarter", "rank", "ranking", "score"]
