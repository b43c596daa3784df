"""Staff commands on WeCom (网格工作指令): one small module per group, one registry."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import BotContext
from bot.handlers import texts
from bot.inbound import Inbound


def staff_help(inbound: Inbound, ctx: BotContext) -> str:
    return texts.STAFF_HELP


STAFF_COMMANDS: dict[str, Callable[[Inbound, BotContext], str]] = {
    "帮助": staff_help,
    "照片": staff_help,
}
