"""Inbound messages (来信记录): one row per delivered WeChat/WeCom message.

The unique key (channel, dedup_key) is the database half of deduplication: a retried
delivery cannot insert a second row, so it cannot make a second case. The reply given
is stored so a retry gets the same answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import AwareDateTime, Base


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "dedup_key", name="uq_inbound_channel_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    dedup_key: Mapped[str] = mapped_column(String(160))
    sender: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(24))
    content: Mapped[str] = mapped_column(Text, default="")
    media_id: Mapped[str] = mapped_column(String(128), default="")
    received_at: Mapped[datetime] = mapped_column(AwareDateTime())
    reply: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))


def stored_reply(session: Session, channel: str, dedup_key: str) -> str | None:
    """The reply already given to this delivery, or None when it was never seen."""
    return session.scalar(select(InboundMessage.reply).where(
        InboundMessage.channel == channel, InboundMessage.dedup_key == dedup_key))


class WorkLog(Base):
    """民情日志 / 巡查记录: a staff member's log line or patrol record."""

    __tablename__ = "work_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # log | patrol | attendance | leave
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
