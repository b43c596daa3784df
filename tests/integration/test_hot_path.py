"""The webhook's hot path does no more database work than it needs (docs/performance.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from core.actors import resident, staff
from core.cases.common import load_case
from core.cases.flow import resolve_case
from core.cases.models import Case, CaseEvent
from core.cases.report import ReportInput, report_case
from core.cases.resident import bind_resident, touch_resident
from core.db import MEMO, recall
from core.errors import NotFound
from core.registry.lookup import find_address
from core.registry.models import Address, Grid

pytestmark = pytest.mark.usefixtures("town")


def report(tx, who: str, text: str):
    return report_case(tx, resident(who), ReportInput(description=text, category="env",
                                                      address="阳光花园3栋"))


@pytest.fixture
def loaded_cases():
    """Codes of the Case rows loaded from the database, in order."""
    codes: list[str] = []

    def on_load(target: Case, _context: object) -> None:
        codes.append(target.code)

    event.listen(Case, "load", on_load)
    yield codes
    event.remove(Case, "load", on_load)


@pytest.mark.parametrize("direct", [False, True], ids=["orm", "core"])
def test_duplicate_scan_loads_only_the_case_it_merges_into(uow, env, clock, loaded_cases, direct):
    env.direct_filing = direct  # the Core writer reads the master as one row: no ORM load at all
    env.similarity = lambda a, b: {"垃圾桶满了": 0.9, "垃圾桶满了没人清": 0.95}.get(b, 0.1) if "又" in a else 0.0
    codes = {}
    for text in ("楼道灯坏了", "垃圾桶满了", "垃圾桶满了没人清", "井盖松了"):
        clock.advance(minutes=5)
        with uow() as tx:
            codes[text] = report(tx, f"o-{len(codes)}", text).case.code
    loaded_cases.clear()
    with uow() as tx:
        out = report(tx, "o-new", "垃圾桶又满了")
        assert out.merged_into is not None and out.merged_into.code == codes["垃圾桶满了没人清"]
    assert loaded_cases == ([] if direct else [codes["垃圾桶满了没人清"]])


def test_duplicate_scan_takes_the_most_recent_of_equal_scores(uow, env, clock):
    env.similarity = lambda a, b: 0.8 if "又" in a else 0.0
    with uow() as tx:
        report(tx, "o-a", "垃圾桶满了")
    clock.advance(minutes=5)
    with uow() as tx:
        newer = report(tx, "o-b", "垃圾站满了").case.code
    with uow() as tx:
        out = report(tx, "o-c", "垃圾桶又满了")
        assert out.merged_into is not None and out.merged_into.code == newer


@pytest.fixture
def statements(runtime):
    """Every SQL statement sent during the test, whitespace folded."""
    sent: list[str] = []

    def on_execute(_conn, _cursor, statement, _params, _context, _many) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(runtime.engine, "before_cursor_execute", on_execute)
    yield sent
    event.remove(runtime.engine, "before_cursor_execute", on_execute)


def test_a_new_report_reads_back_nothing_it_wrote(uow, statements):
    with uow() as tx:
        bind_resident(tx, "o-fresh", "阳光花园3栋")
    statements.clear()
    with uow() as tx:  # as the webhook does it: the message touches the resident first
        touch_resident(tx, "o-fresh")
        out = report_case(tx, resident("o-fresh"), ReportInput(description="垃圾桶满了", category="env"))
        assert out.accepted and out.case.status == "dispatched" and out.case.grid.code == "G01"
    case_reads = [s for s in statements if "FROM cases WHERE cases.code" in s]
    seq_reads = [s for s in statements if "max(case_events.seq)" in s]
    merged_reads = [s for s in statements if "cases.merged_into_id =" in s]
    resident_reads = [s for s in statements if s.startswith("SELECT") and "FROM residents" in s]
    assert (case_reads, seq_reads, merged_reads, len(resident_reads)) == ([], [], [], 1)
    with uow() as tx:
        events = tx.session.scalars(select(CaseEvent.seq).join(Case).where(Case.code == out.case.code)
                                    .order_by(CaseEvent.seq))
        assert list(events) == [1, 2, 3]  # report, accept, dispatch


def test_the_next_transaction_reads_the_ledger_again(uow):
    with uow() as tx:
        code = report(tx, "o-a", "垃圾桶满了").case.code
    with uow() as tx:
        resolve_case(tx, staff("leader1"), code, "已清理")
        assert MEMO not in tx.session.info or "new_case" not in tx.session.info[MEMO]
    with uow() as tx:
        events = tx.session.scalars(select(CaseEvent.action).join(Case).where(Case.code == code)
                                    .order_by(CaseEvent.seq))
        assert list(events) == ["report", "accept", "dispatch", "resolve"]
        assert MEMO not in tx.session.info


def test_a_rolled_back_savepoint_forgets_what_it_wrote(uow):
    with uow() as tx:
        savepoint = tx.session.begin_nested()
        code = report(tx, "o-gone", "垃圾桶满了").case.code
        assert load_case(tx, code).code == code
        savepoint.rollback()
        assert recall(tx.session, "new_case", code) is None
        with pytest.raises(NotFound):
            load_case(tx, code)
        kept = report(tx, "o-kept", "井盖松了").case.code
    with uow() as tx:
        assert list(tx.session.scalars(select(Case.code))) == [kept]


@pytest.fixture
def loaded_addresses():
    ids: list[int] = []

    def on_load(target: Address, _context: object) -> None:
        ids.append(target.id)

    event.listen(Address, "load", on_load)
    yield ids
    event.remove(Address, "load", on_load)


def test_find_address_loads_only_the_estate_named(uow, loaded_addresses):
    with uow() as tx:
        found = find_address(tx.session, "阳光花园5栋楼下路灯坏了")
        assert (found.building, found.grid.code) == ("5栋", "G02")
    assert len(loaded_addresses) <= 6  # 阳光花园's buildings, not 和平新村
    with uow() as tx:
        assert find_address(tx.session, "和平新村东门").grid.code == "G03"
        assert find_address(tx.session, "阳光花园门口") is None  # no building, no whole-estate row
        assert find_address(tx.session, "火星小区3栋") is None


def test_find_address_sees_an_estate_added_after_it_was_asked(uow):
    with uow() as tx:
        assert find_address(tx.session, "和平新村二期3栋").estate == "和平新村"
        assert find_address(tx.session, "锦绣家园3栋") is None
    with uow() as tx:  # e.g. `flask import` in another process
        grid = tx.session.scalar(select(Grid).where(Grid.code == "G03"))
        tx.session.add_all([Address(estate="锦绣家园", building="3栋", grid=grid),
                            Address(estate="和平新村二期", building="", grid=grid)])
    with uow() as tx:
        assert find_address(tx.session, "锦绣家园3栋").estate == "锦绣家园"
        assert find_address(tx.session, "和平新村二期3栋").estate == "和平新村二期"  # longest wins
