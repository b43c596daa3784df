"""Loading (装载): COPY into PostgreSQL (psycopg 3 ``cursor.copy``), plain inserts on SQLite.

The schema is the one our migrations make (``core.migrate.upgrade``); ids of grids,
staff, residents and cases come from the generator, the others from their sequences.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import psycopg
from sqlalchemy import Engine, text

from bench.scale.district import District
from bench.scale.finish import CASE_COLUMNS, EVENT_COLUMNS, OUTBOX_COLUMNS
from bench.scale.generate import Chunk
from core.db import Base
from core.models import __all__ as _models  # noqa: F401  (every table in the metadata)

GRID_COLUMNS = ("id", "code", "name", "level", "parent_id", "households")
STAFF_COLUMNS = ("id", "name", "role", "department", "wecom_userid", "phone", "active")
ADDRESS_COLUMNS = ("id", "estate", "building", "grid_id")
RESIDENT_COLUMNS = ("id", "openid", "grid_id", "address", "created_at", "subscribed",
                    "wants_publicity", "window_sent")
WORK_LOG_COLUMNS = ("staff_id", "kind", "text", "at", "case_id")
JSON_COLUMNS = {"attachments", "data"}
WITH_IDS = ("grids", "staff", "addresses", "residents", "cases")


def libpq_url(engine: Engine) -> str:
    """The engine's URL as psycopg takes it (no SQLAlchemy driver suffix)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Loader:
    """Writes rows to one database; ``copy`` on PostgreSQL, executemany on SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.conn = psycopg.connect(libpq_url(engine)) if self.pg else None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
        if self.conn is not None:
            with self.conn.cursor() as cur, cur.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        target = Base.metadata.tables[table]
        batch = [self._sqlite_row(columns, row) for row in rows]
        if batch:
            with self.engine.begin() as conn:
                conn.execute(target.insert(), batch)

    @staticmethod
    def _sqlite_row(columns: Sequence[str], row: tuple) -> dict:
        out = {}
        for name, value in zip(columns, row, strict=True):
            if name in JSON_COLUMNS and isinstance(value, str):
                value = json.loads(value)
            out[name] = value
        return out

    def commit(self) -> None:
        if self.conn is not None:
            self.conn.commit()

    def district(self, d: District) -> None:
        self.write("grids", GRID_COLUMNS, d.grids)
        self.write("staff", STAFF_COLUMNS, d.staff)
        self.write("staff_grids", ("staff_id", "grid_id"), d.staff_grids)
        self.write("addresses", ADDRESS_COLUMNS, d.addresses)
        self.write("residents", RESIDENT_COLUMNS, (r + (True, False, 0) for r in d.residents))
        self.commit()

    def chunk(self, c: Chunk) -> None:
        """One chunk in one transaction (its foreign keys point inside it or to the district)."""
        self.write("case_sequences", ("day", "last"), c.sequences)
        self.write("cases", CASE_COLUMNS, c.cases)
        self.write("case_events", EVENT_COLUMNS, c.events)
        self.write("outbox", OUTBOX_COLUMNS, c.outbox)
        self.write("work_logs", WORK_LOG_COLUMNS, c.work_logs)
        self.commit()

    def finish(self) -> None:
        """Move the id sequences past the generated ids; refresh the planner's statistics."""
        if self.conn is None:
            return
        with self.conn.cursor() as cur:
            for table in WITH_IDS:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")
        self.conn.commit()
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE")
        self.conn.autocommit = False


def recreate_database(engine: Engine) -> None:
    """DROP and CREATE the engine's PostgreSQL database (the bench's own, never a shared one)."""
    name = engine.url.database
    admin = engine.url.set(database="postgres")
    with psycopg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not conn.execute(text("SELECT 1 FROM cases LIMIT 1")).first()


def stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")
