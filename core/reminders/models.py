"""Meetings and attendance (会议、考勤): what 签到, 请假 and 补课 attach to.

A standing meeting (早例会, 周例会, 月总结会) becomes a row when its first reminder runs;
an announced meeting or training (会议, 培训) when a convener announces it. Each expected
participant gets an attendance row at once (未签到), so attendance can be counted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import AwareDateTime, Base
from core.registry.models import Grid, Staff


class Presence(StrEnum):
    """考勤状态 of one participant."""

    EXPECTED = "expected"  # 未签到 (缺席 once the sign-in window has passed)
    PRESENT = "present"  # 已签到
    LEAVE = "leave"  # 请假
    MADE_UP = "made_up"  # 已补课 (trainings)


PRESENCE_LABELS = {Presence.EXPECTED: "未签到", Presence.PRESENT: "已签到",
                   Presence.LEAVE: "请假", Presence.MADE_UP: "已补课"}


class Meeting(Base):
    """会议 / 培训 of a community (or a town): kind, title, start, convener, agenda."""

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("grid_id", "kind", "starts_at", name="uq_meetings_grid_kind_start"),
        Index("ix_meetings_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # morning | weekly | monthly | meeting | training
    title: Mapped[str] = mapped_column(String(64))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    starts_at: Mapped[datetime] = mapped_column(AwareDateTime())
    convener_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    agenda: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())

    grid: Mapped[Grid] = relationship(lazy="joined")
    convener: Mapped[Staff | None] = relationship(lazy="joined")


class Attendance(Base):
    """考勤: one participant of one meeting — 未签到, 已签到, 请假 or 已补课."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "staff_id", name="uq_meeting_attendance_meeting_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=Presence.EXPECTED)
    at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # 签到 / 请假 / 补课 time
    note: Mapped[str] = mapped_column(Text, default="")  # leave reason, make-up note

    meeting: Mapped[Meeting] = relationship(lazy="joined")
    staff: Mapped[Staff] = relationship(lazy="joined")
