"""Outbox delivery (发件箱投递): claim due rows, record each attempt, back off, dead letters.

A worker claims a batch in one short transaction: the rows become ``sending``, their
``attempts`` go up by one and ``next_attempt_at`` becomes the lease expiry (租约). A worker
killed mid-batch leaves ``sending`` rows that any worker claims again once the lease has
run out. PostgreSQL claims with ``SELECT … FOR UPDATE SKIP LOCKED``, so several workers
never take the same row; SQLite serialises the claim with ``BEGIN IMMEDIATE``.
Every later write is fenced on ``(id, status='sending', attempts)``: a worker whose lease
was taken over changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import throttle
from core.outbox import Notification, OutboxStatus

Random = Callable[[], float]  # a uniform source in [0, 1), injected so tests are deterministic
MIN_DELAY = 1.0  # seconds: a retry is never due in the same instant


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try (重试策略): backoff base and cap, tries before a dead letter, lease."""

    max_attempts: int = 8
    backoff_base: float = 30.0  # seconds before the second try
    backoff_cap: float = 3600.0  # longest wait between two tries
    lease: float = 300.0  # seconds a claim is held before another worker may take the row
    batch_size: int = 20
    budget: throttle.Budget = field(default_factory=throttle.Budget)


@dataclass(frozen=True)
class Claim:
    """A claimed row, detached from the session (what the notifier reads)."""

    id: int
    attempts: int
    channel: str
    recipient: str
    kind: str
    title: str
    body: str
    url: str
    data: dict[str, Any]
    priority: int
    case_id: int | None

    @classmethod
    def of(cls, row: Notification) -> Claim:
        return cls(row.id, row.attempts, row.channel, row.recipient, row.kind, row.title,
                   row.body, row.url, dict(row.data or {}), row.priority, row.case_id)


def backoff(attempts: int, policy: DeliveryPolicy, rng: Random) -> timedelta:
    """Exponential backoff with equal jitter (退避): half fixed, half random, capped."""
    delay = min(policy.backoff_cap, policy.backoff_base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=max(MIN_DELAY, delay / 2 + rng() * delay / 2))


def claim_due(session: Session, now: datetime, policy: DeliveryPolicy, *,
              due_by: datetime | None = None, skip_channels: Collection[str] = ()) -> list[Claim]:
    """Claim up to ``batch_size`` due rows (priority, then due time); WeCom rows pass the
    per-recipient throttle first (限流: fold or defer). Run inside the caller's transaction."""
    due_by = due_by or now
    stmt = (select(Notification)
            .where(Notification.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                   Notification.next_attempt_at <= due_by)
            .order_by(Notification.priority, Notification.next_attempt_at, Notification.id)
            .limit(policy.batch_size)
            .with_for_update(skip_locked=True))
    if skip_channels:
        stmt = stmt.where(Notification.channel.not_in(list(skip_channels)))
    rows = list(session.scalars(stmt))
    rows = throttle.admit(session, rows, now, policy.budget, due_by)
    lease_until = now + timedelta(seconds=policy.lease)
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = OutboxStatus.SENDING, row.attempts + 1, lease_until
    session.flush()
    return [Claim.of(r) for r in rows]


def _finish(session: Session, claim: Claim, **values: Any) -> bool:
    """Write the outcome unless another worker took the row over (fenced update)."""
    stmt = (update(Notification)
            .where(Notification.id == claim.id, Notification.status == OutboxStatus.SENDING,
                   Notification.attempts == claim.attempts)
            .values(**values).execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]


def mark_sent(session: Session, claim: Claim, now: datetime,
              data: dict[str, Any] | None = None) -> bool:
    """投递成功."""
    extra = {"data": data} if data is not None else {}
    return _finish(session, claim, status=OutboxStatus.SENT, delivered_at=now, **extra)


def mark_dead(session: Session, claim: Claim, now: datetime, reason: str) -> bool:
    """死信: stop trying and keep the reason for ``outbox --failed``."""
    return _finish(session, claim, status=OutboxStatus.DEAD, last_error=reason[:500],
                   next_attempt_at=now)


def mark_retry(session: Session, claim: Claim, now: datetime, reason: str,
               policy: DeliveryPolicy, rng: Random) -> tuple[OutboxStatus, datetime]:
    """A transient failure: due again after the backoff, or dead after ``max_attempts``."""
    if claim.attempts >= policy.max_attempts:
        mark_dead(session, claim, now, f"{reason} (gave up after {claim.attempts} tries)")
        return OutboxStatus.DEAD, now
    at = now + backoff(claim.attempts, policy, rng)
    _finish(session, claim, status=OutboxStatus.PENDING, next_attempt_at=at, last_error=reason[:500])
    return OutboxStatus.PENDING, at


def release(session: Session, claims: Sequence[Claim], at: datetime) -> None:
    """Hand claimed rows back untried (shutdown, quota pause): the attempt does not count."""
    for claim in claims:
        _finish(session, claim, status=OutboxStatus.PENDING, next_attempt_at=at,
                attempts=claim.attempts - 1)
