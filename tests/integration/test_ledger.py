"""The ledger (台账): append-only, and the case can be rebuilt from it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from core.actors import resident, staff
from core.cases.escalation import decide_extension, escalate_case, request_extension
from core.cases.flow import dispatch_case, resolve_case, verify_case
from core.cases.ledger import rebuild, snapshot
from core.cases.models import Case, CaseEvent
from core.cases.report import ReportInput, rate_case, report_case
from core.errors import InvalidTransition

pytestmark = pytest.mark.usefixtures("town")


def _long_history(uow, clock) -> str:
    with uow() as tx:
        code = report_case(tx, resident("o-1"), ReportInput(
            description="阳光花园3栋门口下水道堵了", category="property")).case.code
    steps = [
        lambda tx: dispatch_case(tx, staff("leader1"), code, to="member1"),
        lambda tx: request_extension(tx, staff("member1"), code, 2, "等疏通车"),
        lambda tx: decide_extension(tx, staff("manager1"), code, approve=True),
        lambda tx: escalate_case(tx, staff("member1"), code, "需要社区协调"),
        lambda tx: resolve_case(tx, staff("leader1"), code, "已疏通", ["media:1", "media:2"]),
        lambda tx: verify_case(tx, staff("manager1"), code, passed=False, note="还有积水"),
        lambda tx: resolve_case(tx, staff("leader1"), code, "已彻底疏通"),
        lambda tx: verify_case(tx, staff("manager1"), code, passed=True),
        lambda tx: rate_case(tx, resident("o-1"), code, 4, "还行"),
    ]
    for step in steps:
        clock.advance(hours=5)
        with uow() as tx:
            step(tx)
    return code


def test_state_rebuilt_from_events_equals_the_row(uow, clock):
    code = _long_history(uow, clock)
    with uow() as tx:
        case = tx.session.scalar(select(Case).where(Case.code == code))
        events = case.events
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert rebuild(events) == snapshot(case)
        # and at every point in between, the prefix rebuilds the state the event recorded
        for i, ev in enumerate(events, start=1):
            assert rebuild(events[:i])["status"] == ev.to_status
        assert events[7].attachments == ["media:1", "media:2"]
        assert {e.actor for e in events} >= {"resident:o-1", "staff:leader1", "system"}


def test_events_cannot_be_updated_or_deleted_through_the_orm(uow, clock):
    code = _long_history(uow, clock)
    with pytest.raises(InvalidTransition, match="台账"), uow() as tx:
        ev = tx.session.scalar(select(CaseEvent).join(Case).where(Case.code == code).limit(1))
        ev.note = "改写历史"
        tx.session.flush()
    with pytest.raises(InvalidTransition, match="台账"), uow() as tx:
        ev = tx.session.scalar(select(CaseEvent).limit(1))
        tx.session.delete(ev)
        tx.session.flush()


def test_database_refuses_update_and_delete_of_events(uow, clock):
    _long_history(uow, clock)
    for stmt in (update(CaseEvent).values(note="x"), delete(CaseEvent)):
        with pytest.raises(DatabaseError, match="append-only"), uow() as tx:
            tx.session.execute(stmt)
    with uow() as tx:
        assert tx.session.scalar(text("SELECT count(*) FROM case_events")) == 12
