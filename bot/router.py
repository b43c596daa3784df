"""Which handler answers an inbound message (路由): events, pending questions, commands, intents."""

from __future__ import annotations

from bot.context import BotContext
from bot.handlers import RESIDENT_COMMANDS, RESIDENT_EVENTS, RESIDENT_HANDLERS, STAFF_COMMANDS
from bot.inbound import Inbound
from bot.nlp import classify
from core.cases.resident import touch_resident

_WORDS = sorted(set(RESIDENT_COMMANDS) | set(STAFF_COMMANDS), key=len, reverse=True)  # longest first


def first_word(text: str) -> tuple[str, str]:
    """The command word and the rest: '评价 GR2026… 5' → ('评价', 'GR2026… 5')."""
    text = text.strip().replace("\u3000", " ")
    for word in _WORDS:
        if text.startswith(word):
            return word, text[len(word):].strip(" ：:，,")
    return "", text


def route(inbound: Inbound, ctx: BotContext) -> str:
    if inbound.channel == "wecom":
        return route_staff(inbound, ctx)
    return route_resident(inbound, ctx)


def route_resident(inbound: Inbound, ctx: BotContext) -> str:
    if inbound.event != "unsubscribe":  # any message opens the 48-hour service window
        touch_resident(ctx.uow, inbound.sender)
    if inbound.is_event:
        handler = RESIDENT_EVENTS.get(inbound.event, RESIDENT_EVENTS["unknown"])
        return handler(inbound, ctx)
    if inbound.msg_type in ("image", "location"):
        return RESIDENT_HANDLERS[inbound.msg_type](inbound, ctx)
    if inbound.msg_type not in ("text", "voice") or not inbound.text:
        return RESIDENT_HANDLERS["help"](inbound, ctx)
    pending = ctx.conversation.get("awaiting")
    if pending and pending in RESIDENT_HANDLERS:
        answer = RESIDENT_HANDLERS[pending](inbound, ctx)
        if answer:
            return answer
    word, _ = first_word(inbound.text)
    if word in RESIDENT_COMMANDS:
        return RESIDENT_COMMANDS[word](inbound, ctx)
    rated = RESIDENT_HANDLERS["rating_answer"](inbound, ctx)
    if rated:
        return rated
    ctx.classification = ctx.classification or classify(inbound.text)  # the pipeline's, if it made one
    return RESIDENT_HANDLERS[ctx.classification.intent](inbound, ctx)


def route_staff(inbound: Inbound, ctx: BotContext) -> str:
    if inbound.is_event:
        return ""
    if inbound.msg_type == "image":
        return STAFF_COMMANDS["照片"](inbound, ctx)
    if inbound.msg_type not in ("text", "voice") or not inbound.text:
        return STAFF_COMMANDS["帮助"](inbound, ctx)
    word, _ = first_word(inbound.text)
    return STAFF_COMMANDS.get(word, STAFF_COMMANDS["帮助"])(inbound, ctx)
