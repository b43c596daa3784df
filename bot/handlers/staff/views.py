"""Lists and figures for staff: 待办, 督办, 日报, 统计 — one case a line."""

from __future__ import annotations

from bot.context import BotContext
from bot.handlers.staff.parse import LIST_LIMIT, arguments, take_code, usage
from bot.inbound import Inbound
from core.cases.notify import case_line
from core.cases.policy import CATEGORY_LABELS, CHANNEL_LABELS
from core.cases.queries import case_for_staff
from core.cases.states import STATUS_LABELS, Status
from core.clock import as_local
from core.stats import daily_figures, month_figures
from core.workbench import WorkItem, overdue_list, todo_list


def _line(item: WorkItem, *, tag: bool = True) -> str:
    c = item.case
    parts = [f"[{item.tag}] " if tag else "", "【急】" if c.urgent else "",
             f"超期{item.overdue_days}个工作日 " if item.overdue_days else "", case_line(c)]
    if not tag and c.assignee:
        parts.append(f" 承办:{c.assignee.name}")
    return "".join(parts)


def _listing(title: str, items: list[WorkItem], *, tag: bool = True) -> str:
    lines = [f"{title} {len(items)} 件："]
    lines += [f"{i}. {_line(item, tag=tag)}" for i, item in enumerate(items[:LIST_LIMIT], start=1)]
    if len(items) > LIST_LIMIT:
        lines.append(f"……另有 {len(items) - LIST_LIMIT} 件未列出")
    return "\n".join(lines)


def todo(inbound: Inbound, ctx: BotContext) -> str:
    """待办: my open cases and those waiting for my step."""
    items = todo_list(ctx.uow, ctx.actor)
    if not items:
        return "暂无待办事件。"
    return _listing("待办", items)


def supervise(inbound: Inbound, ctx: BotContext) -> str:
    """督办: overdue cases in my jurisdiction, with working days overdue."""
    items = overdue_list(ctx.uow, ctx.actor)
    if not items:
        return "管辖范围内暂无超期事件。"
    return _listing("超期督办", items, tag=False)


def daily(inbound: Inbound, ctx: BotContext) -> str:
    """日报: today's figures for my jurisdiction and my own open count."""
    f = daily_figures(ctx.uow, ctx.actor)
    return (f"今日日报 {f.day:%m月%d日}（{f.label}）\n"
            f"新增 {f.new} ｜ 受理 {f.accepted} ｜ 结案 {f.closed} ｜ 超期 {f.overdue}\n"
            f"我承办未结 {f.mine} 件")


def monthly(inbound: Inbound, ctx: BotContext) -> str:
    """统计: this month by category, closed, on-time rate, average rating."""
    f = month_figures(ctx.uow, ctx.actor)
    kinds = "、".join(f"{CATEGORY_LABELS.get(c, c)} {n}" for c, n in f.by_category) or "无"
    rate = f"{f.on_time_rate:.0%}" if f.on_time_rate is not None else "—"
    score = f"{f.average_rating:.1f}分（{f.rated}件评价）" if f.average_rating is not None else "暂无评价"
    return (f"本月统计 {f.month:%Y年%m月}（{f.label}）\n"
            f"新增 {f.reported} 件：{kinds}\n"
            f"结案 {f.closed} 件 ｜ 按时率 {rate} ｜ 平均评分 {score}")


def detail(inbound: Inbound, ctx: BotContext) -> str:
    """详情 GR…: the case as the resident wrote it (unmasked), for staff of its jurisdiction."""
    code, _ = take_code(arguments(inbound.text, "详情"))
    if not code:
        return usage("详情")
    case = case_for_staff(ctx.uow, ctx.actor, code)
    ctx.case_code = case.code
    who = case.assignee.name if case.assignee else "未派遣"
    lines = [case_line(case),
             f"状态：{STATUS_LABELS[Status(case.status)]} ｜ 承办：{who}",
             f"地址：{case.address or '—'}",
             f"反映时间：{as_local(case.reported_at):%m月%d日 %H:%M}（{CHANNEL_LABELS.get(case.channel, case.channel)}）",
             f"原话：{case.description}"]
    notes = [e for e in case.events if e.note][-3:]
    lines += [f"· {as_local(e.at):%m-%d %H:%M} {e.actor_name}：{e.note}" for e in notes]
    return "\n".join(lines)
