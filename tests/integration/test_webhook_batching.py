"""The webhook's batched store calls and the SQLite writer queue (docs/performance.md)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.conversation import Conversation, conversation_key
from bot.store import MemoryStore, make_store
from core.db import make_engine


@pytest.fixture
def store(redis_url):
    """The store the app would use: Redis with TEST_REDIS_URL, else the in-process one."""
    return make_store(redis_url)


def test_claim_and_conversation_come_back_together(store):
    Conversation(store, "official", "o-1").update(awaiting="menu_choice", menu=["env", "other"])
    fresh, state = store.set_nx_get_map("dedup:official:msg:1", "pending", 30,
                                        conversation_key("official", "o-1"))
    assert fresh is True and state["awaiting"] == "menu_choice"
    again, _ = store.set_nx_get_map("dedup:official:msg:1", "pending", 30,
                                    conversation_key("official", "o-1"))
    assert again is False
    assert store.set_nx_get_map("dedup:official:msg:2", "pending", 30,
                                conversation_key("official", "nobody")) == (True, {})


def test_reply_and_mark_are_written_together(store):
    store.set_many({"reply:official:msg:1": "已收到", "dedup:official:msg:1": "done"}, 600)
    assert store.get("reply:official:msg:1") == "已收到"
    assert store.get("dedup:official:msg:1") == "done"


def test_reply_mark_and_a_conversation_go_in_one_write(store):
    """The pipeline's last call: the reply, the done mark and the conversation's new state
    (replacing the old map whole, with its own expiry) in one round trip."""
    key = conversation_key("official", "o-9")
    store.put_map(key, {"awaiting": "menu_choice", "menu": "[]"}, 600)
    store.set_many({"reply:official:msg:9": "已收到", "dedup:official:msg:9": "done"}, 600,
                   {key: ({"case": "GR202611260009"}, 1800)})
    assert store.get("reply:official:msg:9") == "已收到" and store.get("dedup:official:msg:9") == "done"
    assert store.get_map(key) == {"case": "GR202611260009"}
    store.set_many({}, 600, {key: ({}, 1800)})  # an emptied conversation is removed
    assert store.get_map(key) == {}
    if hasattr(store, "client"):  # Redis: the map expires on its own clock, not the items'
        store.set_many({"x": "1"}, 600, {key: ({"case": "GR1"}, 1800)})
        assert 1700 < store.client.ttl(store.prefix + key) <= 1800


def test_a_deferred_conversation_writes_once_on_save(store):
    writes: list[str] = []
    original = store.set_many

    def counted(items, ttl, maps=None):  # type: ignore[no-untyped-def]
        writes.extend(maps or {})
        original(items, ttl, maps)

    store.set_many = counted  # type: ignore[method-assign]
    conv = Conversation(store, "official", "o-2", deferred=True, loaded={})
    conv.clear("awaiting", "menu")
    conv.mark("case", "GR202611260001", _at(1_764_122_400))
    conv.update(case="GR202611260002")
    assert writes == [] and conv.get("case") == "GR202611260002"  # read back before saving
    assert store.get_map(conversation_key("official", "o-2")) == {}
    conv.save()
    conv.save()  # nothing changed since: no second write
    assert writes == [conversation_key("official", "o-2")]
    assert store.get_map(conversation_key("official", "o-2"))["case"] == "GR202611260002"


def test_an_immediate_conversation_still_writes_at_once():
    store = MemoryStore()
    Conversation(store, "official", "o-3").update(awaiting="address_answer")
    assert store.get_map(conversation_key("official", "o-3")) == {"awaiting": "address_answer"}


def _at(ts: int):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC)


def _locked(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_sqlite_writers_queue_on_the_file_lock(tmp_path: Path):
    """Two engines on one file (as two workers would be): the second writer waits for the
    first to commit, then runs; the lock is free again afterwards."""
    url = f"sqlite:///{tmp_path / 'q.db'}"
    first, second = make_engine(url), make_engine(url)
    with first.begin() as conn:
        conn.execute(text("CREATE TABLE t (who TEXT)"))
    order: list[str] = []
    inside = threading.Event()

    def slow_writer() -> None:
        with first.begin() as conn:
            inside.set()
            conn.execute(text("INSERT INTO t VALUES ('first')"))
            time.sleep(0.3)
            order.append("first commits")

    worker = threading.Thread(target=slow_writer)
    worker.start()
    inside.wait(5)
    assert _locked(tmp_path / "q.db.writer")  # the first writer holds the queue's file lock
    started = time.monotonic()
    with second.begin() as conn:
        order.append("second begins")
        conn.execute(text("INSERT INTO t VALUES ('second')"))
    waited = time.monotonic() - started
    worker.join()
    assert order == ["first commits", "second begins"] and 0.1 < waited < 5
    assert not _locked(tmp_path / "q.db.writer")
    with second.begin() as conn:  # rolled back or committed, the queue is free again
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    with pytest.raises(RuntimeError), first.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES ('gone')"))
        raise RuntimeError("rolled back")
    started = time.monotonic()
    with second.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    assert time.monotonic() - started < 1  # the rollback freed the queue
    first.dispose()
    second.dispose()


@pytest.mark.usefixtures("town")
def test_pushes_about_a_new_case_skip_the_outbox_lookup(uow, runtime):
    from sqlalchemy import event, select

    from core.actors import resident
    from core.cases.report import ReportInput, report_case
    from core.cases.resident import bind_resident
    from core.outbox import Notification, enqueue

    with uow() as tx:
        bind_resident(tx, "o-push", "阳光花园3栋")
    lookups: list[str] = []

    def on_execute(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if "SELECT outbox.id FROM outbox WHERE outbox.dedup_key =" in " ".join(statement.split()):
            lookups.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", on_execute)
    try:
        with uow() as tx:
            code = report_case(tx, resident("o-push"), ReportInput(
                description="垃圾桶满了", category="env")).case.code
        assert lookups == []
        with uow() as tx:  # an older case: the key is looked up, and a repeat is refused
            keys = list(tx.session.scalars(select(Notification.dedup_key)
                                           .where(Notification.dedup_key.like(f"case:{code}:%"))))
            assert len(keys) >= 2  # the reporter's "accepted" and the dispatch to the leader
            assert enqueue(tx.session, dedup_key=keys[0], channel="official", recipient="o-push",
                           kind="accepted", body="again", now=tx.now()) is None
        assert len(lookups) == 1
    finally:
        event.remove(runtime.engine, "before_cursor_execute", on_execute)


def test_duplicate_candidates_come_from_the_partial_index(runtime):
    """The candidates' query repeats the index predicate word for word (else SQLite and
    PostgreSQL would not use the partial index), and that predicate names the open states."""
    import re
    from datetime import timedelta

    from core.cases.models import OPEN_UNMERGED
    from core.cases.report import _CANDIDATES, OPEN

    listed = re.search(r"status IN \(([^)]*)\)", OPEN_UNMERGED).group(1)
    assert sorted(s.strip(" '") for s in listed.split(",")) == sorted(str(s) for s in OPEN)
    compiled = _CANDIDATES.statement.compile(runtime.engine)
    params = compiled.construct_params({"grid_id": 1, "category": "env",
                                        "since": runtime.env.clock.now() - timedelta(hours=72)})
    with runtime.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled), tuple(params[k] for k in compiled.positiontup)))
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), params))
    assert "ix_cases_open_by_grid_category" in plan


def test_a_writer_that_waited_out_the_queue_still_gets_a_free_database(tmp_path: Path):
    """Someone holds the queue's file lock (say, a process stuck before its BEGIN) but not
    SQLite's: after the queue's timeout the writer goes on and commits."""
    from core.db import _queues

    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    _queues[engine].timeout = 0.2
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    fd = os.open(tmp_path / "w.db.writer", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        assert 0.2 <= time.monotonic() - started < 5
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000  # restored
    finally:
        os.close(fd)
    engine.dispose()


def test_a_queued_writer_sleeps_until_the_lock_is_free(tmp_path: Path):
    """Waiting costs (almost) no CPU: the writer blocks in the kernel, not in a polling loop,
    and gets the lock as soon as its holder lets go."""
    from core.db import WriterQueue

    queue = WriterQueue(str(tmp_path / "s.db"))
    (tmp_path / "s.db.writer").touch()
    fd = os.open(tmp_path / "s.db.writer", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    threading.Timer(0.5, lambda: fcntl.flock(fd, fcntl.LOCK_UN)).start()
    cpu, started = time.process_time(), time.monotonic()
    assert queue.acquire()
    waited, spent = time.monotonic() - started, time.process_time() - cpu
    assert 0.45 < waited < 3 and spent < 0.02  # polling every 0.5 ms spent ~25 ms here
    assert _locked(tmp_path / "s.db.writer")
    queue.release()
    assert not _locked(tmp_path / "s.db.writer")
    os.close(fd)


def test_a_wait_given_up_passes_the_lock_to_the_next_writer_or_lets_it_go(tmp_path: Path):
    """A writer that timed out leaves its blocked flock behind: when that gets the lock it is
    handed to the next writer of the process (one lock, never two holders), or released."""
    from core.db import WriterQueue

    queue = WriterQueue(str(tmp_path / "g.db"), timeout=0.1)
    (tmp_path / "g.db.writer").touch()
    other = os.open(tmp_path / "g.db.writer", os.O_RDWR)  # another worker holds it
    fcntl.flock(other, fcntl.LOCK_EX)
    assert not queue.acquire()  # timed out; its flock is still waiting
    queue.release()
    queue.timeout = 3
    threading.Timer(0.3, lambda: fcntl.flock(other, fcntl.LOCK_UN)).start()
    assert queue.acquire()  # the left-behind wait got it and handed it over
    probe = os.open(tmp_path / "g.db.writer", os.O_RDWR)
    with pytest.raises(BlockingIOError):
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    queue.release()
    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # really free
    fcntl.flock(probe, fcntl.LOCK_UN)
    # given up with nobody asking after it: the late flock lets the lock go again
    queue.timeout = 0.1
    fcntl.flock(other, fcntl.LOCK_EX)
    assert not queue.acquire()
    queue.release()
    fcntl.flock(other, fcntl.LOCK_UN)
    deadline = time.monotonic() + 3
    while _locked(tmp_path / "g.db.writer") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _locked(tmp_path / "g.db.writer")
    os.close(other)
    os.close(probe)
