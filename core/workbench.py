"""待办 (my work list) and 督办 (overdue cases) of a staff member, within their 管辖范围.

Which waiting cases are "mine" follows the permission table itself: a case shows up
for whoever may take its next step (受理, 派遣, 核查, 延期审批), or because it is assigned
to them (承办). Most urgent and most overdue first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from core.actors import ActorRef, load_staff
from core.cases.models import Case
from core.cases.permissions import Facts, refusal
from core.cases.queries import ACTIVE, is_overdue
from core.cases.states import OPEN_STATUSES, Action, Status
from core.errors import Forbidden
from core.registry.lookup import in_jurisdiction
from core.registry.models import Role, Staff
from core.scope import LEADING_ROLES, scope_of
from core.uow import UnitOfWork


@dataclass(frozen=True)
class WorkItem:
    """One line of 待办/督办: the case, why it waits for me, working days overdue (0: not)."""

    case: Case
    tag: str
    overdue_days: int


def overdue_days(uow: UnitOfWork, case: Case, now: datetime) -> int:
    """超期工作日数 (at least 1 once past the deadline; 0 when on time)."""
    if not is_overdue(case, now) or case.deadline is None:
        return 0
    return max(1, uow.env.calendar.working_days_between(case.deadline, now))


def _facts(person: Staff, case: Case) -> Facts:
    return Facts(role=Role(person.role), in_jurisdiction=in_jurisdiction(person, case.grid),
                 is_assignee=case.assignee_id == person.id, level=case.level,
                 same_department=bool(case.department) and person.role == Role.DEPARTMENT
                 and person.department == case.department)


def waiting_tag(person: Staff, case: Case) -> str:
    """Why ``case`` waits for ``person`` (承办, 待受理, 待派遣, 待核查, 延期审批), or ''."""
    f = _facts(person, case)
    allowed = {a for a in (Action.ACCEPT, Action.DISPATCH, Action.VERIFY_PASS,
                           Action.DECIDE_EXTENSION) if refusal(a, f) is None}
    if case.status == Status.REPORTED:
        return "待受理" if Action.ACCEPT in allowed else ""
    if case.status == Status.RESOLVED:
        return "待核查" if Action.VERIFY_PASS in allowed else ""
    if case.extension_days and Action.DECIDE_EXTENSION in allowed and not f.is_assignee:
        return "延期审批"
    if f.is_assignee or f.same_department:
        return "承办"
    if case.status == Status.ACCEPTED and case.assignee_id is None and Action.DISPATCH in allowed:
        return "待派遣"
    return ""


def _order(item: WorkItem) -> tuple:
    c = item.case
    due = c.deadline.timestamp() if c.deadline else float("inf")
    return (not c.urgent, -item.overdue_days, due, c.reported_at.timestamp(), c.id)


def todo_list(uow: UnitOfWork, actor: ActorRef) -> list[WorkItem]:
    """待办: cases assigned to me and those waiting for my step, most urgent/overdue first."""
    person = load_staff(uow.session, actor)
    scope = scope_of(uow.session, person)
    now = uow.now()
    stmt = select(Case).where(Case.status.in_([str(s) for s in OPEN_STATUSES]),
                              Case.merged_into_id.is_(None),
                              or_(Case.assignee_id == person.id, scope.cases()))
    items = []
    for case in uow.session.scalars(stmt):
        tag = waiting_tag(person, case)
        if tag:
            items.append(WorkItem(case, tag, overdue_days(uow, case, now)))
    return sorted(items, key=_order)


def overdue_list(uow: UnitOfWork, actor: ActorRef) -> list[WorkItem]:
    """督办: accepted or dispatched cases past their deadline in my jurisdiction, worst first."""
    person = load_staff(uow.session, actor)
    if person.role not in LEADING_ROLES:
        raise Forbidden("督办仅限网格长及以上人员查看")
    now = uow.now()
    stmt = select(Case).where(scope_of(uow.session, person).cases(),
                              Case.status.in_([str(s) for s in ACTIVE]), Case.deadline < now)
    items = [WorkItem(c, "超期", overdue_days(uow, c, now)) for c in uow.session.scalars(stmt)]
    return sorted(items, key=_order)
