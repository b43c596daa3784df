"""Shared steps of the use cases: find a case, check the actor, route, set deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.actors import SYSTEM, ActorRef, load_staff
from core.cases.models import Case, CaseEvent
from core.cases.permissions import Facts, refusal
from core.cases.states import Action
from core.db import recall
from core.errors import Forbidden, NotFound
from core.registry.directory import Directory, OrmDirectory
from core.registry.lookup import community_of, in_jurisdiction, town_of
from core.registry.models import ROLE_NAMES, Grid, Role, Staff
from core.uow import UnitOfWork


def load_case(uow: UnitOfWork, code: str, *, lock: bool = True) -> Case:
    """The case with ``code`` (row-locked for the transaction on PostgreSQL).

    A case created in this same transaction is taken from the session: no other
    transaction can see it yet, so it needs neither a SELECT nor a lock."""
    code = code.strip().upper()
    created = recall(uow.session, "new_case", code)
    if created is not None:
        return created
    stmt = select(Case).where(Case.code == code)
    if lock:
        stmt = stmt.with_for_update(of=Case)
    case = uow.session.scalar(stmt)
    if case is None:
        raise NotFound(f"没有找到事件 {code}，请核对编号")
    return case


def authorize(uow: UnitOfWork, actor: ActorRef, case: Case, action: Action) -> Staff | None:
    """The staff row acting (None for the system); raises :class:`Forbidden` with the reason."""
    if actor == SYSTEM:
        return None
    person = load_staff(uow.session, actor)
    facts = Facts(
        role=Role(person.role),
        in_jurisdiction=in_jurisdiction(person, case.grid),
        is_assignee=case.assignee_id == person.id,
        level=case.level,
        same_department=bool(case.department) and person.role == Role.DEPARTMENT
        and person.department == case.department,
    )
    reason = refusal(action, facts)
    if reason:
        raise Forbidden(f"{case.code}：{reason}")
    return person


def actor_name(person: Staff | None) -> str:
    return person.name if person else "系统"


def route(uow: UnitOfWork, case: Case) -> tuple[Staff | None, str]:
    """派遣: the assignee (and department) the routing table names for the case's level."""
    return choose_assignee(uow, case.category, case.level, case.grid, OrmDirectory(uow.session))


def choose_assignee(uow: UnitOfWork, category: str, level: str, grid: Grid | None,
                    directory: Directory) -> tuple[Any, str]:
    """The routing rule over any :class:`Directory` (ORM rows or plain values)."""
    target = uow.env.routing.assignee_for(category, level)
    role = ROLE_NAMES.get(target)
    if role is not None:
        if role in {Role.LEADER, Role.MEMBER}:
            found = directory.at(grid, role) if grid and grid.level == "grid" else []
        elif role == Role.MANAGER:
            found = directory.at(community_of(grid), role)
        else:
            found = directory.at(town_of(grid), Role.CENTRE)
        if not found and level in {"town", "county"}:
            found = directory.at(town_of(grid), Role.CENTRE)
        return (found[0] if found else None), ""
    people = directory.at(town_of(grid), Role.DEPARTMENT, department=target)
    if people:
        return people[0], target
    found = directory.at(town_of(grid), Role.CENTRE)
    return (found[0] if found else None), ""


def deadline_for(uow: UnitOfWork, level: str, start: datetime | None = None) -> datetime:
    """Working-day deadline for ``level`` from ``start`` (default: now)."""
    days = uow.env.policy.days_for(level)
    return uow.env.calendar.add_working_days(start or uow.now(), days)


def level_started_at(uow: UnitOfWork, case: Case) -> datetime:
    """When the case last entered its current level (accept, escalate or reopen)."""
    at = uow.session.scalar(
        select(CaseEvent.at).where(
            CaseEvent.case_id == case.id,
            CaseEvent.action.in_([Action.ACCEPT, Action.ESCALATE, Action.REOPEN]),
        ).order_by(CaseEvent.seq.desc()).limit(1)
    )
    return at or case.reported_at
