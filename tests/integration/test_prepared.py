"""Prepared statements (core/prepared.py) against SQLAlchemy Core on the same rows, on the
database under test (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.cases.models import Case, CaseEvent
from core.prepared import Prepared

pytestmark = pytest.mark.usefixtures("town")


@pytest.fixture
def tx(uow):
    """One transaction, rolled back at the end."""
    work = uow().__enter__()
    yield work
    work.session.rollback()
    work.session.close()

_CASES = Case.__table__


def _case_values(uow, code: str) -> dict:
    from core.cases.filing import DEFAULTS

    now = uow.now()
    return DEFAULTS | {"code": code, "status": "reported", "category": "env", "level": "grid",
                       "description": "楼下垃圾堆了三天", "reported_at": now, "updated_at": now,
                       "urgent": True, "deadline": now + timedelta(days=2)}


def test_rows_read_back_as_core_reads_them(tx):
    """Dates come back aware in Asia/Shanghai, booleans as bool, JSON as Python values —
    exactly what a Core execution gives for the same statement."""
    case_id = Prepared(insert(_CASES).returning(_CASES.c.id)).scalar(tx.session, _case_values(tx, "GRT1"))
    Prepared(insert(CaseEvent.__table__)).executemany(tx.session, [
        {"case_id": case_id, "seq": n, "at": tx.now(), "action": "report", "actor": "system",
         "actor_name": "", "from_status": "", "to_status": "reported", "note": "",
         "attachments": [f"media:{n}"], "data": {"n": n, "文字": "中文"}} for n in (1, 2)])
    by_id = select(_CASES).where(_CASES.c.id == bindparam("case_id"))
    fast = Prepared(by_id).mapping(tx.session, {"case_id": case_id})
    core = dict(tx.session.connection().execute(by_id, {"case_id": case_id}).mappings().one())
    assert fast == core
    assert fast["urgent"] is True and fast["deadline"].utcoffset() == timedelta(hours=8)
    events = select(CaseEvent.seq, CaseEvent.attachments, CaseEvent.data) \
        .where(CaseEvent.case_id == bindparam("case_id")).order_by(CaseEvent.seq)
    assert Prepared(events).all(tx.session, {"case_id": case_id}) == [
        tuple(r) for r in tx.session.connection().execute(events, {"case_id": case_id})]
    assert Prepared(events).all(tx.session, {"case_id": case_id})[1] == (2, ["media:2"], {"n": 2, "文字": "中文"})


def test_values_the_statement_carries_and_rows_changed(tx):
    ids = [Prepared(insert(_CASES).returning(_CASES.c.id)).scalar(tx.session, _case_values(tx, f"GRT{n}"))
           for n in range(3)]
    newest_two = Prepared(select(_CASES.c.code).order_by(_CASES.c.id.desc()).limit(2))
    assert newest_two.all(tx.session) == [("GRT2",), ("GRT1",)]
    assert Prepared(select(_CASES.c.id).where(_CASES.c.code == "nothing")).first(tx.session) is None
    with pytest.raises(KeyError, match="code"):  # a parameter left out is an error, not NULL
        Prepared(select(_CASES.c.id).where(_CASES.c.code == bindparam("code"))).first(tx.session, {})
    close = Prepared(update(_CASES).where(_CASES.c.id <= bindparam("upto")).values(status=bindparam("to")))
    assert close.execute(tx.session, {"to": "closed", "upto": ids[1]}) == 2
    with pytest.raises(ValueError, match="IN"):  # its SQL would change with each call's values
        Prepared(select(_CASES.c.id).where(_CASES.c.id.in_(ids))).all(tx.session)


def test_driver_errors_come_out_as_sqlalchemy_errors(tx):
    """The webhook tells a duplicate delivery (IntegrityError) from an outage by SQLAlchemy's
    exception classes: the prepared path raises the same ones."""
    add = Prepared(insert(_CASES).returning(_CASES.c.id))
    add.scalar(tx.session, _case_values(tx, "GRDUP"))
    with pytest.raises(IntegrityError):
        add.scalar(tx.session, _case_values(tx, "GRDUP"))


def test_python_side_defaults_must_be_given():
    """A column whose default runs in Python (CaseEvent.data = dict()) cannot be left out: the
    driver would store NULL where the ORM stores {}."""
    with pytest.raises(ValueError, match="data"):
        from sqlalchemy.dialects import sqlite

        Prepared(insert(CaseEvent.__table__))._plan(sqlite.dialect(), {"case_id": 1, "seq": 1})


def test_statement_listeners_see_prepared_statements(tx, runtime):
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", on_execute)
    try:
        Prepared(select(_CASES.c.id).where(_CASES.c.code == bindparam("code"))).scalar(tx.session, {"code": "x"})
    finally:
        event.remove(runtime.engine, "before_cursor_execute", on_execute)
    assert [s for s in seen if "cases.id" in s] == [seen[-1]] and seen[-1].startswith("SELECT cases.id")


def test_a_connection_the_server_hung_up_on_is_replaced_at_checkout(database_url):
    """PostgreSQL: a pooled connection whose backend was terminated (as a restart does) is
    swapped for a fresh one when checked out — no failed request, no SELECT 1 per checkout."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    import time

    from sqlalchemy import text

    from core.db import make_engine

    engine, admin = make_engine(database_url, pool_size=1), make_engine(database_url)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
        time.sleep(0.2)  # the backend's goodbye reaches the pooled socket
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        with engine.connect() as conn:
            second = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert second != first
        assert statements == ["SELECT pg_backend_pid()"]  # no ping went before it
    finally:
        engine.dispose()
        admin.dispose()
