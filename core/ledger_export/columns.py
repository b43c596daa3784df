"""The columns of the 案件台账 and 事件记录 sheets: header, width, kind and how to fill them.

Resident data (description, address, notes, rating comments, openids) goes through
``Context.mask`` — env.mask, or nothing for an admin's unmasked export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from core.calendar import WorkCalendar
from core.cases.flow import REJECT_REASONS
from core.cases.policy import CATEGORY_LABELS, CHANNEL_LABELS, LEVEL_LABELS
from core.cases.queries import is_overdue
from core.cases.states import ACTION_LABELS, STATUS_LABELS, Status
from core.clock import as_local


@dataclass
class Context:
    """What the rows are read with: the clock's time, calendar, masking and name lookups."""

    now: datetime
    calendar: WorkCalendar
    mask: Callable[[str], str]
    masked: bool
    grids: dict[int, tuple[str, str]]
    staff: dict[int, str]
    dispatched: dict[int, datetime]
    merged: dict[int, str]
    seen: dict[str, str] = field(default_factory=dict)

    def hide(self, text: str | None) -> str:
        """``mask(text)``, remembered: ledger notes repeat (已处理, 当场处理, 巡查发现 …)."""
        if not text:
            return ""
        found = self.seen.get(text)
        if found is None:
            if len(self.seen) > 50_000:
                self.seen.clear()
            found = self.seen[text] = self.mask(text)
        return found

    def openid(self, openid: str | None) -> str:
        """A resident's openid: kept to its first 3 and last 2 characters when masked."""
        if not openid:
            return ""
        if not self.masked:
            return openid
        return openid[:3] + "***" + openid[-2:] if len(openid) > 6 else openid[:1] + "***"


@dataclass(frozen=True)
class SheetColumn:
    header: str
    width: float
    kind: str  # text | long (wrapped) | time | int
    value: Callable[[Row, Context], Any]


def _label(labels: dict, value: str | None) -> str:
    return labels.get(value, value or "") if value else ""


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _days_taken(r: Row, c: Context) -> int | None:
    """已用工作日: report → close, or → now while open; nothing for a rejected case."""
    if r.status == Status.REJECTED:
        return None
    end = r.closed_at if r.status == Status.CLOSED and r.closed_at else c.now
    return c.calendar.working_days_between(r.reported_at, end)


def _reporter(r: Row, c: Context) -> str:
    if r.reporter_staff_id:
        return c.staff.get(r.reporter_staff_id, "")
    return f"居民 {c.openid(r.reporter_openid)}" if r.reporter_openid else ""


CASE_COLUMNS: list[SheetColumn] = [
    SheetColumn("编号", 17, "text", lambda r, c: r.code),
    SheetColumn("类别", 9, "text", lambda r, c: _label(CATEGORY_LABELS, r.category)),
    SheetColumn("状态", 12, "text", lambda r, c: _label(STATUS_LABELS, r.status)),
    SheetColumn("层级", 8, "text", lambda r, c: _label(LEVEL_LABELS, r.level)),
    SheetColumn("网格", 16, "text", lambda r, c: c.grids.get(r.grid_id, ("", ""))[1]),
    SheetColumn("地址", 22, "long", lambda r, c: c.hide(r.address)),
    SheetColumn("问题描述", 40, "long", lambda r, c: c.hide(r.description)),
    SheetColumn("反映人", 13, "text", _reporter),
    SheetColumn("来源渠道", 9, "text", lambda r, c: _label(CHANNEL_LABELS, r.channel)),
    SheetColumn("紧急", 5, "text", lambda r, c: "是" if r.urgent else ""),
    SheetColumn("承办人", 10, "text", lambda r, c: c.staff.get(r.assignee_id, "")),
    SheetColumn("承办部门", 10, "text", lambda r, c: r.department or ""),
    SheetColumn("上报时间", 16, "time", lambda r, c: r.reported_at),
    SheetColumn("受理时间", 16, "time", lambda r, c: r.accepted_at),
    SheetColumn("派遣时间", 16, "time", lambda r, c: c.dispatched.get(r.id)),
    SheetColumn("办结时间", 16, "time", lambda r, c: r.resolved_at),
    SheetColumn("结案时间", 16, "time", lambda r, c: r.closed_at),
    SheetColumn("办理时限", 16, "time", lambda r, c: r.deadline),
    SheetColumn("已用工作日", 7, "int", _days_taken),
    SheetColumn("按时办结", 6, "text", lambda r, c: _yes_no(r.on_time)),
    SheetColumn("超期", 5, "text", lambda r, c: "超期" if is_overdue(r, c.now) else ""),
    SheetColumn("转县级工单号", 14, "text", lambda r, c: r.external_ticket or ""),
    SheetColumn("合并至", 17, "text", lambda r, c: c.merged.get(r.merged_into_id, "")),
    SheetColumn("不予受理原因", 11, "text", lambda r, c: _label(REJECT_REASONS, r.reject_reason)),
    SheetColumn("延期申请(天)", 7, "int", lambda r, c: r.extension_days),
    SheetColumn("延期原因", 18, "long", lambda r, c: c.hide(r.extension_reason)),
    SheetColumn("评价", 5, "int", lambda r, c: r.rating),
    SheetColumn("评价意见", 22, "long", lambda r, c: c.hide(r.rating_note)),
]


def _actor(r: Row, c: Context) -> str:
    if r.actor_name:
        return r.actor_name
    kind, _, ref = (r.actor or "").partition(":")
    if kind == "resident":
        return f"居民 {c.openid(ref)}"
    return "系统" if kind == "system" else ref


def _when(value: str) -> str:
    return f"{as_local(datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"


CHANGE_LABELS: dict[str, tuple[str, Callable[[Any, Context], str]]] = {
    "category": ("类别", lambda v, c: _label(CATEGORY_LABELS, v)),
    "level": ("层级", lambda v, c: _label(LEVEL_LABELS, v)),
    "grid_id": ("网格", lambda v, c: c.grids.get(v, ("", str(v)))[1]),
    "assignee_id": ("承办人", lambda v, c: c.staff.get(v, str(v))),
    "department": ("部门", lambda v, c: str(v)),
    "deadline": ("时限", lambda v, c: _when(v)),
    "extension_days": ("延期申请", lambda v, c: f"{v}个工作日"),
    "external_ticket": ("县级工单号", lambda v, c: str(v)),
    "reject_reason": ("不予受理原因", lambda v, c: _label(REJECT_REASONS, v)),
    "rating": ("评价", lambda v, c: f"{v}分"),
    "on_time": ("按时办结", lambda v, c: _yes_no(v)),
    "urgent": ("紧急", lambda v, c: "是"),
}


def _changes(r: Row, c: Context) -> str:
    """The fields the event set, in words (empty values and times of the event itself left out)."""
    data = r.data or {}
    return "；".join(f"{label}：{show(data[name], c)}" for name, (label, show) in CHANGE_LABELS.items()
                    if data.get(name) not in (None, "", False))


EVENT_COLUMNS: list[SheetColumn] = [
    SheetColumn("编号", 17, "text", lambda r, c: r.code),
    SheetColumn("序号", 5, "int", lambda r, c: r.seq),
    SheetColumn("时间", 16, "time", lambda r, c: r.at),
    SheetColumn("动作", 10, "text", lambda r, c: _label(ACTION_LABELS, r.action)),
    SheetColumn("操作人", 13, "text", _actor),
    SheetColumn("原状态", 11, "text", lambda r, c: _label(STATUS_LABELS, r.from_status)),
    SheetColumn("新状态", 11, "text", lambda r, c: _label(STATUS_LABELS, r.to_status)),
    SheetColumn("说明", 40, "long", lambda r, c: c.hide(r.note)),
    SheetColumn("附件数", 6, "int", lambda r, c: len(r.attachments or []) or None),
    SheetColumn("变更内容", 36, "long", _changes),
]
