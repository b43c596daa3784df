"""Staff commands on WeCom (网格工作指令): one small module per group, one registry."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import BotContext
from bot.handlers import texts
from bot.handlers.staff import escalate, field, manage, meetings, views, work
from bot.inbound import Inbound


def staff_help(inbound: Inbound, ctx: BotContext) -> str:
    return texts.STAFF_HELP


STAFF_COMMANDS: dict[str, Callable[[Inbound, BotContext], str]] = {
    # every member
    "待办": views.todo,
    "详情": views.detail,
    "接单": work.claim,
    "反馈": work.feedback,
    "办结": work.resolve,
    "照片": work.photo,
    "上报": escalate.escalate,
    "延期": escalate.extension,
    "核查": manage.verify,
    "巡查": field.patrol_report,
    "日志": field.daily_log,
    "签到": field.check_in,
    "请假": field.leave,
    "日报": views.daily,
    "考勤": meetings.attendance,
    "补课": meetings.makeup,
    # 网格长 and above
    "督办": views.supervise,
    "统计": views.monthly,
    # managers and the town centre
    "受理": manage.accept,
    "派遣": manage.dispatch,
    "不予受理": manage.reject,
    "合并": manage.merge,
    "重办": manage.reopen,
    "转县": escalate.forward,
    # conveners: managers, supervisors, the town centre
    "会议": meetings.meeting,
    "培训": meetings.training,
    "帮助": staff_help,
}
