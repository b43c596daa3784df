"""The ledger (台账): every change to a case is one appended event; state can be rebuilt from it.

:func:`record` is the only way use cases change a case: it checks the transition table,
sets the fields, and appends the event carrying exactly those fields — so the row and
its ledger cannot drift apart. The rules themselves are :func:`entry`, a pure function that
``record`` and the report's Core writer (:mod:`core.cases.filing`) both use. Events are append-only (ORM guard here, and database
triggers in the migration).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event, func, select
from sqlalchemy.orm import Session

from core.actors import ActorRef
from core.cases.models import Case, CaseEvent
from core.cases.states import Status, next_status
from core.db import recall, remember
from core.errors import InvalidTransition
from core.prepared import Prepared

TRACKED = ("category", "level", "grid_id", "assignee_id", "department", "deadline", "accepted_at",
           "resolved_at", "closed_at", "extension_days", "extension_reason", "external_ticket",
           "merged_into_id", "reject_reason", "rating", "rating_note", "on_time", "urgent")
DATETIME_FIELDS = {"deadline", "accepted_at", "resolved_at", "closed_at"}


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Entry:
    """What one ledger event says, before it is written (台账条目)."""

    seq: int
    from_status: str
    to_status: str
    data: dict[str, Any]


def advance(from_status: str, action: str, changes: Mapping[str, Any]) -> Status:
    """The transition rule: the status after ``action`` (a new case starts reported);
    raises for an untracked field or a move the table forbids."""
    unknown = set(changes) - set(TRACKED)
    if unknown:
        raise ValueError(f"untracked case fields: {sorted(unknown)}")
    return next_status(from_status, action) if from_status else Status.REPORTED


def entry(from_status: str, action: str, changes: Mapping[str, Any], *, last_seq: int,
          state: Mapping[str, Any] | None = None) -> Entry:
    """The ledger's rules without a session: the event that ``action`` with ``changes`` appends
    after event ``last_seq``. The first event of a case holds its whole initial ``state`` (every
    tracked field as written); the others hold exactly the fields changed."""
    to_status = advance(from_status, action, changes)
    if last_seq == 0:
        if state is None:
            raise ValueError("the first event needs the case's initial state")
        changes = {name: state.get(name) for name in TRACKED}
    return Entry(last_seq + 1, from_status, str(to_status),
                 {k: _encode(v) for k, v in changes.items()})


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
    from_status = case.status or ""
    to_status = advance(from_status, action, changes)
    for name, value in changes.items():
        setattr(case, name, value)
    case.status = to_status
    case.updated_at = now
    state = None
    if case.id is None:
        session.flush()
        last_seq, state = 0, {name: getattr(case, name) for name in TRACKED}
    elif (previous := recall(session, "last_event", case.id)) is not None:
        last_seq = previous.seq  # this transaction wrote the last event (the case is locked)
    else:
        last_seq = last_seq_of(session, case.id)
    e = entry(from_status, action, changes, last_seq=last_seq, state=state)
    ev = CaseEvent(case_id=case.id, seq=e.seq, at=now, action=str(action), actor=actor.label,
                   actor_name=actor_name, from_status=e.from_status, to_status=e.to_status,
                   note=note, attachments=list(attachments), data=e.data)
    session.add(ev)
    remember(session, "last_event", case.id, ev)
    return ev


_LAST_SEQ = Prepared(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == bindparam("case_id")))


def last_seq_of(session: Session, case_id: int) -> int:
    """The seq of the case's last committed event (0 for none)."""
    return _LAST_SEQ.scalar(session, {"case_id": case_id}) or 0


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
