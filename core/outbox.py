"""Durable outbox (发件箱): every push is a row written with the change that causes it."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import AwareDateTime, Base, recall


class Priority(IntEnum):
    URGENT = 0  # 突发事件
    HIGH = 10
    NORMAL = 50
    LOW = 90


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"  # dead letter: gave up, see last_error


class Notification(Base):
    """A message waiting for (or past) delivery to one recipient."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "priority", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # official (resident) | wecom (staff)
    recipient: Mapped[str] = mapped_column(String(64), index=True)  # openid or WeCom userid
    kind: Mapped[str] = mapped_column(String(32))  # dispatch, accepted, resolved, urgent, …
    priority: Mapped[int] = mapped_column(default=Priority.NORMAL)
    title: Mapped[str] = mapped_column(String(128), default="")
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(512), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(AwareDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


def _about_a_new_case(session: Session, dedup_key: str) -> bool:
    """Whether the key is a push about a case made in this transaction (``case:CODE:…``):
    nothing about it can have been committed, so the database need not be asked."""
    if not dedup_key.startswith("case:"):
        return False
    return recall(session, "new_case", dedup_key.split(":", 2)[1]) is not None


def enqueue(
    session: Session,
    *,
    dedup_key: str,
    channel: str,
    recipient: str,
    kind: str,
    body: str,
    now: datetime,
    title: str = "",
    url: str = "",
    priority: int = Priority.NORMAL,
    case_id: int | None = None,
    data: dict[str, Any] | None = None,
    known_absent: bool = False,
) -> Notification | None:
    """Add a notification unless one with ``dedup_key`` exists; returns the new row or None.

    Runs inside the caller's transaction, so the push exists exactly when the change does.
    ``known_absent``: the caller already read, in this transaction, that no row has the key
    (one read for many keys, as the overdue ladder does) and queues each key once, so
    neither the pending rows nor the database are searched again.
    """
    if not known_absent:
        pending = [o for o in session.new
                   if isinstance(o, Notification) and o.dedup_key == dedup_key]
        if pending or (not _about_a_new_case(session, dedup_key) and session.scalar(
                select(Notification.id).where(Notification.dedup_key == dedup_key))):
            return None
    row = Notification(
        dedup_key=dedup_key, channel=channel, recipient=recipient, kind=kind, title=title,
        body=body, url=url, priority=int(priority), case_id=case_id, data=data or {},
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now,
    )
    session.add(row)
    return row
