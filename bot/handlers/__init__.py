"""Handler registries (处理器注册表): explicit dicts, no decorators filling globals.

Every handler is ``(Inbound, BotContext) -> str`` and answers something — help text
when nothing else fits. ``tests`` check that every intent and command has one.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import BotContext
from bot.handlers import events, report, resident
from bot.handlers.staff import STAFF_COMMANDS
from bot.inbound import Inbound

Handler = Callable[[Inbound, BotContext], str]

INTENTS = ("report", "consult", "query", "rate", "praise", "chitchat")

RESIDENT_HANDLERS: dict[str, Handler] = {
    # intents of bot.nlp.classify
    "report": report.handle_report,
    "consult": resident.consult,
    "query": resident.query,
    "rate": resident.rate,
    "praise": resident.praise,
    "chitchat": resident.chitchat,
    # message kinds and pending questions
    "image": report.handle_photo,
    "location": report.handle_location,
    "menu_choice": report.menu_choice,
    "address_answer": report.address_answer,
    "rating_answer": resident.rating_answer,
    "help": resident.help_text,
}

RESIDENT_COMMANDS: dict[str, Handler] = {
    "查询": resident.query,
    "进度": resident.query,
    "评价": resident.rate,
    "绑定": resident.bind,
    "公示": resident.publicity,
    "订阅公示": resident.subscribe,
    "取消订阅公示": resident.subscribe,
    "帮助": resident.help_text,
    "help": resident.help_text,
    "?": resident.help_text,
    "？": resident.help_text,
}

RESIDENT_EVENTS: dict[str, Handler] = {
    "subscribe": events.subscribed,
    "unsubscribe": events.unsubscribed,
    "click": events.click,
    "location": events.location_event,
    "unknown": events.unknown_event,
}

__all__ = ["INTENTS", "RESIDENT_COMMANDS", "RESIDENT_EVENTS", "RESIDENT_HANDLERS",
           "STAFF_COMMANDS", "Handler"]
