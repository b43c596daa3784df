"""The month's cases and their ledger events, read in a few set-based, streamed queries.

Cases are picked by community (its unit grids) and by report time, the two indexed filters;
rows come back as plain tuples in batches (``yield_per``), never one query per case.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, Row, and_, func, select

from core.cases.models import Case, CaseEvent
from core.cases.states import Action
from core.registry.models import Grid, Staff
from core.uow import UnitOfWork

BATCH = 2000
CASE_COLUMNS = (
    Case.id, Case.code, Case.status, Case.category, Case.level, Case.grid_id, Case.address,
    Case.description, Case.urgent, Case.channel, Case.reporter_openid, Case.reporter_staff_id,
    Case.assignee_id, Case.department, Case.reported_at, Case.accepted_at, Case.deadline,
    Case.resolved_at, Case.closed_at, Case.extension_days, Case.extension_reason,
    Case.external_ticket, Case.merged_into_id, Case.reject_reason, Case.rating, Case.rating_note,
    Case.on_time,
)
EVENT_COLUMNS = (Case.code, CaseEvent.seq, CaseEvent.at, CaseEvent.action, CaseEvent.actor,
                 CaseEvent.actor_name, CaseEvent.from_status, CaseEvent.to_status, CaseEvent.note,
                 CaseEvent.attachments, CaseEvent.data)


def month_filter(grid_ids: list[int], start: datetime, end: datetime) -> ColumnElement[bool]:
    """The community's cases reported in [start, end)."""
    return and_(Case.grid_id.in_(grid_ids), Case.reported_at >= start, Case.reported_at < end)


def case_rows(uow: UnitOfWork, where: ColumnElement[bool]) -> Iterator[Row]:
    stmt = select(*CASE_COLUMNS).where(where).order_by(Case.reported_at, Case.id)
    yield from uow.session.execute(stmt.execution_options(yield_per=BATCH))


def event_rows(uow: UnitOfWork, where: ColumnElement[bool]) -> Iterator[Row]:
    stmt = (select(*EVENT_COLUMNS).join(Case, Case.id == CaseEvent.case_id).where(where)
            .order_by(Case.reported_at, Case.id, CaseEvent.seq))
    yield from uow.session.execute(stmt.execution_options(yield_per=BATCH))


def dispatched_at(uow: UnitOfWork, where: ColumnElement[bool]) -> dict[int, datetime]:
    """First 派遣 (or 接单) time of each case."""
    stmt = (select(CaseEvent.case_id, func.min(CaseEvent.at))
            .join(Case, Case.id == CaseEvent.case_id)
            .where(where, CaseEvent.action.in_([str(Action.DISPATCH), str(Action.CLAIM)]))
            .group_by(CaseEvent.case_id))
    return {case_id: at for case_id, at in uow.session.execute(stmt)}


def merged_codes(uow: UnitOfWork, where: ColumnElement[bool]) -> dict[int, str]:
    """Codes of the cases the month's duplicates were merged into."""
    targets = select(Case.merged_into_id).where(where, Case.merged_into_id.is_not(None))
    return dict(uow.session.execute(select(Case.id, Case.code).where(Case.id.in_(targets))).all())


def staff_names(uow: UnitOfWork) -> dict[int, str]:
    return dict(uow.session.execute(select(Staff.id, Staff.name)).all())


def grid_names(uow: UnitOfWork, grid_ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = uow.session.execute(select(Grid.id, Grid.code, Grid.name).where(Grid.id.in_(grid_ids)))
    return {gid: (code, name) for gid, code, name in rows}
