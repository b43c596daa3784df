"""受理立项 → 任务派遣 → 处理反馈 → 核查结案: the main line of the closed loop."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.actors import SYSTEM, ActorRef
from core.cases import notify
from core.cases.common import actor_name, authorize, deadline_for, load_case, route
from core.cases.ledger import record
from core.cases.models import Case
from core.cases.permissions import VERIFIERS
from core.cases.policy import CATEGORIES
from core.cases.states import Action, Status
from core.errors import Forbidden, InvalidInput, NotFound
from core.outbox import enqueue
from core.registry.directory import Directory, OrmDirectory, Person
from core.registry.lookup import centre_of, community_of, in_jurisdiction, managers_of, town_of
from core.registry.models import Grid, Role, Staff
from core.uow import UnitOfWork

REJECT_REASONS = {"duplicate": "重复反映", "out_of_scope": "不属于受理范围", "invalid": "信息无效"}


def accept_case(uow: UnitOfWork, actor: ActorRef, code: str, *, category: str | None = None,
                grid_code: str | None = None, dispatch: bool = True) -> Case:
    """受理立项: sets the category (staff may correct it), level and deadline, then dispatches."""
    case = load_case(uow, code)
    if grid_code:
        grid = uow.session.scalar(select(Grid).where(Grid.code == grid_code))
        if grid is None:
            raise NotFound(f"没有编码为 {grid_code} 的网格")
        case.grid = grid
        case.grid_id = grid.id
    person = authorize(uow, actor, case, Action.ACCEPT)
    if person is not None and not in_jurisdiction(person, case.grid):
        raise Forbidden(f"{case.code}：网格 {grid_code} 不在您的管辖范围内")
    if case.grid is None:
        raise InvalidInput(f"{case.code} 尚未确定网格，受理时请注明网格编码")
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(f"未知类别 {category}")
    category = category or case.category
    level = uow.env.routing.first_level_for(category) if category != case.category else case.level
    now = uow.now()
    ev = record(uow.session, case, Action.ACCEPT, actor, now, actor_name=actor_name(person),
                category=category, level=level, grid_id=case.grid_id, accepted_at=now,
                deadline=deadline_for(uow, level, now))
    notify.tell_reporters(uow, case, ev, "accepted", notify.accepted_text(case))
    if dispatch:
        dispatch_case(uow, SYSTEM, case.code)
    return case


def dispatch_case(uow: UnitOfWork, actor: ActorRef, code: str, *, to: str | None = None,
                  note: str = "") -> Case:
    """任务派遣 / 改派: to the named staff member, or by the routing table."""
    case = load_case(uow, code)
    person = authorize(uow, actor, case, Action.DISPATCH)
    if to:
        target = uow.session.scalar(select(Staff).where(Staff.wecom_userid == to))
        if target is None or not target.active:
            raise NotFound(f"没有企业微信账号为 {to} 的工作人员")
        if not in_jurisdiction(target, case.grid) or target.role == Role.SUPERVISOR:
            raise Forbidden(f"{target.name} 不负责该事件所在网格，不能派给他")
        department = target.department if target.role == Role.DEPARTMENT else ""
    else:
        target, department = route(uow, case)
    if target is None:
        _ask_for_dispatch(uow, case)
        return case
    ev = record(uow.session, case, Action.DISPATCH, actor, uow.now(), actor_name=actor_name(person),
                note=note, assignee_id=target.id, department=department)
    case.assignee = target
    notify.tell_staff(uow, case, ev, "dispatch", [target], notify.dispatch_title(case),
                      notify.dispatch_text(case))
    return case


def _ask_for_dispatch(uow: UnitOfWork, case: Case) -> None:
    """No assignee found: the case waits accepted; the community/centre is asked to dispatch."""
    people = dispatch_askers(case.grid, OrmDirectory(uow.session))
    for push in notify.needs_dispatch_pushes(uow, case, people):
        enqueue(uow.session, **push)


def dispatch_askers(grid: Grid | None, directory: Directory) -> Sequence[Person]:
    """Who is asked to dispatch a case no one could be routed to: its community's managers,
    else its town's centre."""
    return directory.at(community_of(grid), Role.MANAGER) or directory.at(town_of(grid), Role.CENTRE)


def claim_case(uow: UnitOfWork, actor: ActorRef, code: str) -> Case:
    """接单: the assignee acknowledges; an accepted case is taken by the actor."""
    case = load_case(uow, code)
    person = authorize(uow, actor, case, Action.CLAIM)
    assert person is not None
    if case.status == Status.DISPATCHED and case.assignee_id not in (None, person.id):
        owner = case.assignee.name if case.assignee else "他人"
        raise Forbidden(f"{case.code} 已派给{owner}，请联系派遣人改派")
    department = person.department if person.role == Role.DEPARTMENT else case.department
    record(uow.session, case, Action.CLAIM, actor, uow.now(), actor_name=person.name,
           assignee_id=person.id, department=department)
    return case


def feedback_case(uow: UnitOfWork, actor: ActorRef, code: str, note: str,
                  attachments: Sequence[str] = ()) -> Case:
    """处理反馈: a progress note (and photos) without changing the state."""
    if not note.strip() and not attachments:
        raise InvalidInput("反馈内容不能为空：反馈 GR… 文字")
    case = load_case(uow, code)
    person = authorize(uow, actor, case, Action.FEEDBACK)
    record(uow.session, case, Action.FEEDBACK, actor, uow.now(), actor_name=actor_name(person),
           note=note.strip(), attachments=attachments)
    return case


def resolve_case(uow: UnitOfWork, actor: ActorRef, code: str, note: str,
                 attachments: Sequence[str] = ()) -> Case:
    """办结: the assignee reports the problem handled; the level's verifier is asked to check."""
    if not note.strip():
        raise InvalidInput("请写明处理结果：办结 GR… 处理情况")
    case = load_case(uow, code)
    person = authorize(uow, actor, case, Action.RESOLVE)
    now = uow.now()
    ev = record(uow.session, case, Action.RESOLVE, actor, now, actor_name=actor_name(person),
                note=note.strip(), attachments=attachments, resolved_at=now)
    notify.tell_reporters(uow, case, ev, "resolved",
                          f"您反映的问题（{case.code}）已处理完毕，正在核查。\n处理情况：{note.strip()[:80]}")
    notify.tell_staff(uow, case, ev, "verify_request", verifiers(uow, case),
                      f"待核查 {case.code}", f"{notify.case_line(case)}\n处理情况：{note.strip()[:120]}",
                      priority=50)
    return case


def verifiers(uow: UnitOfWork, case: Case) -> list[Staff]:
    """核查人 of the case's level."""
    if Role.MANAGER in VERIFIERS[case.level]:
        return managers_of(uow.session, case.grid)
    return centre_of(uow.session, case.grid)


def verify_case(uow: UnitOfWork, actor: ActorRef, code: str, *, passed: bool, note: str = "") -> Case:
    """核查: close the case (结案) or return it for rework (退回)."""
    case = load_case(uow, code)
    action = Action.VERIFY_PASS if passed else Action.VERIFY_RETURN
    if not passed and not note.strip():
        raise InvalidInput("退回须写明原因：核查 GR… 退回 原因")
    person = authorize(uow, actor, case, action)
    now = uow.now()
    if passed:
        on_time = case.deadline is None or (case.resolved_at or now) <= case.deadline
        ev = record(uow.session, case, action, actor, now, actor_name=actor_name(person),
                    note=note, closed_at=now, on_time=on_time)
        notify.tell_reporters(uow, case, ev, "closed",
                              f"您反映的问题（{case.code}）已核查结案，感谢您的支持！\n"
                              f"请为办理结果打分：回复「评价 {case.code} 5」（1-5分，5分最满意）",
                              data={"rating_prompt": True})
    else:
        ev = record(uow.session, case, action, actor, now, actor_name=actor_name(person),
                    note=note, resolved_at=None)
        if case.assignee:
            notify.tell_staff(uow, case, ev, "rework", [case.assignee], f"退回返工 {case.code}",
                              f"{notify.case_line(case)}\n退回原因：{note.strip()}")
    return case


def reject_case(uow: UnitOfWork, actor: ActorRef, code: str, reason: str, note: str = "") -> Case:
    """不予受理: with one of the reasons (duplicate, out_of_scope, invalid)."""
    if reason not in REJECT_REASONS:
        raise InvalidInput(f"不予受理的理由须是：{'、'.join(REJECT_REASONS.values())}")
    case = load_case(uow, code)
    person = authorize(uow, actor, case, Action.REJECT)
    ev = record(uow.session, case, Action.REJECT, actor, uow.now(), actor_name=actor_name(person),
                note=note, reject_reason=reason)
    notify.tell_reporters(uow, case, ev, "rejected",
                          f"您反映的问题（{case.code}）不予受理：{REJECT_REASONS[reason]}。"
                          + (f"\n说明：{note}" if note else "") + "\n如有疑问请联系所在社区。")
    return case


def reopen_case(uow: UnitOfWork, actor: ActorRef, code: str, reason: str) -> Case:
    """重新办理: a closed case rated 2 or less goes back to its assignee with a new deadline."""
    case = load_case(uow, code)
    if case.rating is None or case.rating > 2:
        raise Forbidden(f"{case.code} 不是低分评价（≤2分）的事件，不能重新办理")
    person = authorize(uow, actor, case, Action.REOPEN)
    now = uow.now()
    ev = record(uow.session, case, Action.REOPEN, actor, now, actor_name=actor_name(person),
                note=reason, deadline=deadline_for(uow, case.level, now), resolved_at=None,
                closed_at=None, on_time=None, rating=None, rating_note="")
    if case.assignee:
        notify.tell_staff(uow, case, ev, "reopen", [case.assignee], f"重新办理 {case.code}",
                          f"{notify.case_line(case)}\n原因：{reason}")
    notify.tell_reporters(uow, case, ev, "reopened",
                          f"您不满意的事件（{case.code}）已安排重新办理，新的时限：{notify.deadline_text(case)}")
    return case
