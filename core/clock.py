"""Injected clock (时钟): the domain never reads the system time itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in Asia/Shanghai."""
        ...


class SystemClock:
    """The real clock."""

    def __init__(self, tz: ZoneInfo = SHANGHAI) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(self.tz)


class FixedClock:
    """A clock for tests, demos and ``--now``: stands still until moved."""

    def __init__(self, at: datetime) -> None:
        self._at = as_local(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = as_local(at)

    def advance(self, **delta: float) -> datetime:
        self._at = self._at + timedelta(**delta)
        return self._at


def as_local(at: datetime) -> datetime:
    """Attach or convert to Asia/Shanghai (naive values are taken as Shanghai time)."""
    if at.tzinfo is None:
        return at.replace(tzinfo=SHANGHAI)
    return at.astimezone(SHANGHAI)
