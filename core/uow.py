"""Unit of work and the environment the use cases run in (工作单元).

Use cases are plain functions taking an open :class:`UnitOfWork`; the ``with`` block
commits on a clean exit and rolls back on an exception, so a case change and the
outbox rows it causes land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from core.calendar import WorkCalendar
from core.cases.policy import RoutingTable, TimeLimitPolicy
from core.clock import Clock


def _no_similarity(_a: str, _b: str) -> float:
    return 0.0


def _identity(text: str) -> str:
    return text


@dataclass
class Env:
    """Everything a use case needs besides the database session (wired by bootstrap)."""

    session_factory: sessionmaker
    clock: Clock
    calendar: WorkCalendar
    policy: TimeLimitPolicy
    routing: RoutingTable
    similarity: Callable[[str, str], float] = field(default=_no_similarity)
    similarity_threshold: float = 0.6
    mask: Callable[[str], str] = field(default=_identity)
    public_base_url: str = "http://127.0.0.1:5000"
    merge_window_hours: int = 72
    link_key: str = ""  # signs the digest's links to the stats page; empty → no link
    stats_link_hours: int = 72
    direct_filing: bool = True  # a resident's report written by Core statements (core.cases.filing)


class UnitOfWork:
    """One transaction: ``with UnitOfWork(env) as uow: use_case(uow, …)``."""

    session: Session

    def __init__(self, env: Env) -> None:
        self.env = env

    def __enter__(self) -> UnitOfWork:
        self.session = self.env.session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    def now(self) -> datetime:
        return self.env.clock.now()
