"""Field work on WeCom: 巡查 (patrol finding), 日志 (民情日志), 签到, 请假 (meeting attendance)."""

from __future__ import annotations

from bot.context import BotContext
from bot.handlers.staff.parse import arguments, usage
from bot.handlers.staff.work import expect_photos
from bot.inbound import Inbound
from bot.nlp import classify
from core.cases.notify import case_line
from core.reminders.attendance import check_in as attend
from core.reminders.attendance import leave_for_meeting
from core.reminders.common import when_label
from core.worklog import patrol, write_log


def patrol_report(inbound: Inbound, ctx: BotContext) -> str:
    """巡查 文字: a finding becomes a case (当场处理 with “已处理”); always a patrol record."""
    text = arguments(inbound.text, "巡查")
    if not text:
        return usage("巡查")
    c = classify(text)
    category = c.category if c.confidence >= ctx.threshold else "other"  # unsure: leader triages
    out = patrol(ctx.uow, ctx.actor, text, category=category, urgent=c.urgent, address=c.address)
    if out.report is None:
        return "巡查记录已保存（未发现问题）。"
    if out.report.merged_into is not None:
        master = out.report.merged_into
        expect_photos(ctx, master)
        return f"巡查已记录。该问题已有事件 {master.code} 在办，已合并。"
    case = out.report.case
    expect_photos(ctx, case)
    if out.resolved_on_spot:
        return f"巡查已记录，当场处理已登记，待核查：{case_line(case)}\n10分钟内发照片可附上。"
    who = f"已派给{case.assignee.name}" if case.assignee else "待受理"
    return f"巡查已记录并立案（{who}）：{case_line(case)}\n10分钟内发照片可附上。"


def daily_log(inbound: Inbound, ctx: BotContext) -> str:
    """日志 文字 (民情日志)."""
    text = arguments(inbound.text, "日志")
    if not text:
        return usage("日志")
    row = write_log(ctx.uow, ctx.actor, text)
    return f"民情日志已记录（{row.at:%m月%d日 %H:%M}）。"


def check_in(inbound: Inbound, ctx: BotContext) -> str:
    """签到: counts for the meeting starting within half an hour either way, if any."""
    out = attend(ctx.uow, ctx.actor, arguments(inbound.text, "签到"))
    if out.meeting is None:
        return f"已签到 {out.log.at:%H:%M}"
    what = f"{out.meeting.title}（{out.meeting.starts_at:%m月%d日 %H:%M}）"
    if out.earlier is not None:
        return f"您已于 {out.earlier:%H:%M} 签到：{what}"
    late = "，迟到" if out.late else ""
    return f"已签到 {out.log.at:%H:%M}：{what}{late}"


def leave(inbound: Inbound, ctx: BotContext) -> str:
    """请假 原因: for the next meeting, forwarded to its convener."""
    reason = arguments(inbound.text, "请假")
    if not reason:
        return usage("请假")
    out = leave_for_meeting(ctx.uow, ctx.actor, reason)
    done = f"已请假，原因：{out.log.text}（{out.log.at:%m月%d日 %H:%M}）"
    if out.meeting is None:
        return done
    who = "、".join(p.name for p in out.told) or "召集人"
    return (f"{done}\n会议：{when_label(out.log.at.date(), out.meeting.starts_at)} "
            f"{out.meeting.title}，已转告{who}。")
