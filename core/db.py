"""Database plumbing (数据库): declarative base, engine and session factory.

SQLite (the embedded default) runs in WAL mode with ``synchronous=NORMAL`` and foreign
keys on; PostgreSQL is reached through ``DATABASE_URL``. Nothing connects at import time.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    """Take the write lock at BEGIN: a transaction that reads and then writes never meets
    SQLITE_BUSY half-way (WAL readers cannot upgrade), it waits its turn instead. This also
    makes SAVEPOINTs work under pysqlite."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url``; makes the SQLite folder when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_timeout", 3)
    kwargs.setdefault("connect_args", {"connect_timeout": 3})
    return create_engine(url, **kwargs)


MEMO = "wgt.memo"


def remember(session: Session, kind: str, key: object, obj: object) -> None:
    """Note an object this transaction wrote (or locked) so a later step can skip a SELECT."""
    session.info.setdefault(MEMO, {}).setdefault(kind, {})[key] = obj


def recall(session: Session, kind: str, key: object) -> Any:
    """What :func:`remember` noted, while the session still holds it: a savepoint rollback
    expunges what it inserted (forgotten then), and the memo ends with the transaction."""
    obj = session.info.get(MEMO, {}).get(kind, {}).get(key)
    return obj if obj is not None and obj in session else None


def _forget_memo(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(MEMO, None)


def make_session_factory(engine: Engine) -> sessionmaker:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_transaction_end", _forget_memo)
    return factory
