"""Who may do what to a case (权限) — by role, level and jurisdiction (SPEC §4, §9).

Pure: takes the facts about the actor and the case, returns the refusal reason or None.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.cases.states import Action
from core.registry.models import ROLE_LABELS, Role

M, L, MG, SV, C, D, AD = (Role.MEMBER, Role.LEADER, Role.MANAGER, Role.SUPERVISOR, Role.CENTRE,
                          Role.DEPARTMENT, Role.ADMIN)

# Who leads each level (首问负责, then up): may accept, dispatch, reject, merge there.
LEVEL_LEADS: dict[str, frozenset[Role]] = {
    "grid": frozenset({L, MG, C, AD}),
    "community": frozenset({MG, C, AD}),
    "town": frozenset({C, AD}),
    "county": frozenset({C, AD}),
}
ACCEPTORS = frozenset({L, MG, C, AD})
# Who verifies (核查) each level.
VERIFIERS: dict[str, frozenset[Role]] = {
    "grid": frozenset({MG, AD}),
    "community": frozenset({MG, AD}),
    "town": frozenset({C, AD}),
    "county": frozenset({C, AD}),
}
# One level up approves an extension (延期审批).
EXTENSION_APPROVERS: dict[str, frozenset[Role]] = {
    "grid": frozenset({MG, AD}),
    "community": frozenset({SV, C, AD}),
    "town": frozenset({C, AD}),
    "county": frozenset({C, AD}),
}
# Roles that may escalate (上报) from each level besides the assignee.
ESCALATORS = LEVEL_LEADS


@dataclass(frozen=True)
class Facts:
    """What the check needs to know."""

    role: Role
    in_jurisdiction: bool
    is_assignee: bool
    level: str
    same_department: bool = False  # staff of the department the case is routed to


def _labels(roles: frozenset[Role]) -> str:
    order = [M, L, MG, SV, C, D, AD]
    return "、".join(ROLE_LABELS[r] for r in order if r in roles and r != AD)


def refusal(action: Action, f: Facts) -> str | None:
    """None when allowed, else the reason a person can read."""
    if not f.in_jurisdiction:
        return "该事件不在您的管辖范围内"
    handler = f.is_assignee or f.same_department
    if action == Action.ACCEPT:  # 首问负责: whoever is asked first accepts, routing does the rest
        return None if f.role in ACCEPTORS else f"只有{_labels(ACCEPTORS)}可以受理事件"
    if action in {Action.DISPATCH, Action.REJECT, Action.MERGE}:
        roles = LEVEL_LEADS[f.level]
        return None if f.role in roles else f"只有{_labels(roles)}可以{_verb(action)}该层级的事件"
    if action == Action.CLAIM:
        return None if f.role != SV else "督导员不承办事件"
    if action in {Action.FEEDBACK, Action.RESOLVE, Action.REQUEST_EXTENSION}:
        if handler or (action != Action.REQUEST_EXTENSION and f.role in LEVEL_LEADS[f.level]):
            return None
        return f"只有承办人可以{_verb(action)}"
    if action == Action.ESCALATE:
        return None if handler or f.role in ESCALATORS[f.level] else "只有承办人或本级负责人可以上报"
    if action == Action.FORWARD:
        return None if f.role in {C, AD} else "只有镇(街道)网格中心可以转县级平台"
    if action == Action.DECIDE_EXTENSION:
        roles = EXTENSION_APPROVERS[f.level]
        return None if f.role in roles else f"延期须由上一级（{_labels(roles)}）审批"
    if action in {Action.VERIFY_PASS, Action.VERIFY_RETURN}:
        roles = VERIFIERS[f.level]
        if f.is_assignee and f.role not in {AD}:
            return "承办人不能核查自己办结的事件"
        return None if f.role in roles else f"只有{_labels(roles)}可以核查该层级的事件"
    if action == Action.REOPEN:
        return None if f.role in {MG, C, AD} else "只有网格管理者可以重新办理"
    return f"工作人员不能执行「{action}」"


def _verb(action: Action) -> str:
    return {Action.ACCEPT: "受理", Action.DISPATCH: "派遣", Action.REJECT: "不予受理",
            Action.MERGE: "合并", Action.FEEDBACK: "反馈", Action.RESOLVE: "办结",
            Action.REQUEST_EXTENSION: "申请延期"}.get(action, str(action))
