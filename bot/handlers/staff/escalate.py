"""上报 (escalate), 延期 (ask for / decide an extension), 转县 (forward to the county)."""

from __future__ import annotations

import re

from bot.context import BotContext
from bot.handlers.staff.parse import arguments, take_code, take_number, take_word, trim, usage
from bot.inbound import Inbound
from core.cases.escalation import decide_extension, escalate_case, forward_case, request_extension
from core.cases.notify import case_line
from core.cases.policy import LEVEL_LABELS

TICKET = re.compile(r"工单号\s*[:：]?\s*([0-9A-Za-z][0-9A-Za-z_\-/]*)\s*$")


def escalate(inbound: Inbound, ctx: BotContext) -> str:
    """上报 GR… 原因 [工单号 XXX]"""
    code, reason = take_code(arguments(inbound.text, "上报"))
    ticket = TICKET.search(reason)
    if ticket:
        reason = trim(reason[:ticket.start()])
    if not code or not reason:
        return usage("上报")
    case = escalate_case(ctx.uow, ctx.actor, code, reason,
                         external_ticket=ticket.group(1) if ticket else "")
    ctx.case_code = case.code
    who = case.assignee.name if case.assignee else "待指派"
    return f"已上报至{LEVEL_LABELS[case.level]}（承办：{who}）：{case_line(case)}"


def extension(inbound: Inbound, ctx: BotContext) -> str:
    """延期 GR… 天数 原因 ｜ 延期 GR… 同意 ｜ 延期 GR… 不同意 原因"""
    code, rest = take_code(arguments(inbound.text, "延期"))
    if not code:
        return usage("延期")
    verdict, note = take_word(rest, ("同意", "不同意", "批准", "不批准"))
    if verdict:
        approve = not verdict.startswith("不")
        if not approve and not note:
            return usage("延期")
        case = decide_extension(ctx.uow, ctx.actor, code, approve=approve, note=note)
        ctx.case_code = case.code
        return f"已{verdict}延期：{case_line(case)}"
    days, reason = take_number(rest)
    if days is None or not reason:
        return usage("延期")
    case = request_extension(ctx.uow, ctx.actor, code, days, reason)
    ctx.case_code = case.code
    return f"已申请延期 {days} 个工作日，待上级审批：{case.code}"


def forward(inbound: Inbound, ctx: BotContext) -> str:
    """转县 GR… 工单号"""
    code, rest = take_code(arguments(inbound.text, "转县"))
    _, ticket = take_word(rest, ("工单号",))
    if not code or not ticket or " " in ticket:
        return usage("转县")
    case = forward_case(ctx.uow, ctx.actor, code, ticket)
    ctx.case_code = case.code
    return f"已转县级平台，工单号 {case.external_ticket}：{case.code}"
