"""Leads' steps (受理立项, 任务派遣, 不予受理, 合并, 重办, 核查) on WeCom."""

from __future__ import annotations

from bot.context import BotContext
from bot.handlers.staff.parse import all_codes, arguments, take_code, take_word, trim, usage
from bot.inbound import Inbound
from core.cases.flow import accept_case, dispatch_case, reject_case, reopen_case, verify_case
from core.cases.notify import case_line
from core.cases.policy import CATEGORIES, CATEGORY_LABELS
from core.cases.report import merge_case

CATEGORY_WORDS = {**{c: c for c in CATEGORIES}, **{v: k for k, v in CATEGORY_LABELS.items()}}
REJECT_WORDS = {"重复反映": "duplicate", "重复": "duplicate", "不属于受理范围": "out_of_scope",
                "不属于": "out_of_scope", "超出受理范围": "out_of_scope", "信息无效": "invalid",
                "无效": "invalid"}


def accept(inbound: Inbound, ctx: BotContext) -> str:
    """受理 GR… [类别代码或中文名] [网格编码]"""
    code, rest = take_code(arguments(inbound.text, "受理"))
    words = rest.split()
    category = next((CATEGORY_WORDS[w.lower()] for w in words if w.lower() in CATEGORY_WORDS), None)
    grids = [w for w in words if w.lower() not in CATEGORY_WORDS]
    if not code or len(grids) > 1 or len(words) > 2:
        return usage("受理")
    case = accept_case(ctx.uow, ctx.actor, code, category=category,
                       grid_code=grids[0] if grids else None)
    ctx.case_code = case.code
    who = f"已派给{case.assignee.name}" if case.assignee else "待派遣"
    return f"已受理（{who}）：{case_line(case)}"


def dispatch(inbound: Inbound, ctx: BotContext) -> str:
    """派遣 GR… 企业微信账号 [交代]"""
    code, rest = take_code(arguments(inbound.text, "派遣"))
    userid, _, note = rest.partition(" ")
    if not code or not userid:
        return usage("派遣")
    case = dispatch_case(ctx.uow, ctx.actor, code, to=userid, note=trim(note))
    ctx.case_code = case.code
    return f"已派遣给{case.assignee.name if case.assignee else userid}：{case_line(case)}"


def reject(inbound: Inbound, ctx: BotContext) -> str:
    """不予受理 GR… 重复|不属于受理范围|无效 [说明]"""
    code, rest = take_code(arguments(inbound.text, "不予受理"))
    word, note = take_word(rest, REJECT_WORDS)
    if not code or not word:
        return usage("不予受理")
    case = reject_case(ctx.uow, ctx.actor, code, REJECT_WORDS[word], note)
    ctx.case_code = case.code
    return f"已不予受理（{word}）：{case.code}"


def merge(inbound: Inbound, ctx: BotContext) -> str:
    """合并 GR… 到 GR… (the first is the duplicate)."""
    codes = all_codes(arguments(inbound.text, "合并"))
    if len(codes) != 2:
        return usage("合并")
    case = merge_case(ctx.uow, ctx.actor, codes[0], codes[1])
    ctx.case_code = case.code
    return f"已将 {codes[0]} 合并到 {codes[1]} 办理。"


def reopen(inbound: Inbound, ctx: BotContext) -> str:
    """重办 GR… 原因"""
    code, reason = take_code(arguments(inbound.text, "重办"))
    if not code or not reason:
        return usage("重办")
    case = reopen_case(ctx.uow, ctx.actor, code, reason)
    ctx.case_code = case.code
    return f"已安排重新办理：{case_line(case)}"


def verify(inbound: Inbound, ctx: BotContext) -> str:
    """核查 GR… 通过 [意见] ｜ 核查 GR… 退回 原因"""
    code, rest = take_code(arguments(inbound.text, "核查"))
    word, note = take_word(rest, ("通过", "退回", "不通过"))
    if not code or not word or (word != "通过" and not note):
        return usage("核查")
    case = verify_case(ctx.uow, ctx.actor, code, passed=word == "通过", note=note)
    ctx.case_code = case.code
    if word == "通过":
        return f"已核查结案：{case.code}"
    return f"已退回返工：{case_line(case)}"
