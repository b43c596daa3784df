"""Meetings on WeCom (会议与培训): 会议, 培训 (announce), 补课 (make-up), 考勤 (attendance)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from bot.context import BotContext
from bot.handlers.staff.parse import SEPARATORS, arguments
from bot.inbound import Inbound
from core.clock import SHANGHAI
from core.reminders.announce import announce, make_up
from core.reminders.common import when_label
from core.reminders.figures import Tally, month_attendance

USAGE = {
    "会议": "会议 标题 时间（如：会议 防汛部署会 明天 15:00）",
    "培训": "培训 标题 时间（如：培训 消防安全知识 2026-12-03 14:30）",
    "补课": "补课 培训编号（召集人为他人登记：补课 编号 企业微信账号…）",
}
WHEN = re.compile(
    r"(?:(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"|(?P<rel>今天|明天|后天))?\s*(?P<h>\d{1,2})\s*[:点]\s*(?P<mi>\d{2})?\s*分?\s*$")
RELATIVE = {"今天": 0, "明天": 1, "后天": 2}
LIST_LIMIT = 15


def split_when(text: str, today: date) -> tuple[str, datetime | None]:
    """'防汛部署会 明天 15:00' → ('防汛部署会', tomorrow 15:00); no time → (text, None)."""
    text = unicodedata.normalize("NFKC", text).strip(SEPARATORS)
    m = WHEN.search(text)
    if not m or not m.group(0).strip():
        return text, None
    title = text[:m.start()].strip(SEPARATORS)
    try:
        if m.group("m"):
            year = int(m.group("y") or today.year)
            day = date(year, int(m.group("m")), int(m.group("d")))
            if not m.group("y") and day < today:
                day = day.replace(year=year + 1)
        else:
            day = today + timedelta(days=RELATIVE.get(m.group("rel") or "今天", 0))
        moment = datetime(day.year, day.month, day.day, int(m.group("h")), int(m.group("mi") or 0),
                          tzinfo=SHANGHAI)
    except ValueError:
        return text, None
    return title, moment


def _announce(inbound: Inbound, ctx: BotContext, word: str, kind: str) -> str:
    now = ctx.now()
    title, when = split_when(arguments(inbound.text, word), now.date())
    if not title or when is None:
        return f"格式：{USAGE[word]}"
    meeting, told = announce(ctx.uow, ctx.actor, kind, title, when)
    return (f"已通知 {told} 人：{word} {meeting.title} {when_label(now.date(), when)}，"
            f"编号 {meeting.id}。")


def meeting(inbound: Inbound, ctx: BotContext) -> str:
    """会议 标题 时间: announce an ad-hoc meeting to the community's staff."""
    return _announce(inbound, ctx, "会议", "meeting")


def training(inbound: Inbound, ctx: BotContext) -> str:
    """培训 标题 时间: announce a training (学习培训制度)."""
    return _announce(inbound, ctx, "培训", "training")


def makeup(inbound: Inbound, ctx: BotContext) -> str:
    """补课 编号 [账号…]: record a make-up for a missed training."""
    words = re.split(f"[{re.escape(SEPARATORS)}]+", unicodedata.normalize(
        "NFKC", arguments(inbound.text, "补课")).strip())
    number = words[0].lstrip("#") if words else ""
    if not number.isdigit():
        return f"格式：{USAGE['补课']}"
    training_row, people = make_up(ctx.uow, ctx.actor, int(number), [w for w in words[1:] if w])
    names = "、".join(p.name for p in people)
    return f"已登记补课：{training_row.title}（编号 {training_row.id}）— {names}"


def _tally(t: Tally) -> str:
    late = f"（迟到{t.late}）" if t.late else ""
    return (f"应到{t.expected} 签到{t.present}{late} 请假{t.leave} 缺席{t.absent}"
            f" 补课{t.made_up}")


def attendance(inbound: Inbound, ctx: BotContext) -> str:
    """考勤: this month's meetings and trainings — mine, and my jurisdiction's for leaders."""
    f = month_attendance(ctx.uow, ctx.actor)
    lines = [f"本月考勤（{f.month:%Y年%m月}，截至{ctx.now():%m月%d日 %H:%M}）",
             f"我：{_tally(f.mine)}"]
    if f.others:
        lines.append(f"管辖范围内会议、培训 {f.meetings} 场：")
        lines += [f"· {t.person.name} {_tally(t)}" for t in f.others[:LIST_LIMIT]]
        if len(f.others) > LIST_LIMIT:
            lines.append(f"……另有 {len(f.others) - LIST_LIMIT} 人")
    return "\n".join(lines)
