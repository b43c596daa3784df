"""The closed loop as a pure transition table (闭环状态机) — SPEC §4.

信息采集 (report) → 受理立项 (accept) → 任务派遣 (dispatch) → 处理反馈 (resolve)
→ 核查结案 (verify). No I/O here: just which action may move which state where.
"""

from __future__ import annotations

from enum import StrEnum

from core.errors import InvalidTransition


class Status(StrEnum):
    REPORTED = "reported"  # 待受理
    ACCEPTED = "accepted"  # 已受理
    DISPATCHED = "dispatched"  # 已派遣
    RESOLVED = "resolved"  # 已办结待核查
    CLOSED = "closed"  # 已结案
    REJECTED = "rejected"  # 不予受理


STATUS_LABELS = {
    Status.REPORTED: "待受理", Status.ACCEPTED: "已受理", Status.DISPATCHED: "已派遣",
    Status.RESOLVED: "已办结待核查", Status.CLOSED: "已结案", Status.REJECTED: "不予受理",
}
OPEN_STATUSES = frozenset({Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.RESOLVED})


class Action(StrEnum):
    REPORT = "report"  # 信息采集
    ACCEPT = "accept"  # 受理立项
    DISPATCH = "dispatch"  # 任务派遣 / 改派
    CLAIM = "claim"  # 接单
    FEEDBACK = "feedback"  # 处理反馈 (progress note)
    RESOLVE = "resolve"  # 办结
    ESCALATE = "escalate"  # 上报
    FORWARD = "forward"  # 转县级平台, external ticket recorded
    REQUEST_EXTENSION = "request_extension"  # 延期申请
    DECIDE_EXTENSION = "decide_extension"  # 延期审批
    VERIFY_PASS = "verify_pass"  # 核查通过 → 结案
    VERIFY_RETURN = "verify_return"  # 核查退回 → 返工
    REJECT = "reject"  # 不予受理
    MERGE = "merge"  # 重复件合并 (the duplicate is closed as rejected: duplicate)
    RATE = "rate"  # 评价
    REOPEN = "reopen"  # 低分重办
    SUPERVISE = "supervise"  # 督办 (reminder recorded in the ledger)
    LINK = "link"  # 关联重复件: a duplicate was merged into this case
    ATTACH = "attach"  # 补充材料: photos, a location or words added to an open case


ACTION_LABELS = {
    Action.REPORT: "信息采集", Action.ACCEPT: "受理立项", Action.DISPATCH: "任务派遣",
    Action.CLAIM: "接单", Action.FEEDBACK: "处理反馈", Action.RESOLVE: "办结",
    Action.ESCALATE: "上报", Action.FORWARD: "转县级平台", Action.REQUEST_EXTENSION: "延期申请",
    Action.DECIDE_EXTENSION: "延期审批", Action.VERIFY_PASS: "核查结案",
    Action.VERIFY_RETURN: "核查退回", Action.REJECT: "不予受理", Action.MERGE: "合并重复件",
    Action.RATE: "评价", Action.REOPEN: "重新办理", Action.SUPERVISE: "督办",
    Action.LINK: "关联重复件", Action.ATTACH: "补充材料",
}

S, A = Status, Action
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.REPORTED, A.ACCEPT): S.ACCEPTED,
    (S.REPORTED, A.REJECT): S.REJECTED,
    (S.REPORTED, A.MERGE): S.REJECTED,
    (S.ACCEPTED, A.DISPATCH): S.DISPATCHED,
    (S.ACCEPTED, A.CLAIM): S.DISPATCHED,
    (S.ACCEPTED, A.ESCALATE): S.DISPATCHED,
    (S.ACCEPTED, A.REJECT): S.REJECTED,
    (S.ACCEPTED, A.MERGE): S.REJECTED,
    (S.ACCEPTED, A.SUPERVISE): S.ACCEPTED,
    (S.DISPATCHED, A.DISPATCH): S.DISPATCHED,
    (S.DISPATCHED, A.CLAIM): S.DISPATCHED,
    (S.DISPATCHED, A.FEEDBACK): S.DISPATCHED,
    (S.DISPATCHED, A.RESOLVE): S.RESOLVED,
    (S.DISPATCHED, A.ESCALATE): S.DISPATCHED,
    (S.DISPATCHED, A.FORWARD): S.DISPATCHED,
    (S.DISPATCHED, A.REQUEST_EXTENSION): S.DISPATCHED,
    (S.DISPATCHED, A.DECIDE_EXTENSION): S.DISPATCHED,
    (S.DISPATCHED, A.REJECT): S.REJECTED,
    (S.DISPATCHED, A.MERGE): S.REJECTED,
    (S.DISPATCHED, A.SUPERVISE): S.DISPATCHED,
    (S.RESOLVED, A.VERIFY_PASS): S.CLOSED,
    (S.RESOLVED, A.VERIFY_RETURN): S.DISPATCHED,
    (S.RESOLVED, A.SUPERVISE): S.RESOLVED,
    (S.REPORTED, A.ATTACH): S.REPORTED,
    (S.ACCEPTED, A.ATTACH): S.ACCEPTED,
    (S.DISPATCHED, A.ATTACH): S.DISPATCHED,
    (S.RESOLVED, A.ATTACH): S.RESOLVED,
    (S.REPORTED, A.LINK): S.REPORTED,
    (S.ACCEPTED, A.LINK): S.ACCEPTED,
    (S.DISPATCHED, A.LINK): S.DISPATCHED,
    (S.RESOLVED, A.LINK): S.RESOLVED,
    (S.CLOSED, A.RATE): S.CLOSED,
    (S.CLOSED, A.REOPEN): S.DISPATCHED,
}


def next_status(current: str, action: str) -> Status:
    """The state after ``action``; raises :class:`InvalidTransition` with a readable reason."""
    key = (Status(current), Action(action))
    if key not in TRANSITIONS:
        state = STATUS_LABELS[Status(current)]
        raise InvalidTransition(f"事件当前状态为「{state}」，不能{ACTION_LABELS[Action(action)]}")
    return TRANSITIONS[key]


def allowed_actions(current: str) -> list[Action]:
    """Actions that may follow ``current`` (for help texts and tests)."""
    return [a for (s, a) in TRANSITIONS if s == Status(current)]
