"""Invariants of a generated district, read back through the core (一致性检查).

Used by tests/integration/test_scale_generator.py and ``run.py --check``:
- every case row equals ``rebuild`` of its ledger (``snapshot`` == ``rebuild``); seqs run
  1..n, times never go back, each event's from-status is the previous to-status and each
  step is allowed by the transition table;
- each accept/escalate/reopen deadline is what the real calendar and policy give;
- case codes are GR + report day + the day's sequence, and the day counters match.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import WorkCalendar
from core.cases.ledger import rebuild, snapshot
from core.cases.models import Case, CaseEvent, CaseSequence
from core.cases.policy import TimeLimitPolicy
from core.cases.states import next_status
from core.clock import as_local


def _batches(session: Session, size: int = 2000) -> Iterator[list[Case]]:
    last = 0
    while True:
        cases = list(session.scalars(select(Case).where(Case.id > last).order_by(Case.id)
                                     .limit(size)))
        if not cases:
            return
        last = cases[-1].id
        yield cases


def check_ledger(session: Session, calendar: WorkCalendar, policy: TimeLimitPolicy) -> list[str]:
    """Problems found (empty when the data keeps the core's invariants)."""
    problems: list[str] = []
    per_day: dict = defaultdict(int)
    for cases in _batches(session):
        ids = [c.id for c in cases]
        events: dict[int, list[CaseEvent]] = defaultdict(list)
        for ev in session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(ids))
                                  .order_by(CaseEvent.case_id, CaseEvent.seq)):
            events[ev.case_id].append(ev)
        for case in cases:
            problems += _check_case(case, events[case.id], calendar, policy)
            day = as_local(case.reported_at).date()
            per_day[day] = max(per_day[day], int(case.code[-4:]))
            if case.code[2:10] != f"{day:%Y%m%d}":
                problems.append(f"{case.code}: code does not carry its report day {day}")
        session.expunge_all()
    counters = dict(session.execute(select(CaseSequence.day, CaseSequence.last)).all())
    if counters != dict(per_day):
        problems.append("case_sequences disagree with the codes issued per day")
    return problems


def _check_case(case: Case, events: list[CaseEvent], calendar: WorkCalendar,
                policy: TimeLimitPolicy) -> list[str]:
    out: list[str] = []
    if not events:
        return [f"{case.code}: no ledger"]
    if [e.seq for e in events] != list(range(1, len(events) + 1)):
        out.append(f"{case.code}: seqs are not 1..{len(events)}")
    status, level = "", None
    for prev, ev in zip([None, *events], events, strict=False):
        if prev is not None and ev.at < prev.at:
            out.append(f"{case.code}: event {ev.seq} goes back in time")
        if ev.from_status != status:
            out.append(f"{case.code}: event {ev.seq} starts from {ev.from_status!r}, not {status!r}")
        expected = str(next_status(status, ev.action)) if status else "reported"
        if ev.to_status != expected:
            out.append(f"{case.code}: event {ev.seq} {ev.action} ends in {ev.to_status}")
        status = ev.to_status
        level = ev.data.get("level", level)
        if ev.action in {"accept", "escalate", "reopen"} and ev.data.get("deadline"):
            want = calendar.add_working_days(ev.at, policy.days_for(level))
            if ev.data["deadline"] != want.isoformat():
                out.append(f"{case.code}: {ev.action} deadline {ev.data['deadline']} ≠ {want}")
    if rebuild(events) != snapshot(case):
        out.append(f"{case.code}: the row differs from its rebuilt ledger")
    if case.updated_at != events[-1].at:
        out.append(f"{case.code}: updated_at is not the last event's time")
    return out


def ladder_keys(rows: list[tuple]) -> set[str]:
    """Dedup keys of the ladder's outbox rows among generated outbox rows."""
    return {row[0] for row in rows if row[3].startswith("ladder_")}
