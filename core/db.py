"""Database plumbing (数据库): declarative base, engine and session factory.

SQLite (the embedded default) runs in WAL mode with ``synchronous=NORMAL`` and foreign
keys on; PostgreSQL is reached through ``DATABASE_URL``. Nothing connects at import time.
"""

from __future__ import annotations

import fcntl
import os
import select
import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Session,
    SessionTransaction,
    class_mapper,
    make_transient_to_detached,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

from core.clock import SHANGHAI

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class AwareDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC, returned aware in Asia/Shanghai (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to an AwareDateTime column")
        if dialect.name == "sqlite":
            return value.astimezone(SHANGHAI).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=SHANGHAI)
        return value.astimezone(SHANGHAI)


BUSY_TIMEOUT_MS = 10000  # the longest a writer waits for SQLite's write lock, queue included
WAL_AUTOCHECKPOINT_PAGES = 10000  # pages of 4 KiB (SQLite's default: 1000)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint the WAL every ~40 MB instead of every ~4 MB: each commit rewrites the same hot
    # pages (index tails, the day's code row), and a checkpoint copies each page once however
    # often it changed — ten times fewer checkpoints write far fewer pages in all (the webhook
    # spent 20-30 % less CPU per report in bench/inprocess.py).
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


class WriterQueue:
    """Writers of one SQLite file queue on a file lock (``<db>.writer``) before ``BEGIN
    IMMEDIATE``, instead of sleeping in SQLite's busy handler, whose naps grow to 100 ms
    and let a newcomer overtake a writer that has waited for seconds (the webhook's p99).

    Held from the transaction's BEGIN to its COMMIT or ROLLBACK. A second connection of the
    same process does not queue again (it waits in SQLite as before), and a writer that
    cannot get the file lock within ``timeout`` tries SQLite's lock once, without waiting
    again: it gets it if it is free, else "database is locked" (a 503 for the webhook) — the
    queue can delay, never deadlock, and the longest wait stays the busy timeout.

    A writer that finds the lock taken sleeps in the kernel (a blocking ``flock`` in a
    :class:`_FlockWaiter` thread) and wakes when the holder lets go: no polling, which cost a
    waiting worker about 5 % of a core.
    """

    def __init__(self, database: str, timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
        self.path, self.timeout = database + ".writer", timeout
        self._fd: int | None = None
        self._pid = 0
        self._depth = 0
        self._held = False  # the outermost acquire got the file lock (not timed out)
        self._mutex = threading.Lock()
        self._waiter: _FlockWaiter | None = None

    def _file(self) -> int:
        if self._pid != os.getpid():  # a forked worker opens its own (a lock is per open file)
            self._fd, self._pid, self._depth = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid(), 0
            self._waiter, self._held = _FlockWaiter(self._fd), False
        assert self._fd is not None
        return self._fd

    def acquire(self) -> bool:
        """Wait for the file lock; False when ``timeout`` ran out first."""
        with self._mutex:
            self._file()
            self._depth += 1
            if self._depth > 1:
                return True
            waiter = self._waiter
        assert waiter is not None
        self._held = waiter.take(self.timeout)
        return self._held

    def release(self) -> None:
        with self._mutex:
            if self._pid != os.getpid() or self._depth == 0:
                return
            self._depth -= 1
            if self._depth or not self._held:
                return  # a writer that waited out the queue never got the lock (see _FlockWaiter)
            assert self._fd is not None
            self._held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)


class _FlockWaiter:
    """Takes the exclusive ``flock`` of one open file for the thread that asks, within a
    timeout: at once when it is free, else a helper thread blocks in ``flock`` and hands the
    lock over when it gets it. A wait given up (timeout) is not cancelled in the kernel: its
    thread still gets the lock later and then passes it to whoever asks next, or lets it go.
    Only one blocking ``flock`` is ever in flight on the file (two on one open file would
    both "get" the same lock)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._cond = threading.Condition()
        self._blocked = False  # a helper thread is in flock()
        self._wanted = False  # someone is waiting for the helper's lock
        self._handed = False  # the helper got the lock for that someone

    def take(self, timeout: float) -> bool:
        with self._cond:
            if not self._blocked:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    self._blocked = True
                    threading.Thread(target=self._block, name="sqlite-writer-queue", daemon=True).start()
            self._wanted = True
            if self._cond.wait_for(lambda: self._handed, timeout):
                self._handed = False
                return True
            self._wanted = False
            return False

    def _block(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        with self._cond:
            self._blocked = False
            if self._wanted:
                self._wanted, self._handed = False, True
                self._cond.notify_all()
            else:  # the asker gave up meanwhile
                fcntl.flock(self.fd, fcntl.LOCK_UN)


_queues: WeakKeyDictionary[Engine, WriterQueue] = WeakKeyDictionary()


def _sqlite_begin(conn: Any) -> None:
    """Take the write lock at BEGIN: a transaction that reads and then writes never meets
    SQLITE_BUSY half-way (WAL readers cannot upgrade), it waits its turn instead. This also
    makes SAVEPOINTs work under pysqlite."""
    queue = _queues.get(conn.engine)
    waited_out = queue is not None and not queue.acquire()
    try:
        if waited_out:  # the wait is spent: SQLite may not wait as long again (10 s in all)
            conn.exec_driver_sql("PRAGMA busy_timeout=1")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            if waited_out:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except BaseException:
        if queue is not None:
            queue.release()
        raise


def _sqlite_end(conn: Any) -> None:
    queue = _queues.get(conn.engine)
    if queue is not None:
        queue.release()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url``; makes the SQLite folder when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            _queues[engine] = WriterQueue(str(Path(parsed.database).resolve()))
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _sqlite_end)
        event.listen(engine, "rollback", _sqlite_end)
        return engine
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_timeout", 3)
    kwargs.setdefault("connect_args", {"connect_timeout": 3})
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkout", _closed_by_server)
    return engine


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection the server has hung up on is replaced at checkout.

    An idle connection has nothing to read: when its socket is readable, the server closed it
    (a restart or crash ends every backend with a message and EOF) — SQLAlchemy then opens a
    fresh one. One ``select`` instead of ``pool_pre_ping``'s ``SELECT 1`` round trip on every
    checkout (~7 % of a report's time on PostgreSQL). A link that dies silently (a network
    cut) is not seen here: the first statement fails, SQLAlchemy invalidates the pool, the
    webhook answers 503 and WeChat retries."""
    if dbapi_connection.closed:
        raise DisconnectionError("connection closed")
    readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    if readable:
        raise DisconnectionError("the server closed the connection")


MEMO = "wgt.memo"


def remember(session: Session, kind: str, key: object, obj: object) -> None:
    """Note an object this transaction wrote (or locked) so a later step can skip a SELECT."""
    session.info.setdefault(MEMO, {}).setdefault(kind, {})[key] = obj


def recall(session: Session, kind: str, key: object) -> Any:
    """What :func:`remember` noted, while the session still holds it: a savepoint rollback
    expunges what it inserted (forgotten then), and the memo ends with the transaction."""
    obj = session.info.get(MEMO, {}).get(kind, {}).get(key)
    return obj if obj is not None and obj in session else None


WRITTEN = "wgt.written"


def as_loaded(cls: type[Any], values: dict[str, Any]) -> Any:
    """An instance of the mapped ``cls`` holding ``values`` as its loaded (committed) state —
    what the ORM builds from a row, without an attribute event per column as ``cls(**values)``
    fires. For a row just written or read by a Core statement; :func:`adopt` it with ``new``."""
    obj = class_mapper(cls).class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def adopt(session: Session, obj: object, *, new: bool) -> None:
    """Tell the session about a row written with a Core statement in this transaction.

    ``new``: ``obj`` is a transient object holding every column of the row just inserted; it
    joins the session as if loaded (no SQL). Otherwise ``obj`` is in the session already and
    its committed values were set to what the statement wrote. Either way a rollback of the
    savepoint it was written in treats it as the ORM treats its own writes: the new object
    is expunged (and forgotten by :func:`recall`), the updated one expired."""
    if new:
        make_transient_to_detached(obj)
        session.add(obj)
    txn = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(WRITTEN, []).append((txn, obj, new))


def _within(txn: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while txn is not None:
        if txn is outer:
            return True
        txn = txn.parent
    return False


def _undo_written(session: Session, previous_transaction: SessionTransaction) -> None:
    written = session.info.get(WRITTEN)
    if not written:
        return
    kept = []
    for txn, obj, new in written:
        if not _within(txn, previous_transaction):
            kept.append((txn, obj, new))
        elif obj in session and new:
            session.expunge(obj)
        elif obj in session:
            session.expire(obj)
    session.info[WRITTEN] = kept


def note(session: Session, kind: str, key: object, value: object) -> None:
    """Note a plain value this transaction read or wrote (no ORM object), for a later step."""
    session.info.setdefault(MEMO, {}).setdefault(kind, {})[key] = value


def noted(session: Session, kind: str, key: object) -> Any:
    """What :func:`note` kept (None when nothing); it ends with the transaction."""
    return session.info.get(MEMO, {}).get(kind, {}).get(key)


def _forget_memo(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(MEMO, None)
        session.info.pop(WRITTEN, None)


def make_session_factory(engine: Engine) -> sessionmaker:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_transaction_end", _forget_memo)
    event.listen(factory, "after_soft_rollback", _undo_written)
    return factory
