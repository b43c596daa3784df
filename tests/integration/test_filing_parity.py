"""The report's Core writer (core/cases/filing.py) and the ORM path write the same rows.

One scripted sequence of reports — new cases routed to a leader, a department and the
centre, duplicates merged (twice into one case), urgent reports with and without a grid,
an unknown place and an unconfident report that stay reported, a grid with no one to
dispatch to, a report after its master closed — runs once with ``env.direct_filing`` off
(ORM) and once on (Core), each in a fresh database. Cases, ledger events and outbox rows
must agree in every column but ids, and every case's ledger must rebuild its row.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select, text, update

from bot.app import create_app
from core.actors import resident, staff
from core.cases.flow import resolve_case, verify_case
from core.cases.ledger import rebuild, snapshot
from core.cases.models import Case, CaseEvent
from core.cases.report import ReportInput, report_case
from core.cases.resident import bind_resident, touch_resident
from core.db import Base
from core.outbox import Notification
from core.registry.models import Resident, Staff
from core.uow import UnitOfWork
from tests.conftest import PG_URL
from tests.factories import seed_town

SIMILAR = ("垃圾", "井盖", "打架")  # texts sharing one of these words are duplicates


def _similarity(a: str, b: str) -> float:
    return 0.9 if any(w in a and w in b for w in SIMILAR) else 0.1


# who, text, category, address, urgent, confident
SCRIPT: list[tuple[str, str, str, str, bool, bool]] = [
    ("o-1", "阳光花园3栋楼下垃圾堆了三天", "env", "阳光花园3栋", False, True),
    ("o-2", "阳光花园3栋垃圾还是没人清", "env", "阳光花园3栋", False, True),  # merged
    ("o-3", "垃圾桶满了 阳光花园2栋", "env", "", False, True),  # merged again (address in text)
    ("o-4", "和平新村路灯坏了", "city", "和平新村", False, True),  # a department (城管执法)
    ("o-5", "阳光花园5栋井盖松了", "facility", "阳光花园5栋", False, True),  # 市政 → centre
    ("o-6", "和平新村有人打架 快来", "security", "和平新村", True, True),  # urgent
    ("o-7", "不知道哪里着火了", "safety", "", True, True),  # urgent, no grid: stays reported
    ("o-8", "楼道里堆满杂物", "property", "阳光花园1栋", False, False),  # unconfident
    ("o-bound", "楼上噪音太吵", "dispute", "", False, True),  # the resident's own grid (G02)
    ("o-9", "阳光花园4栋垃圾桶坏了", "env", "阳光花园4栋", False, True),  # G02: no leader left
    ("o-10", "阳光花园1栋又有垃圾", "env", "阳光花园1栋", False, True),  # master closed: new
    ("o-11", "和平新村还在打架", "security", "和平新村", True, True),  # urgent, merged: no alert
]


def _run(env: Any, clock: Any, direct: bool) -> list[tuple[Any, ...]]:
    env.direct_filing = direct
    env.similarity = _similarity
    outcomes = []
    with UnitOfWork(env) as tx:
        seed_town(tx.session)
    with UnitOfWork(env) as tx:
        bind_resident(tx, "o-bound", "阳光花园6栋")
    for i, (who, words, category, address, urgent, confident) in enumerate(SCRIPT):
        clock.advance(minutes=7)
        if who == "o-9":  # G02's leader leaves: no one to route to, the community is asked
            with UnitOfWork(env) as tx:
                tx.session.execute(update(Staff).where(Staff.wecom_userid == "leader2").values(active=False))
        if who == "o-10":  # the first case is handled and closed before the next report
            with UnitOfWork(env) as tx:
                first = outcomes[0][0]
                resolve_case(tx, staff("leader1"), first, "已清理")
                verify_case(tx, staff("manager1"), first, passed=True)
        with UnitOfWork(env) as tx:
            touch_resident(tx, who)
            out = report_case(tx, resident(who), ReportInput(
                description=words, category=category, address=address, urgent=urgent,
                confident=confident, attachments=(f"media:m{i}",) if i % 3 == 0 else (),
                note="附照片" if i % 3 == 0 else ""))
            outcomes.append((out.case.code, out.case.status, out.accepted,
                             out.merged_into.code if out.merged_into else None,
                             out.case.grid.name if out.case.grid else None, out.case.deadline,
                             out.case.category))
    return outcomes


def _rows(env: Any) -> dict[str, list[dict[str, Any]]]:
    """Every case, event and outbox row, ids replaced by case codes, in id order."""
    with UnitOfWork(env) as tx:
        conn = tx.session.connection()
        codes = dict(conn.execute(select(Case.id, Case.code)).all())

        def dump(table: Any, refs: tuple[str, ...]) -> list[dict[str, Any]]:
            out = []
            for row in conn.execute(select(table).order_by(table.c.id)).mappings():
                values = {k: v for k, v in row.items() if k != "id"}
                for ref in refs:
                    values[ref] = codes.get(values[ref], values[ref])
                out.append(values)
            return out

        rows = {"cases": dump(Case.__table__, ("merged_into_id",)),
                "case_events": dump(CaseEvent.__table__, ("case_id",)),
                "outbox": dump(Notification.__table__, ("case_id",)),
                "residents": dump(Resident.__table__, ())}
        for case in tx.session.scalars(select(Case)):
            events = list(tx.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
            assert rebuild(events) == snapshot(case), case.code
    return rows


def _fresh_app(settings: Any, clock: Any, url: str) -> Any:
    app = create_app(settings.with_overrides(DATABASE_URL=url), clock=clock)
    return app


def _empty(engine: Any) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def test_core_writer_and_orm_path_write_the_same_rows(settings, clock, _template_db, tmp_path: Path):
    start = clock.now()
    results = {}
    for direct in (False, True):
        if PG_URL:
            url = PG_URL
        else:
            path = tmp_path / f"parity-{direct}.db"
            shutil.copy(_template_db, path)
            url = f"sqlite:///{path}"
        clock.set(start)
        app = _fresh_app(settings, clock, url)
        rt = app.extensions["wanggetong"]
        try:
            if PG_URL:
                _empty(rt.engine)
            outcomes = _run(rt.env, clock, direct)
            results[direct] = (outcomes, _rows(rt.env))
        finally:
            rt.engine.dispose()
    (orm_out, orm_rows), (core_out, core_rows) = results[False], results[True]
    assert core_out == orm_out
    for table in ("cases", "case_events", "outbox", "residents"):
        assert len(core_rows[table]) == len(orm_rows[table]), table
        for core_row, orm_row in zip(core_rows[table], orm_rows[table], strict=True):
            assert core_row == orm_row, table
    # the script went where it was meant to go
    statuses = [o[1] for o in orm_out]
    assert statuses == ["dispatched", "rejected", "rejected", "dispatched", "dispatched", "dispatched",
                        "reported", "reported", "dispatched", "accepted", "dispatched", "rejected"]
    kinds = {row["kind"] for row in orm_rows["outbox"]}
    assert {"accepted", "dispatch", "urgent", "needs_dispatch"} <= kinds
    links = [e for e in orm_rows["case_events"] if e["action"] == "link"]
    assert [e["seq"] for e in links] == [4, 5, 4]


def test_estate_names_are_looked_at_once_per_interval(env, town, monkeypatch):
    """Another process's new estate shows within REFRESH_SECONDS; one written through
    the ORM here shows at once (core/registry/places.py)."""
    from core.registry import places
    from core.registry.lookup import find_address
    from core.registry.models import Address, Grid

    with UnitOfWork(env) as tx:
        assert find_address(tx.session, "锦绣家园3栋") is None
        grid_id = tx.session.scalar(select(Grid.id).where(Grid.code == "G03"))
    with UnitOfWork(env) as tx:  # as another process would: no ORM event in this one
        tx.session.connection().execute(Address.__table__.insert().values(
            estate="锦绣家园", building="", grid_id=grid_id))
    with UnitOfWork(env) as tx:
        assert find_address(tx.session, "锦绣家园3栋") is None  # not looked at again yet
    monkeypatch.setattr(places, "REFRESH_SECONDS", 0.0)
    with UnitOfWork(env) as tx:
        assert find_address(tx.session, "锦绣家园3栋").grid.code == "G03"
    monkeypatch.setattr(places, "REFRESH_SECONDS", 3600.0)
    with UnitOfWork(env) as tx:
        tx.session.add(Address(estate="幸福里", building="", grid_id=grid_id))
    with UnitOfWork(env) as tx:
        assert find_address(tx.session, "幸福里门口").grid.code == "G03"


def test_a_grid_made_by_another_process_is_read_when_a_resident_names_it(env, town):
    """The copy of the grid tree is read again at once when a resident's grid is not in it."""
    from core.registry.models import Grid

    with UnitOfWork(env) as tx:  # warm the copy
        report_case(tx, resident("o-a"), ReportInput(description="井盖松了", category="env",
                                                     address="阳光花园1栋"))
    with UnitOfWork(env) as tx:  # another process adds a grid and binds a resident to it
        conn = tx.session.connection()
        parent = tx.session.scalar(select(Grid.id).where(Grid.code == "C02"))
        grid_id = conn.execute(Grid.__table__.insert().values(
            code="G04", name="和平社区第二网格", level="grid", parent_id=parent)).inserted_primary_key[0]
        conn.execute(Resident.__table__.insert().values(
            openid="o-new-grid", grid_id=grid_id, address="", subscribed=True, wants_publicity=False,
            window_sent=0, created_at=env.clock.now()))
    with UnitOfWork(env) as tx:
        touch_resident(tx, "o-new-grid")
        out = report_case(tx, resident("o-new-grid"), ReportInput(description="路灯不亮", category="env"))
        assert out.grid_name == "和平社区第二网格" and out.case.grid.code == "G04"
        assert out.case.status == "accepted"  # G04 has no leader yet: the community is asked


def test_a_duplicate_of_a_case_made_in_the_same_transaction(env, town):
    """The master is already in the session (made by this transaction): it is locked as the
    ORM path does, and the LINK follows the events the Core writer just inserted."""
    env.similarity = _similarity
    with UnitOfWork(env) as tx:
        first = report_case(tx, resident("o-a"), ReportInput(description="垃圾桶满了", category="env",
                                                             address="阳光花园1栋"))
        second = report_case(tx, resident("o-b"), ReportInput(description="垃圾没人清", category="env",
                                                              address="阳光花园1栋"))
        assert second.merged_into is first.case
    with UnitOfWork(env) as tx:
        master = tx.session.scalar(select(Case).where(Case.code == first.case.code))
        events = list(tx.session.scalars(select(CaseEvent).where(CaseEvent.case_id == master.id)
                                         .order_by(CaseEvent.seq)))
        assert [(e.seq, e.action) for e in events] == [(1, "report"), (2, "accept"), (3, "dispatch"),
                                                       (4, "link")]
        assert rebuild(events) == snapshot(master)
