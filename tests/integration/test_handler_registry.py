"""Explicit registries: every intent has a handler, and every handler answers an empty message."""

from __future__ import annotations

import pytest

from bot.context import BotContext
from bot.conversation import Conversation
from bot.handlers import (
    INTENTS,
    RESIDENT_COMMANDS,
    RESIDENT_EVENTS,
    RESIDENT_HANDLERS,
    STAFF_COMMANDS,
)
from bot.inbound import Inbound
from bot.nlp import INTENTS as NLP_INTENTS
from bot.store import MemoryStore
from core.errors import CoreError
from core.uow import UnitOfWork

SILENT_OK = {"unsubscribe", "location", "unknown", "menu_choice", "address_answer",
             "rating_answer"}


def test_every_intent_of_the_classifier_has_a_handler():
    assert set(NLP_INTENTS) == set(INTENTS)
    assert set(INTENTS) <= set(RESIDENT_HANDLERS)


def test_staff_registry_has_help_and_photo():
    assert {"帮助", "照片", "待办", "接单", "反馈", "办结", "上报", "延期", "核查", "巡查", "日志",
            "签到", "请假", "日报", "督办", "统计"} <= set(STAFF_COMMANDS)


def _ctx(tx, channel, sender) -> BotContext:
    inbound = Inbound(channel=channel, sender=sender, recipient="gh", msg_type="text",
                      create_time=0, msg_id=1, text="")
    return BotContext(uow=tx, conversation=Conversation(MemoryStore(), channel, sender),
                      settings=None, inbound=inbound)  # type: ignore[arg-type]


@pytest.mark.usefixtures("town")
@pytest.mark.parametrize("name", sorted(set(RESIDENT_HANDLERS) | set(RESIDENT_COMMANDS)
                                        | {f"event:{e}" for e in RESIDENT_EVENTS}))
def test_resident_handlers_answer_an_empty_message(env, settings, name):
    table = RESIDENT_EVENTS if name.startswith("event:") else (
        RESIDENT_HANDLERS if name in RESIDENT_HANDLERS else RESIDENT_COMMANDS)
    handler = table[name.removeprefix("event:")]
    with UnitOfWork(env) as tx:
        ctx = _ctx(tx, "official", "o-empty")
        ctx.settings = settings
        try:
            reply = handler(ctx.inbound, ctx)
        except CoreError as exc:  # a refusal is an answer too
            reply = str(exc)
    assert isinstance(reply, str)
    if name.removeprefix("event:") not in SILENT_OK:
        assert reply.strip(), name


@pytest.mark.usefixtures("town")
@pytest.mark.parametrize("word", sorted(STAFF_COMMANDS))
def test_staff_commands_answer_an_empty_message(env, settings, word):
    with UnitOfWork(env) as tx:
        ctx = _ctx(tx, "wecom", "leader1")
        ctx.settings = settings
        try:
            reply = STAFF_COMMANDS[word](ctx.inbound, ctx)
        except CoreError as exc:
            reply = str(exc)
    assert isinstance(reply, str) and reply.strip(), word
