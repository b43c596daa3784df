"""Per-recipient throttle for WeCom (限流): 30 messages a minute and 1,000 an hour per member.

WeCom silently drops what goes beyond, so the worker never sends it. When more rows are
due for one member than the budget has room for, the last free slot carries ONE digest
(汇总) listing the titles of the rest; those rows are marked sent with a note pointing to
the digest, so nothing is dropped. With no slot free the rows wait until one frees up.
What is already sent (``delivered_at``) or in flight (``sending`` with a live lease) counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.outbox import Notification, OutboxStatus, Priority

CHANNEL = "wecom"
DIGEST_KIND = "digest"
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
ORDER = (Notification.priority, Notification.next_attempt_at, Notification.id)
DIGEST_BYTES = 1800  # WeCom text holds 2048 bytes; keep room for the header


@dataclass(frozen=True)
class Budget:
    """Messages one member may receive (企业微信: 每人每分钟30条、每小时1000条)."""

    per_minute: int = 30
    per_hour: int = 1000


def room(session: Session, recipient: str, now: datetime, budget: Budget) -> tuple[int, datetime]:
    """Free slots for ``recipient`` now, and when the next slot frees when there is none."""
    stmt = select(Notification.status, Notification.delivered_at, Notification.data).where(
        Notification.channel == CHANNEL, Notification.recipient == recipient,
        or_(and_(Notification.status == OutboxStatus.SENT, Notification.delivered_at > now - HOUR),
            and_(Notification.status == OutboxStatus.SENDING, Notification.next_attempt_at > now)))
    times = sorted(now if status == OutboxStatus.SENDING else at
                   for status, at, data in session.execute(stmt)
                   if not (data or {}).get("folded_into"))
    last_minute = [t for t in times if t > now - MINUTE]
    free = min(budget.per_minute - len(last_minute), budget.per_hour - len(times))
    frees_at = now + timedelta(seconds=1)
    if len(last_minute) >= budget.per_minute:
        frees_at = max(frees_at, last_minute[0] + MINUTE)
    if len(times) >= budget.per_hour:
        frees_at = max(frees_at, times[0] + HOUR)
    return free, frees_at


def plan(rows: list[Notification], free: int) -> tuple[list, list, list]:
    """Split one member's due rows into (send, fold into a digest, defer).

    Digests are never folded again; the others keep their priority order."""
    if len(rows) <= free:
        return rows, [], []
    if free <= 0:
        return [], [], rows
    digests = [r for r in rows if r.kind == DIGEST_KIND]
    others = [r for r in rows if r.kind != DIGEST_KIND]
    send = digests[:free]
    slots = free - len(send)
    if slots == 0:
        return send, [], digests[free:] + others
    return send + others[: slots - 1], others[slots - 1:], []


def digest_text(rows: list[Notification]) -> str:
    """The body of a digest: one title a line, cut before WeCom's size limit."""
    lines: list[str] = []
    for i, row in enumerate(rows, 1):
        label = row.title or row.body.split("\n", 1)[0][:40]
        line = f"{i}. {label}"
        if len("\n".join([*lines, line]).encode()) > DIGEST_BYTES:
            lines.append(f"……另有 {len(rows) - i + 1} 条，请回复「待办」查看")
            break
        lines.append(line)
    return "消息较多，已合并发送：\n" + "\n".join(lines)


def fold(session: Session, recipient: str, rows: list[Notification], now: datetime) -> Notification:
    """Make the digest row for ``rows`` and mark them sent, each with a note (合并发送)."""
    digest = Notification(
        dedup_key=f"digest:{recipient}:{min(r.id for r in rows)}", channel=CHANNEL,
        recipient=recipient, kind=DIGEST_KIND, title=f"消息汇总（{len(rows)}条）",
        body=digest_text(rows), url="", data={"folded": [r.id for r in rows]}, case_id=None,
        priority=min((r.priority for r in rows), default=Priority.NORMAL),
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, last_error="",
        created_at=now)
    session.add(digest)
    session.flush()
    for row in rows:
        row.status, row.delivered_at = OutboxStatus.SENT, now
        row.data = {**(row.data or {}), "folded_into": digest.id,
                    "note": f"限流：已合并到汇总消息 #{digest.id}"}
    return digest


def _lock(session: Session, recipient: str) -> None:
    """PostgreSQL: one claim at a time per member, so two workers never share one budget."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"outbox:{recipient}"))))


def _more_due(session: Session, recipient: str, due_by: datetime, seen: set[int],
              limit: int) -> list[Notification]:
    """The member's other due rows, beyond this batch (those no other worker holds)."""
    stmt = (select(Notification)
            .where(Notification.channel == CHANNEL, Notification.recipient == recipient,
                   Notification.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                   Notification.next_attempt_at <= due_by, Notification.id.not_in(seen))
            .order_by(*ORDER).limit(limit).with_for_update(skip_locked=True))
    return list(session.scalars(stmt))


def admit(session: Session, rows: list[Notification], now: datetime, budget: Budget,
          due_by: datetime) -> list[Notification]:
    """The rows to send now: others as they are, WeCom rows through the budget. When a
    member's last free slot is reached, all their due rows (not only this batch's) are
    planned, so one digest carries the whole burst. A member's rows (and digest) take the
    place of their first row in the batch."""
    by_member: dict[str, list[Notification]] = defaultdict(list)
    for row in rows:
        if row.channel == CHANNEL:
            by_member[row.recipient].append(row)
    chosen: dict[str, list[Notification]] = {}
    for recipient in sorted(by_member):  # one lock order: no deadlock between workers
        _lock(session, recipient)
        free, frees_at = room(session, recipient, now, budget)
        mine = by_member[recipient]
        if 0 < free <= len(mine):
            more = _more_due(session, recipient, due_by, {r.id for r in mine}, budget.per_hour)
            mine = sorted(mine + more, key=lambda r: (r.priority, r.next_attempt_at, r.id))
        send, folded, deferred = plan(mine, free)
        for row in deferred:
            row.status, row.next_attempt_at = OutboxStatus.PENDING, frees_at
        chosen[recipient] = send + ([fold(session, recipient, folded, now)] if folded else [])
    out: list[Notification] = []
    for row in rows:
        if row.channel != CHANNEL:
            out.append(row)
        elif row.recipient in chosen:
            out += chosen.pop(row.recipient)
    return out
