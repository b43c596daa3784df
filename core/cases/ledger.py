"""The ledger (台账): every change to a case is one appended event; state can be rebuilt from it.

:func:`record` is the only way use cases change a case: it checks the transition table,
sets the fields, and appends the event carrying exactly those fields — so the row and
its ledger cannot drift apart. Events are append-only (ORM guard here, and database
triggers in the migration).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from core.actors import ActorRef
from core.cases.models import Case, CaseEvent
from core.cases.states import Status, next_status
from core.db import recall, remember
from core.errors import InvalidTransition

TRACKED = ("category", "level", "grid_id", "assignee_id", "department", "deadline", "accepted_at",
           "resolved_at", "closed_at", "extension_days", "extension_reason", "external_ticket",
           "merged_into_id", "reject_reason", "rating", "rating_note", "on_time", "urgent")
DATETIME_FIELDS = {"deadline", "accepted_at", "resolved_at", "closed_at"}


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def record(
    session: Session,
    case: Case,
    action: str,
    actor: ActorRef,
    now: datetime,
    *,
    actor_name: str = "",
    note: str = "",
    attachments: Iterable[str] = (),
    **changes: Any,
) -> CaseEvent:
    """Apply ``action`` to ``case`` with ``changes`` and append its ledger event."""
    unknown = set(changes) - set(TRACKED)
    if unknown:
        raise ValueError(f"untracked case fields: {sorted(unknown)}")
    from_status = case.status or ""
    to_status = next_status(from_status, action) if from_status else Status.REPORTED
    for name, value in changes.items():
        setattr(case, name, value)
    case.status = to_status
    case.updated_at = now
    if case.id is None:
        session.flush()
        seq = 1
        changes = {name: getattr(case, name) for name in TRACKED}  # the whole initial state
    elif (previous := recall(session, "last_event", case.id)) is not None:
        seq = previous.seq + 1  # this transaction wrote the last event (the case is locked)
    else:
        last = session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id))
        seq = (last or 0) + 1
    ev = CaseEvent(case_id=case.id, seq=seq, at=now, action=str(action), actor=actor.label,
                   actor_name=actor_name, from_status=from_status, to_status=str(to_status),
                   note=note, attachments=list(attachments),
                   data={k: _encode(v) for k, v in changes.items()})
    session.add(ev)
    remember(session, "last_event", case.id, ev)
    return ev


def rebuild(events: Sequence[CaseEvent]) -> dict[str, Any]:
    """Fold the ledger into the case's fields (status and every tracked field)."""
    state: dict[str, Any] = {name: None for name in TRACKED}
    state["status"] = None
    for ev in sorted(events, key=lambda e: e.seq):
        for name, value in (ev.data or {}).items():
            if name in DATETIME_FIELDS and value is not None:
                value = datetime.fromisoformat(value)
            state[name] = value
        state["status"] = ev.to_status
    return state


def snapshot(case: Case) -> dict[str, Any]:
    """The same shape as :func:`rebuild`, read from the row."""
    data = {name: getattr(case, name) for name in TRACKED}
    data["status"] = case.status
    return data


@event.listens_for(CaseEvent, "before_update")
def _no_update(_mapper: Any, _conn: Any, target: CaseEvent) -> None:
    raise InvalidTransition(f"台账记录不可修改 (event {target.id})")


@event.listens_for(CaseEvent, "before_delete")
def _no_delete(_mapper: Any, _conn: Any, target: CaseEvent) -> None:
    raise InvalidTransition(f"台账记录不可删除 (event {target.id})")
