"""报事直写: a resident's report written with a few Core statements instead of the ORM.

The same steps as :func:`core.cases.report.report_case` on its ORM path — report, then
merge into an open case, or accept and dispatch with their pushes — computed by the same
functions: the ledger's :func:`~core.cases.ledger.entry`, the routing rule, the working-day
deadline, the push texts, masks and dedup keys. Only the writing differs: the case by one
``INSERT … RETURNING id`` with its final values, its events by one executemany, the master's
status by one ``UPDATE``, the outbox rows by one executemany — no unit-of-work flush.

The case returned is an ORM ``Case`` placed in the session as if loaded (no SQL): later steps
of the transaction (photos, the inbound row's link) find it as a case made in this transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from core.actors import SYSTEM, ActorRef
from core.cases import notify
from core.cases.codes import next_code
from core.cases.common import actor_name, choose_assignee, deadline_for
from core.cases.ledger import TRACKED, Entry, entry, last_seq_of
from core.cases.models import Case, CaseEvent
from core.cases.states import Action
from core.db import adopt, as_loaded, recall, remember
from core.outbox import enqueue_many, outbox_values
from core.prepared import Prepared
from core.registry.directory import CoreDirectory
from core.registry.models import Grid
from core.registry.places import GridRef
from core.uow import UnitOfWork

if TYPE_CHECKING:
    from core.cases.report import ReportInput

_CASES = Case.__table__
_INSERT_CASE = Prepared(insert(_CASES).returning(_CASES.c.id))
_INSERT_EVENTS = Prepared(insert(CaseEvent.__table__))
_UPDATE_MASTER = Prepared(update(_CASES).where(_CASES.c.id == bindparam("master_id"))
                          .values(status=bindparam("to_status"), updated_at=bindparam("at")))


# Its last seq is read by a statement of its own, after the lock: on PostgreSQL a subquery here
# would use the snapshot taken before waiting for the lock, and miss the event of the
# transaction waited for.
_LOCK_MASTER = Prepared(select(_CASES).where(_CASES.c.id == bindparam("case_id")).with_for_update(of=_CASES))


def _column_default(name: str) -> Any:
    default = _CASES.c[name].default
    return default.arg if default is not None and default.is_scalar else None


# What a new row holds in each column nobody sets: the model's own defaults.
DEFAULTS: dict[str, Any] = {c.name: _column_default(c.name) for c in _CASES.columns if c.name != "id"}


class Draft:
    """The case being filed, as plain attributes named like ``Case``'s columns, plus ``grid``
    (a :class:`~core.registry.places.GridRef`): what the push texts and rules read."""

    grid: GridRef | None

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def eligible(uow: UnitOfWork, actor: ActorRef, inp: ReportInput) -> bool:
    """Whether the report may take this path: a resident's, not resolved on the spot."""
    return uow.env.direct_filing and actor.kind == "resident" and not inp.resolved_on_spot


class _Filing:
    """One report's rows, collected in the order the ORM path would write them."""

    def __init__(self, uow: UnitOfWork, case: Any) -> None:
        self.uow, self.case = uow, case
        self.events: list[dict[str, Any]] = []
        self.pushes: list[dict[str, Any]] = []
        self.last_seq = 0
        self.master_status, self.master_at = "", uow.now()  # the LINK on the master (merge)

    def record(self, action: str, actor: ActorRef, now: datetime, *, actor_name: str = "",
               note: str = "", attachments: Sequence[str] = (), **changes: Any) -> Entry:
        """:func:`core.cases.ledger.record`'s steps on the in-memory case, the event kept as values."""
        case = self.case
        state = None
        if self.last_seq == 0:
            state = {name: getattr(case, name) for name in TRACKED} | changes
        e = entry(case.status or "", action, changes, last_seq=self.last_seq, state=state)
        for name, value in changes.items():
            setattr(case, name, value)
        case.status, case.updated_at = e.to_status, now
        self.last_seq = e.seq
        self.events.append(_event(e, action, actor, now, actor_name, note, attachments))
        return e

    def queue(self, pushes: list[dict[str, Any]]) -> None:
        seen = {p["dedup_key"] for p in self.pushes}
        for push in pushes:
            if push["dedup_key"] not in seen:  # enqueue's check of the pending rows
                seen.add(push["dedup_key"])
                self.pushes.append(push)


def _event(e: Entry, action: str, actor: ActorRef, now: datetime, actor_name: str, note: str,
           attachments: Any) -> dict[str, Any]:
    return {"seq": e.seq, "at": now, "action": str(action), "actor": actor.label,
            "actor_name": actor_name, "from_status": e.from_status, "to_status": e.to_status,
            "note": note, "attachments": list(attachments), "data": e.data}


def file_report(uow: UnitOfWork, actor: ActorRef, inp: ReportInput, grid: GridRef | None,
                master: Case | None) -> tuple[Case, bool]:
    """Write the report (merged into ``master`` when given); returns the case and whether it
    was accepted."""
    from core.cases.report import urgent_pushes

    now = uow.now()
    case: Any = Draft(**DEFAULTS)
    case.id, case.code, case.status = None, next_code(uow.session, now.date()), ""
    case.description, case.reported_at, case.channel = inp.description.strip(), now, inp.channel
    case.grid, case.address, case.reporter_openid = grid, inp.address, actor.ref
    f = _Filing(uow, case)
    f.record(Action.REPORT, actor, now, note=inp.note, attachments=inp.attachments,
             category=inp.category, level=uow.env.routing.first_level_for(inp.category),
             grid_id=grid.id if grid else None, urgent=inp.urgent)
    accepted = False
    if master is not None:
        _merge(f, master)
    else:
        directory = CoreDirectory(uow.session)
        if inp.urgent:
            f.queue(urgent_pushes(uow, case, f.last_seq, directory))
        if inp.confident and grid is not None:
            _accept_and_dispatch(f, directory)
            accepted = True
    return _write(f, master), accepted


def lock_master(uow: UnitOfWork, case_id: int) -> Case | None:
    """The case a report repeats, locked (``FOR UPDATE``) and read as one row; it joins the
    session as if loaded by the ORM path's query (relations load when asked)."""
    session = uow.session
    if session.identity_map.get(identity_key(Case, case_id)) is not None:
        from core.cases.report import _lock_master

        return _lock_master(uow, case_id)  # already in the session: as the ORM path does
    row = _LOCK_MASTER.mapping(session, {"case_id": case_id})
    if row is None:
        return None
    master = as_loaded(Case, row)
    adopt(session, master, new=True)
    return master


def _merge(f: _Filing, master: Case) -> None:
    """:func:`core.cases.report.merge_into` by the system: no push."""
    case, now = f.case, f.uow.now()
    f.record(Action.MERGE, SYSTEM, now, note=f"与 {master.code} 为同一事项，合并办理",
             merged_into_id=master.id, reject_reason="duplicate")
    previous = recall(f.uow.session, "last_event", master.id)
    last = previous.seq if previous is not None else last_seq_of(f.uow.session, master.id)
    e = entry(master.status, Action.LINK, {}, last_seq=last)
    f.events.append(_event(e, Action.LINK, SYSTEM, now, "", f"合并重复件 {case.code}", ())
                    | {"case_id": master.id})
    f.master_status, f.master_at = e.to_status, now


def _accept_and_dispatch(f: _Filing, directory: CoreDirectory) -> None:
    """:func:`core.cases.flow.accept_case` then ``dispatch_case`` by the system."""
    from core.cases.flow import dispatch_askers

    uow, case = f.uow, f.case
    now = uow.now()
    e = f.record(Action.ACCEPT, SYSTEM, now, actor_name=actor_name(None), category=case.category,
                 level=case.level, grid_id=case.grid_id, accepted_at=now,
                 deadline=deadline_for(uow, case.level, now))
    f.queue(notify.reporter_pushes(uow, case, e.seq, "accepted", notify.accepted_text(case),
                                   [case.reporter_openid] if case.reporter_openid else []))
    target, department = choose_assignee(uow, case.category, case.level, case.grid, directory)
    if target is None:
        f.queue(notify.needs_dispatch_pushes(uow, case, dispatch_askers(case.grid, directory)))
        return
    e = f.record(Action.DISPATCH, SYSTEM, uow.now(), actor_name=actor_name(None), note="",
                 assignee_id=target.id, department=department)
    f.queue(notify.staff_pushes(uow, case, e.seq, "dispatch", [target], notify.dispatch_title(case),
                                notify.dispatch_text(case)))


def _write(f: _Filing, master: Case | None) -> Case:
    """The case with its final values, its events, the master's status, the pushes; then the
    case joins the session as an ORM ``Case``, as if loaded."""
    session, draft = f.uow.session, f.case
    values = {name: getattr(draft, name) for name in DEFAULTS}
    values["id"] = _INSERT_CASE.scalar(session, values)
    _INSERT_EVENTS.executemany(session, [{"case_id": values["id"]} | ev for ev in f.events])
    if master is not None:
        _UPDATE_MASTER.execute(session, {"master_id": master.id, "to_status": f.master_status,
                                         "at": f.master_at})
        set_committed_value(master, "status", f.master_status)
        set_committed_value(master, "updated_at", f.master_at)
        adopt(session, master, new=False)
    if f.pushes:
        enqueue_many(session, [outbox_values(**{**push, "case_id": values["id"]}) for push in f.pushes])
    case = as_loaded(Case, values)
    adopt(session, case, new=True)
    if master is not None:
        set_committed_value(case, "merged_into", master)
    grid = session.identity_map.get(identity_key(Grid, draft.grid_id)) if draft.grid_id else None
    if grid is not None or draft.grid_id is None:  # else the grid loads when asked for
        set_committed_value(case, "grid", grid)
    remember(session, "new_case", case.code, case)
    return case
