"""Residents' reports (反映问题): text, the category menu, the address question, photos, location."""

from __future__ import annotations

from bot.context import BotContext
from bot.handlers import texts
from bot.inbound import Inbound
from bot.nlp import CATEGORY_LABELS, classify
from core.cases.report import ReportInput, report_case
from core.cases.resident import attach_to_case, place_case

PHOTO_WINDOW_SECONDS = 30 * 60
COMMON_CATEGORIES = ("env", "facility", "property", "safety", "dispute")


def handle_report(inbound: Inbound, ctx: BotContext) -> str:
    """Free text that reads as a problem: a case now, or the menu when the bot is unsure."""
    c = ctx.classification or classify(inbound.text)
    if c.confidence < ctx.threshold and not c.urgent:
        options = [cand.category for cand in c.candidates[:4] if cand.category != "other"]
        for code in COMMON_CATEGORIES:  # too few guesses: offer the usual kinds
            if len(options) >= 4:
                break
            if code not in options:
                options.append(code)
        options.append("other")
        ctx.conversation.update(awaiting="menu_choice", draft_text=inbound.text, menu=options,
                                draft_address=c.address)
        lines = [f"{i}. {CATEGORY_LABELS[code]}" for i, code in enumerate(options, start=1)]
        return "收到。为了派给合适的人处理，请回复数字选择问题类别：\n" + "\n".join(lines)
    address = c.address or ctx.conversation.get("draft_address")
    return _file(inbound.text, c.category, c.urgent, address, ctx)


def _file(text: str, category: str, urgent: bool, address: str, ctx: BotContext) -> str:
    drafts = ctx.conversation.get_json("draft_media") or []
    outcome = report_case(ctx.uow, ctx.actor, ReportInput(
        description=text, category=category, urgent=urgent, address=address, confident=True))
    case = outcome.case
    ctx.case_code = case.code
    if drafts:
        attach_to_case(ctx.uow, ctx.actor, case.code, media_ids=drafts, note="随报事发送的照片")
    ctx.conversation.clear("awaiting", "draft_text", "menu", "draft_address", "draft_media")
    ctx.conversation.mark("case", case.code, ctx.now())
    head = texts.URGENT_ADVICE + "\n已同时通知网格长和社区。\n" if urgent else ""
    if outcome.merged_into is not None:
        master = outcome.merged_into
        ctx.conversation.update(case=master.code)
        return (f"{head}您反映的问题与事件 {master.code} 为同一事项，已合并办理，进展会一并告知您。")
    lines = [f"{head}已收到您反映的问题。", f"编号：{case.code}",
             f"类别：{CATEGORY_LABELS[case.category]}"]
    if outcome.grid_name is None:
        ctx.conversation.update(awaiting="address_answer")
        lines.append(texts.ASK_ADDRESS)
        return "\n".join(lines)
    lines.append(f"网格：{outcome.grid_name}")
    if case.deadline:
        lines.append(f"办理时限：{case.deadline:%m月%d日 %H:%M}")
    lines.append("可继续发送照片补充；回复“查询”查看进度。")
    return "\n".join(lines)


def menu_choice(inbound: Inbound, ctx: BotContext) -> str:
    """The answer to the category menu; anything but a listed number drops the menu."""
    options = ctx.conversation.get_json("menu") or []
    choice = inbound.text.strip().translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)})
    if not choice.isdigit() or not 1 <= int(choice) <= len(options):
        ctx.conversation.clear("awaiting", "menu", "draft_text", "draft_address")
        return ""
    return _file(ctx.conversation.get("draft_text"), options[int(choice) - 1], False,
                 ctx.conversation.get("draft_address"), ctx)


def address_answer(inbound: Inbound, ctx: BotContext) -> str:
    """The reply to “which estate and building?” for a case still in triage."""
    code = ctx.conversation.get("case")
    c = ctx.classification = ctx.classification or classify(inbound.text)
    if c.intent == "report" and (c.confidence >= ctx.threshold or c.urgent):
        # a new report of its own, not the answer: it gets its own case (nothing swallowed);
        # the earlier case stays in the community's triage queue
        ctx.conversation.clear("awaiting")
        return ""
    grid = place_case(ctx.uow, ctx.actor, code, inbound.text) if code else None
    if grid is None:
        ctx.conversation.clear("awaiting")
        return ""
    ctx.case_code = code
    ctx.conversation.clear("awaiting")
    return f"好的，事件 {code} 已派给{grid.name}处理。回复“查询”查看进度。"


def _case_in_progress(ctx: BotContext) -> str:
    return ctx.conversation.recent("case", ctx.now(), PHOTO_WINDOW_SECONDS)


def handle_photo(inbound: Inbound, ctx: BotContext) -> str:
    """A photo joins the report in progress, or waits for the words of a new one."""
    code = _case_in_progress(ctx)
    if code:
        attach_to_case(ctx.uow, ctx.actor, code, media_ids=[inbound.media_id], note="居民补充照片")
        ctx.case_code = code
        return f"照片已补充到事件 {code}。"
    drafts = (ctx.conversation.get_json("draft_media") or []) + [inbound.media_id]
    ctx.conversation.update(draft_media=drafts[-9:])
    return texts.PHOTO_FIRST


def handle_location(inbound: Inbound, ctx: BotContext) -> str:
    """A location joins the report in progress (and may place it), or starts one."""
    where = f"位置：{inbound.label or ''}（{inbound.latitude}, {inbound.longitude}）"
    code = _case_in_progress(ctx)
    if code:
        attach_to_case(ctx.uow, ctx.actor, code, note=where)
        ctx.case_code = code
        grid = place_case(ctx.uow, ctx.actor, code, inbound.label) if inbound.label else None
        return f"位置已补充到事件 {code}。" + (f"已派给{grid.name}处理。" if grid else "")
    ctx.conversation.update(draft_address=inbound.label)
    return texts.PHOTO_FIRST
