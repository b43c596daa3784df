"""The assignee's steps (承办): 接单, 反馈, 办结, and photos that follow them (照片)."""

from __future__ import annotations

from bot.context import BotContext
from bot.handlers.staff.parse import arguments, take_code, usage
from bot.inbound import Inbound
from core.cases.flow import claim_case, feedback_case, resolve_case
from core.cases.models import Case
from core.cases.notify import case_line
from core.cases.resident import attach_to_case

PHOTO_WINDOW_SECONDS = 10 * 60
PHOTO_HINT = ("如需给事件附照片，请先发送“办结 GR…编号 处理结果”（或“反馈 GR…编号 进展”），"
              "10分钟内再发照片。")


def expect_photos(ctx: BotContext, case: Case) -> None:
    """Photos sent in the next ten minutes join ``case`` (kept in the conversation state)."""
    ctx.case_code = case.code
    ctx.conversation.mark("photo_case", case.code, ctx.now())


def claim(inbound: Inbound, ctx: BotContext) -> str:
    """接单 GR…"""
    code, _ = take_code(arguments(inbound.text, "接单"))
    if not code:
        return usage("接单")
    case = claim_case(ctx.uow, ctx.actor, code)
    ctx.case_code = case.code
    return f"已接单：{case_line(case)}\n处理后回复“办结 {case.code} 处理结果”。"


def feedback(inbound: Inbound, ctx: BotContext) -> str:
    """反馈 GR… 进展"""
    code, note = take_code(arguments(inbound.text, "反馈"))
    if not code or not note:
        return usage("反馈")
    case = feedback_case(ctx.uow, ctx.actor, code, note)
    expect_photos(ctx, case)
    return f"已记录反馈：{case.code}\n10分钟内发照片可一并附上。"


def resolve(inbound: Inbound, ctx: BotContext) -> str:
    """办结 GR… 处理结果 (then photos)."""
    code, note = take_code(arguments(inbound.text, "办结"))
    if not code or not note:
        return usage("办结")
    case = resolve_case(ctx.uow, ctx.actor, code, note)
    expect_photos(ctx, case)
    return f"已办结，待核查：{case_line(case)}\n10分钟内发照片可附到该事件。"


def photo(inbound: Inbound, ctx: BotContext) -> str:
    """A photo within ten minutes of 办结/反馈/巡查 joins that case; otherwise how to attach."""
    code = ctx.conversation.recent("photo_case", ctx.now(), PHOTO_WINDOW_SECONDS)
    if inbound.msg_type != "image" or not inbound.media_id or not code:
        return PHOTO_HINT
    case = attach_to_case(ctx.uow, ctx.actor, code, media_ids=[inbound.media_id],
                          note="工作人员现场照片")
    ctx.case_code = case.code
    return f"照片已附到事件 {case.code}。"
