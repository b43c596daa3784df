"""Case, its ledger events and the daily code sequence (事件、台账、编号)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import AwareDateTime, Base
from core.registry.models import Grid, Staff

OPEN_UNMERGED = "status IN ('reported', 'accepted', 'dispatched') AND merged_into_id IS NULL"


class Case(Base):
    """One reported problem as it moves through the closed loop (闭环)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_deadline", "status", "deadline"),
        Index("ix_cases_grid_status", "grid_id", "status"),
        Index("ix_cases_closed_at", "closed_at"),
        Index("ix_cases_reported_at", "reported_at"),
        Index("ix_cases_merged_into", "merged_into_id"),
        # digest, board, 考核 and export over a community and a window (migration 0006)
        Index("ix_cases_grid_resolved", "grid_id", "resolved_at"),
        Index("ix_cases_accepted_at", "accepted_at"),
        Index("ix_cases_grid_closed", "grid_id", "closed_at"),
        # the duplicate check's candidates (migration 0007; predicate as in core/cases/report.py)
        Index("ix_cases_open_by_grid_category", "grid_id", "category", "reported_at",
              sqlite_where=text(OPEN_UNMERGED), postgresql_where=text(OPEN_UNMERGED)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))  # grid | community | town | county
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(256), default="")
    urgent: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str] = mapped_column(String(16), default="official")
    reporter_openid: Mapped[str | None] = mapped_column(String(64), index=True)
    reporter_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    department: Mapped[str] = mapped_column(String(64), default="")
    reported_at: Mapped[datetime] = mapped_column(AwareDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    deadline: Mapped[datetime | None] = mapped_column(AwareDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    extension_days: Mapped[int | None]  # pending extension request (延期申请)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    external_ticket: Mapped[str] = mapped_column(String(64), default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    reject_reason: Mapped[str] = mapped_column(String(32), default="")
    rating: Mapped[int | None]
    rating_note: Mapped[str] = mapped_column(Text, default="")
    on_time: Mapped[bool | None]
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())

    grid: Mapped[Grid | None] = relationship(lazy="joined")
    assignee: Mapped[Staff | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    reporter_staff: Mapped[Staff | None] = relationship(foreign_keys=[reporter_staff_id])
    merged_into: Mapped[Case | None] = relationship(remote_side=[id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.seq", lazy="select"
    )


class CaseEvent(Base):
    """One line of the ledger (台账): appended, never updated or deleted."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_seq", "case_id", "seq", unique=True),
                      Index("ix_case_events_at", "at"),
                      Index("ix_case_events_case_action", "case_id", "action", "at"))  # 0006

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    action: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(80))  # "staff:zhangsan", "resident:o…", "system"
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class CaseSequence(Base):
    """Last case number issued on a day; bumped atomically (编号序列)."""

    __tablename__ = "case_sequences"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
