"""Reading cases for admins and scripts (``flask cases``) — the JSON of SPEC §8 — and for staff (详情)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from core.actors import ActorRef, load_staff
from core.cases.common import load_case
from core.cases.models import Case, CaseEvent
from core.cases.policy import CATEGORY_LABELS
from core.cases.states import STATUS_LABELS, Status
from core.errors import Forbidden, NotFound
from core.registry.lookup import in_jurisdiction, subtree
from core.registry.models import Grid, Role
from core.uow import UnitOfWork

ACTIVE = (Status.ACCEPTED, Status.DISPATCHED)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def is_overdue(case: Case, now: datetime) -> bool:
    """超期: accepted or dispatched and past its deadline."""
    return case.status in ACTIVE and case.deadline is not None and case.deadline < now


def event_dict(ev: CaseEvent) -> dict[str, Any]:
    return {"seq": ev.seq, "at": _iso(ev.at), "action": ev.action, "actor": ev.actor,
            "actor_name": ev.actor_name, "from": ev.from_status or None, "to": ev.to_status,
            "note": ev.note, "attachments": list(ev.attachments or [])}


def case_dict(case: Case, now: datetime, *, events: bool = True) -> dict[str, Any]:
    """The case as JSON: at least code, status, category, grid, assignee, deadline, rating, events."""
    data: dict[str, Any] = {
        "code": case.code,
        "status": case.status,
        "status_label": STATUS_LABELS[Status(case.status)],
        "category": case.category,
        "category_label": CATEGORY_LABELS.get(case.category, case.category),
        "level": case.level,
        "grid": case.grid.code if case.grid else None,
        "grid_name": case.grid.name if case.grid else None,
        "assignee": case.assignee.key if case.assignee else None,
        "assignee_name": case.assignee.name if case.assignee else None,
        "department": case.department or None,
        "deadline": _iso(case.deadline),
        "overdue": is_overdue(case, now),
        "urgent": case.urgent,
        "address": case.address,
        "description": case.description,
        "channel": case.channel,
        "reported_at": _iso(case.reported_at),
        "accepted_at": _iso(case.accepted_at),
        "resolved_at": _iso(case.resolved_at),
        "closed_at": _iso(case.closed_at),
        "on_time": case.on_time,
        "rating": case.rating,
        "external_ticket": case.external_ticket or None,
        "merged_into": case.merged_into.code if case.merged_into else None,
        "reject_reason": case.reject_reason or None,
        "extension_requested_days": case.extension_days,
    }
    if events:
        data["events"] = [event_dict(e) for e in case.events]
    return data


def get_case(session: Session, code: str) -> Case:
    case = session.scalar(select(Case).where(Case.code == code.strip().upper())
                          .options(selectinload(Case.events)))
    if case is None:
        raise NotFound(f"没有找到事件 {code}")
    return case


def subtree_ids(session: Session, code: str) -> list[int]:
    """Ids of the grid ``code`` and every grid below it."""
    root = session.scalar(select(Grid).where(Grid.code == code))
    if root is None:
        raise NotFound(f"没有编码为 {code} 的网格")
    return sorted(subtree(session, [root.id]))


def cases_query(session: Session, now: datetime, *, status: str | None = None,
                grid: str | None = None, overdue: bool = False) -> Select[tuple[Case]]:
    stmt = select(Case).order_by(Case.reported_at.desc(), Case.id.desc())
    if status:
        stmt = stmt.where(Case.status == Status(status))
    if grid:
        stmt = stmt.where(Case.grid_id.in_(subtree_ids(session, grid)))
    if overdue:
        stmt = stmt.where(Case.status.in_(ACTIVE), Case.deadline < now)
    return stmt


def list_cases(session: Session, now: datetime, *, status: str | None = None,
               grid: str | None = None, overdue: bool = False, limit: int = 500,
               events: bool = False) -> list[dict[str, Any]]:
    stmt = cases_query(session, now, status=status, grid=grid, overdue=overdue).limit(limit)
    if events:
        stmt = stmt.options(selectinload(Case.events))
    return [case_dict(c, now, events=events) for c in session.scalars(stmt)]


def case_for_staff(uow: UnitOfWork, actor: ActorRef, code: str) -> Case:
    """详情: the case with the resident's own words, for staff whose jurisdiction it is in.

    Pushes and public pages carry masked text only; this is where the grid worker reads the
    phone number or room a resident left. Departments see the cases routed to them."""
    case = load_case(uow, code, lock=False)
    person = load_staff(uow.session, actor)
    own_department = (person.role == Role.DEPARTMENT and bool(case.department)
                      and person.department == case.department)
    if not (in_jurisdiction(person, case.grid) or own_department):
        raise Forbidden(f"{case.code}：该事件不在您的管辖范围内")
    return case
