"""Cases as GeoReport v2 service requests (公开查询), masked for the public.

What an answer may hold: the case code, category, open/closed, a masked summary of the
description and of the last step, the unit that handles it, the times, the estate (never
a building or room) and, for API requests, coordinates rounded to about 100 m. No
reporter, no staff name, no phone number, ID number or room number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.cases.flow import REJECT_REASONS
from core.cases.models import Case, CaseEvent
from core.cases.policy import CATEGORY_LABELS
from core.cases.states import STATUS_LABELS, Action, Status
from core.errors import NotFound
from core.open311.models import ApiRequest
from core.registry.lookup import community_of, estate_names, town_of
from core.uow import UnitOfWork

DEFAULT_DAYS = 90
MAX_RECORDS = 1000
CLOSED = frozenset({Status.CLOSED, Status.REJECTED})
NOTE_CHARS = 120
DESCRIPTION_CHARS = 500
COORD_DIGITS = 3  # ≈ 110 m: the estate, not the door
# Progress a resident may see (the steps of the public case page); other notes stay inside.
PUBLIC_NOTES = (Action.ACCEPT, Action.DISPATCH, Action.RESOLVE, Action.ESCALATE, Action.FORWARD,
                Action.DECIDE_EXTENSION, Action.VERIFY_PASS, Action.VERIFY_RETURN, Action.REJECT,
                Action.MERGE, Action.REOPEN)
_LONG_DIGITS = re.compile(r"(?<![A-Za-z0-9])(\d{3})\d{2,}(\d{2})(?!\d)")  # 7+ digits


@dataclass(frozen=True)
class Search:
    """The filters of ``GET requests.json``; ``ids`` wins over everything else."""

    ids: Sequence[str] = ()
    services: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    status: str | None = None  # open | closed
    limit: int = MAX_RECORDS


def public_text(mask: Callable[[str], str], text: str, limit: int) -> str:
    """Masked, one line, short; any long run of digits the masker missed is cut too."""
    flat = " ".join(mask(text).split())
    return _LONG_DIGITS.sub(lambda m: f"{m.group(1)}****{m.group(2)}", flat)[:limit]


def is_open(case: Case) -> bool:
    return Status(case.status) not in CLOSED


def _agency(case: Case) -> str:
    """The unit in charge (责任单位): a department, or the grid, community or town centre."""
    if case.department:
        return case.department
    if case.grid is None:
        return "待分拣"
    if case.level == "county":
        return "县级平台"
    if case.level == "town":
        town = town_of(case.grid)
        return f"{town.name}网格化服务管理中心" if town else "网格化服务管理中心"
    if case.level == "community":
        unit = community_of(case.grid)
        return unit.name if unit else case.grid.name
    return case.grid.name


def _estate(names: Sequence[str], case: Case) -> str:
    return next((name for name in names if name in case.address), "")


def _notes(uow: UnitOfWork, case: Case, last: CaseEvent | None, master: str | None) -> str:
    label = STATUS_LABELS[Status(case.status)]
    if master:
        return f"{label}：与事件 {master} 为同一事项，合并办理"
    if case.status == Status.REJECTED and case.reject_reason:
        return f"{label}：{REJECT_REASONS.get(case.reject_reason, case.reject_reason)}"
    if last is None or not last.note.strip():
        return label
    return f"{label}：{public_text(uow.env.mask, last.note, NOTE_CHARS)}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def to_record(uow: UnitOfWork, case: Case, *, last: CaseEvent | None = None,
              api: ApiRequest | None = None, master: str | None = None,
              estates: Sequence[str] = ()) -> dict[str, Any]:
    """One GeoReport service request for ``case``, public fields only."""
    record: dict[str, Any] = {
        "service_request_id": case.code,
        "status": "open" if is_open(case) else "closed",
        "status_notes": _notes(uow, case, last, master),
        "service_name": CATEGORY_LABELS.get(case.category, case.category),
        "service_code": case.category,
        "description": public_text(uow.env.mask, case.description, DESCRIPTION_CHARS),
        "agency_responsible": _agency(case),
        "service_notice": "",
        "requested_datetime": _iso(case.reported_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.deadline),
        "address": _estate(estates, case),
    }
    if api is not None and api.address_id is not None:
        record["address_id"] = str(api.address_id)
    if api is not None and api.latitude is not None and api.longitude is not None:
        record["lat"] = round(api.latitude, COORD_DIGITS)
        record["long"] = round(api.longitude, COORD_DIGITS)
    return record


def _records(uow: UnitOfWork, cases: list[Case]) -> list[dict[str, Any]]:
    """Records for many cases with four queries, whatever their number."""
    ids = [c.id for c in cases]
    last: dict[int, CaseEvent] = {}
    if ids:
        events = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id.in_(ids),
                                    CaseEvent.action.in_([str(a) for a in PUBLIC_NOTES]))
            .order_by(CaseEvent.case_id, CaseEvent.seq))
        for ev in events:
            last[ev.case_id] = ev
    api = {r.case_id: r for r in uow.session.scalars(
        select(ApiRequest).where(ApiRequest.case_id.in_(ids)))} if ids else {}
    merged_ids = {c.merged_into_id for c in cases if c.merged_into_id}
    masters = dict(uow.session.execute(
        select(Case.id, Case.code).where(Case.id.in_(merged_ids))).all()) if merged_ids else {}
    estates = estate_names(uow.session)
    return [to_record(uow, c, last=last.get(c.id), api=api.get(c.id),
                      master=masters.get(c.merged_into_id) if c.merged_into_id else None,
                      estates=estates) for c in cases]


def search_requests(uow: UnitOfWork, search: Search) -> list[dict[str, Any]]:
    """``GET requests.json``: by ids, or by service, status and time window (newest first).

    Without dates the window is the last 90 days; at most ``MAX_RECORDS`` come back. A
    duplicate merged into another case is listed only when asked for by its id.
    """
    stmt = select(Case).order_by(Case.reported_at.desc(), Case.id.desc())
    if search.ids:
        stmt = stmt.where(Case.code.in_([i.strip().upper() for i in search.ids]))
    else:
        end = search.end
        start = search.start or (end or uow.now()) - timedelta(days=DEFAULT_DAYS)
        stmt = stmt.where(Case.reported_at >= start, Case.merged_into_id.is_(None))
        if end is not None:
            stmt = stmt.where(Case.reported_at <= end)
        if search.services:
            stmt = stmt.where(Case.category.in_(list(search.services)))
        if search.status == "open":
            stmt = stmt.where(Case.status.not_in([str(s) for s in CLOSED]))
        elif search.status == "closed":
            stmt = stmt.where(Case.status.in_([str(s) for s in CLOSED]))
    cases = list(uow.session.scalars(stmt.limit(min(search.limit, MAX_RECORDS))).unique())
    return _records(uow, cases)


def get_request(uow: UnitOfWork, code: str) -> dict[str, Any]:
    """``GET requests/{id}.json``: the one request, or :class:`NotFound`."""
    found = search_requests(uow, Search(ids=[code]))
    if not found:
        raise NotFound(f"没有找到事件 {code}")
    return found[0]
