"""The project's backends in the webhook benchmark (后端): a database migrated with
``flask init-db``, the demo town imported with ``flask import``, residents bound through
the real ``绑定`` command, and the case check after each measurement.
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.callbacks import ROOT, callback, signer
from bench.servers import Server

# Not 和平家园A座/B座: find_address matches buildings by number only, so lettered ones fail.
BIND_TO = ("阳光花园1栋", "阳光花园2栋", "阳光花园3栋", "阳光花园4栋", "阳光花园5栋", "幸福里",
           "和平新村")


@dataclass
class Backend:
    """The project on one database + store; counts what the database holds."""

    name: str
    database_url: str
    redis_url: str
    residents: list[str] = field(default_factory=list)
    server: Server | None = None
    _engine: object = None

    def engine(self):  # type: ignore[no-untyped-def]
        if self._engine is None:
            from sqlalchemy import create_engine

            self._engine = create_engine(self.database_url)
        return self._engine

    def scalar(self, sql: str, **params: object) -> int:
        from sqlalchemy import text

        with self.engine().connect() as conn:
            return int(conn.execute(text(sql), params).scalar() or 0)

    def snapshot(self) -> tuple[int, int, int]:
        return (self.scalar("SELECT count(*) FROM cases"),
                self.scalar("SELECT coalesce(max(id), 0) FROM inbound_messages"),
                self.scalar("SELECT coalesce(max(id), 0) FROM cases"))

    def merged_since(self, before: tuple[int, int, int]) -> int:
        """New cases the duplicate check merged into an open one (the cheaper path)."""
        return self.scalar("SELECT count(*) FROM cases WHERE id > :last AND merged_into_id IS NOT NULL",
                           last=before[2])

    def check(self, before: tuple[int, int, int], completed: int, sent: int) -> tuple[int, str]:
        """Wait for requests still in flight, then: one case per message processed."""
        from sqlalchemy import text

        cases0, last_id, _ = before
        query = text("SELECT count(*), count(case_id), count(DISTINCT case_id) "
                     "FROM inbound_messages WHERE id > :last")
        previous, stable_since = None, time.monotonic()
        while time.monotonic() - stable_since < 0.4:
            with self.engine().connect() as conn:
                counts = tuple(conn.execute(query, {"last": last_id}).one())
            if counts != previous:
                previous, stable_since = counts, time.monotonic()
            time.sleep(0.1)
        processed, with_case, distinct = previous  # type: ignore[misc]
        cases = self.scalar("SELECT count(*) FROM cases") - cases0
        problems = []
        if not completed <= processed <= sent:
            problems.append(f"processed {processed} not within answered {completed}..sent {sent}")
        if not cases == processed == with_case == distinct:
            problems.append(f"{processed} messages, {cases} new cases, {with_case} linked, "
                            f"{distinct} distinct")
        return processed, "; ".join(problems) or "ok"

    def last_kept(self) -> int:
        """The newest row a write floor kept (``bench/floor_write_app.py``)."""
        return self.scalar("SELECT coalesce(max(id), 0) FROM inbound_messages WHERE channel = 'floor'")

    def check_kept(self, last_id: int, completed: int, sent: int) -> tuple[int, str]:
        """Wait for requests still in flight, then: one kept row per message answered."""
        previous, stable_since = -1, time.monotonic()
        while time.monotonic() - stable_since < 0.4:
            kept = self.scalar("SELECT count(*) FROM inbound_messages WHERE channel = 'floor' AND id > :last",
                               last=last_id)
            if kept != previous:
                previous, stable_since = kept, time.monotonic()
            time.sleep(0.1)
        if not completed <= previous <= sent:
            return previous, f"kept {previous} not within answered {completed}..sent {sent}"
        return previous, "ok"


def create_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_pg_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flask(env: dict[str, str], *args: str) -> None:
    cmd = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", *args]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)


def prepare(backend: Backend, env: dict[str, str]) -> dict[str, str]:
    """Migrate with ``flask init-db`` and import the demo town with ``flask import``."""
    env = dict(env, DATABASE_URL=backend.database_url, REDIS_URL=backend.redis_url)
    flask(env, "init-db")
    examples = ROOT / "docs" / "examples"
    flask(env, "import", *(str(examples / n) for n in ("grids.csv", "staff.csv", "addresses.csv")))
    return env


def bind_residents(backend: Backend, run: str, count: int) -> None:
    """Each resident sends ``绑定 <小区楼栋>`` through the real webhook, eight at a time."""
    assert backend.server is not None
    s, url = signer(), backend.server.url
    backend.residents = [f"o-{run}-{backend.name}-{i:05d}" for i in range(count)]
    first_id = int(time.time()) * 1_000_000 + 900_000

    def bind(i: int) -> str:
        target, body = callback(s, "plain", backend.residents[i], f"绑定 {BIND_TO[i % len(BIND_TO)]}",
                                first_id + i, int(time.time()))
        req = urllib.request.Request(url + target, data=body, headers={"Content-Type": "text/xml"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return s.reply_text(resp.read())

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(bind, range(count)))
    refused = [r for r in replies if not r.startswith("绑定成功")]
    bound = backend.scalar("SELECT count(*) FROM residents WHERE openid LIKE :p AND grid_id IS NOT NULL",
                           p=f"o-{run}-{backend.name}-%")
    if refused or bound != count:
        raise RuntimeError(f"{backend.name}: {bound}/{count} bound; first refusal: {refused[:1]}")
