"""Durable outbox (发件箱): every push is a row written with the change that causes it."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any, NamedTuple

from sqlalchemy import JSON, ForeignKey, Index, String, Text, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import AwareDateTime, Base, note, noted, recall
from core.prepared import Prepared


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
) -> Notification | None:
    """Add a notification unless one with ``dedup_key`` exists; returns the new row or None.

    Runs inside the caller's transaction, so the push exists exactly when the change does.
    A caller that queues many pushes and has read their keys itself (the overdue ladder)
    writes them with :func:`enqueue_many` instead.
    """
    pending = [o for o in session.new if isinstance(o, Notification) and o.dedup_key == dedup_key]
    if pending or (not _about_a_new_case(session, dedup_key) and session.scalar(
            select(Notification.id).where(Notification.dedup_key == dedup_key))):
        return None
    row = Notification(**outbox_values(
        dedup_key=dedup_key, channel=channel, recipient=recipient, kind=kind, body=body, now=now,
        title=title, url=url, priority=priority, case_id=case_id, data=data))
    session.add(row)
    return row


def outbox_values(*, dedup_key: str, channel: str, recipient: str, kind: str, body: str,
                  now: datetime, title: str = "", url: str = "", priority: int = Priority.NORMAL,
                  case_id: int | None = None, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every column of a new outbox row, pending and due ``now`` (the id aside)."""
    return {"dedup_key": dedup_key, "channel": channel, "recipient": recipient, "kind": kind,
            "title": title, "body": body, "url": url, "priority": int(priority), "case_id": case_id,
            "data": data or {}, "status": str(OutboxStatus.PENDING), "attempts": 0,
            "next_attempt_at": now, "last_error": "", "created_at": now, "delivered_at": None}


class Queued(NamedTuple):
    """An outbox row :func:`enqueue_many` wrote, as a job's report shows it."""

    channel: str
    recipient: str
    kind: str
    dedup_key: str


_INSERT = Prepared(insert(Notification.__table__))


def enqueue_many(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert new outbox rows (:func:`outbox_values`) by one executemany, in the caller's
    transaction; returns how many. No ORM objects: for callers that queue hundreds or
    thousands of pushes at once (the overdue ladder, a new case's dispatch) and have made
    sure none of the dedup keys exists. :func:`queued_in` lists them until the transaction
    ends."""
    if not rows:
        return 0
    _INSERT.executemany(session, rows)
    batch = noted(session, "outbox", "batch")
    if batch is None:
        note(session, "outbox", "batch", batch := [])
    batch.extend(Queued(r["channel"], r["recipient"], r["kind"], r["dedup_key"]) for r in rows)
    return len(rows)


def queued_in(session: Session) -> list[Queued]:
    """The rows :func:`enqueue_many` wrote in this transaction."""
    return list(noted(session, "outbox", "batch") or [])
