"""The resident's customer-service window (客服消息 48 小时窗口) and its 5-message cap.

A message from the resident opens the window (``Resident.last_message_at``, and
``window_sent`` back to 0); while ``now - last_message_at < 48 h`` and fewer than 5
messages went out in it, a push may go as a customer-service message. Otherwise it goes
as a template message (模板消息). Counters move with single UPDATEs, so two workers count
right.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.registry.models import Resident

WINDOW = timedelta(hours=48)
CAP = 5


def find_resident(session: Session, openid: str) -> Resident | None:
    return session.scalar(select(Resident).where(Resident.openid == openid))


def is_open(resident: Resident | None, now: datetime) -> bool:
    """True while the window is open and under its cap."""
    if resident is None or resident.last_message_at is None:
        return False
    return now - resident.last_message_at < WINDOW and resident.window_sent < CAP


def _set(session: Session, openid: str, **values: object) -> None:
    stmt = (update(Resident).where(Resident.openid == openid).values(**values)
            .execution_options(synchronize_session=False))
    session.execute(stmt)


def count_custom_message(session: Session, openid: str) -> None:
    """One customer-service message went out in the window."""
    _set(session, openid, window_sent=Resident.window_sent + 1)


def close_window(session: Session, openid: str) -> None:
    """WeChat refused a customer-service message (45015/45047): templates until they write."""
    _set(session, openid, window_sent=CAP)


def mark_unsubscribed(session: Session, openid: str) -> None:
    """43004: the resident no longer follows the account (取消关注)."""
    _set(session, openid, subscribed=False)
