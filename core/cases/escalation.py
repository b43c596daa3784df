"""上报 (escalate level by level), 转县级平台 (forward) and 延期 (extension)."""

from __future__ import annotations

from core.actors import ActorRef
from core.cases import notify
from core.cases.common import (
    actor_name,
    authorize,
    deadline_for,
    level_started_at,
    load_case,
    route,
)
from core.cases.flow import verifiers
from core.cases.ledger import record
from core.cases.models import Case
from core.cases.permissions import EXTENSION_APPROVERS
from core.cases.policy import LEVEL_LABELS, next_level
from core.cases.states import Action
from core.errors import Forbidden, InvalidInput
from core.registry.lookup import centre_of, managers_of, supervisors_of
from core.registry.models import Role, Staff
from core.uow import UnitOfWork


def escalate_case(uow: UnitOfWork, actor: ActorRef, code: str, reason: str,
                  *, external_ticket: str = "") -> Case:
    """上报 one level: grid → community → town → county (the county leaves the system)."""
    if not reason.strip():
        raise InvalidInput("上报须写明原因：上报 GR… 原因")
    case = load_case(uow, code)
    person = authorize(uow, actor, case, Action.ESCALATE)
    level = next_level(case.level)
    if level is None:
        raise Forbidden(f"{case.code} 已在县级平台办理，不能再上报")
    now = uow.now()
    old_level = case.level
    case.level = level
    assignee, department = route(uow, case)
    case.level = old_level
    changes: dict = {"level": level, "assignee_id": assignee.id if assignee else None,
                     "department": department, "deadline": deadline_for(uow, level, now),
                     "extension_days": None, "extension_reason": ""}
    if level == "county" and external_ticket:
        changes.update(external_ticket=external_ticket.strip(), deadline=None)
    ev = record(uow.session, case, Action.ESCALATE, actor, now, actor_name=actor_name(person),
                note=reason.strip(), **changes)
    case.assignee = assignee
    title = f"上报至{LEVEL_LABELS[level]} {case.code}"
    text = f"{notify.dispatch_text(case)}\n上报原因：{reason.strip()}"
    if assignee:
        notify.tell_staff(uow, case, ev, "dispatch", [assignee], title, text)
    watchers: list[Staff] = supervisors_of(uow.session, case.grid) if level != "community" else []
    if level == "community":
        watchers = managers_of(uow.session, case.grid)
    notify.tell_staff(uow, case, ev, "escalated", [w for w in watchers if w is not assignee],
                      title, text, priority=50)
    return case


def forward_case(uow: UnitOfWork, actor: ActorRef, code: str, external_ticket: str) -> Case:
    """转县级平台: record the external ticket number; the case waits for the county."""
    if not external_ticket.strip():
        raise InvalidInput("请填写县级平台的工单号")
    case = load_case(uow, code)
    if case.level != "county":
        raise Forbidden(f"{case.code} 未上报至县级，不能登记外部工单号")
    person = authorize(uow, actor, case, Action.FORWARD)
    record(uow.session, case, Action.FORWARD, actor, uow.now(), actor_name=actor_name(person),
           note=f"外部工单号 {external_ticket.strip()}", external_ticket=external_ticket.strip(),
           deadline=None)
    return case


def request_extension(uow: UnitOfWork, actor: ActorRef, code: str, days: int, reason: str) -> Case:
    """延期申请: the assignee asks for more working days, with the reason."""
    if days < 1 or days > 30:
        raise InvalidInput("延期天数须为 1-30 个工作日：延期 GR… 天数 原因")
    if not reason.strip():
        raise InvalidInput("延期须注明原因：延期 GR… 天数 原因")
    case = load_case(uow, code)
    person = authorize(uow, actor, case, Action.REQUEST_EXTENSION)
    if case.extension_days:
        raise Forbidden(f"{case.code} 已有待审批的延期申请")
    ev = record(uow.session, case, Action.REQUEST_EXTENSION, actor, uow.now(),
                actor_name=actor_name(person), note=reason.strip(), extension_days=days,
                extension_reason=reason.strip())
    notify.tell_staff(uow, case, ev, "extension_request", approvers(uow, case),
                      f"延期申请 {case.code}",
                      f"{notify.case_line(case)}\n申请延期 {days} 个工作日\n原因：{reason.strip()}\n"
                      f"审批：回复「延期 {case.code} 同意」或「延期 {case.code} 不同意 原因」")
    return case


def approvers(uow: UnitOfWork, case: Case) -> list[Staff]:
    """One level up from the case's level (上一级审批)."""
    if Role.MANAGER in EXTENSION_APPROVERS[case.level]:
        return managers_of(uow.session, case.grid)
    if Role.SUPERVISOR in EXTENSION_APPROVERS[case.level]:
        return supervisors_of(uow.session, case.grid) or centre_of(uow.session, case.grid)
    return verifiers(uow, case)


def decide_extension(uow: UnitOfWork, actor: ActorRef, code: str, *, approve: bool,
                     note: str = "") -> Case:
    """延期审批: approve (new deadline recorded) or refuse."""
    case = load_case(uow, code)
    if not case.extension_days:
        raise Forbidden(f"{case.code} 没有待审批的延期申请")
    person = authorize(uow, actor, case, Action.DECIDE_EXTENSION)
    days, now = case.extension_days, uow.now()
    changes: dict = {"extension_days": None}
    if approve:
        new_deadline = uow.env.calendar.add_working_days(case.deadline or now, days)
        cap = uow.env.policy.max_days
        started = level_started_at(uow, case)
        if cap and uow.env.calendar.working_days_between(started, new_deadline) > cap:
            raise Forbidden(f"按{uow.env.policy.label}，延期后总时限不得超过 {cap} 个工作日")
        changes["deadline"] = new_deadline
    verdict = "同意" if approve else "不同意"
    ev = record(uow.session, case, Action.DECIDE_EXTENSION, actor, now, actor_name=actor_name(person),
                note=f"{verdict}延期 {days} 个工作日" + (f"：{note}" if note else ""), **changes)
    if case.assignee:
        notify.tell_staff(uow, case, ev, "extension_decision", [case.assignee],
                          f"延期{verdict} {case.code}",
                          f"{notify.case_line(case)}\n{verdict}延期 {days} 个工作日"
                          + (f"\n说明：{note}" if note else ""))
    return case
