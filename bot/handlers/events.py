"""Official Account events (事件推送): subscribe, unsubscribe, menu clicks, location."""

from __future__ import annotations

from bot.context import BotContext
from bot.handlers import texts
from bot.inbound import Inbound
from core.cases.resident import touch_resident

MENU_KEYS = {"REPORT": "report_menu", "QUERY": "查询", "PUBLICITY": "公示", "GUIDE": "guide"}


def subscribed(inbound: Inbound, ctx: BotContext) -> str:
    touch_resident(ctx.uow, inbound.sender, subscribed=True)
    return texts.WELCOME


def unsubscribed(inbound: Inbound, ctx: BotContext) -> str:
    """Recorded; WeChat shows no reply to an unsubscribe."""
    touch_resident(ctx.uow, inbound.sender, subscribed=False)
    ctx.conversation.clear()
    return ""


def location_event(inbound: Inbound, ctx: BotContext) -> str:
    """The periodic LOCATION report: remembered for the next report, no reply."""
    ctx.conversation.update(last_lat=str(inbound.latitude), last_lng=str(inbound.longitude))
    return ""


def click(inbound: Inbound, ctx: BotContext) -> str:
    """Menu keys map to the same intents as the words (报事, 查询, 公示, 办事指南)."""
    from bot.handlers import RESIDENT_COMMANDS

    key = MENU_KEYS.get(inbound.event_key.upper(), "")
    if key in RESIDENT_COMMANDS:
        return RESIDENT_COMMANDS[key](inbound, ctx)
    if key == "report_menu":
        return "请直接发送文字描述问题和地点（可附照片、位置），我们马上登记派单。"
    if key == "guide":
        return ("常见办事：低保、困难救助、居住证、户籍、失业登记、就业服务、残疾人服务、优抚、"
                "经济适用房/廉租房、计生办证。直接问我，例如“办居住证要带什么”。")
    return texts.RESIDENT_HELP


def unknown_event(inbound: Inbound, ctx: BotContext) -> str:
    return ""
