"""Dead letters (死信): pushes the worker gave up on, listed with reasons and requeued by hand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.outbox import Notification, OutboxStatus


def dead_letters(session: Session, limit: int = 200) -> list[Notification]:
    """The newest dead rows first (``outbox --failed``)."""
    stmt = (select(Notification).where(Notification.status == OutboxStatus.DEAD)
            .order_by(Notification.next_attempt_at.desc(), Notification.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def requeue(session: Session, row_id: int, now: datetime) -> Notification:
    """重新投递: a dead row becomes due now with a fresh count of tries."""
    row = session.get(Notification, row_id, with_for_update=True)
    if row is None:
        raise NotFound(f"发件箱中没有 #{row_id}")
    if row.status != OutboxStatus.DEAD:
        raise InvalidInput(f"#{row_id} 的状态是 {row.status}，只有死信（dead）可以重新投递")
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, now
    return row
