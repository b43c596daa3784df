"""Shared fixtures: settings, a fixed clock, a migrated database (SQLite, or PostgreSQL when
``TEST_DATABASE_URL`` is set), the Flask app, CLI runner and a seeded demo town."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.app import create_app
from bot.bootstrap import Runtime
from config import Settings, load_settings
from core.clock import FixedClock
from core.db import Base, make_engine
from core.migrate import upgrade
from core.uow import Env, UnitOfWork
from tests.factories import seed_town

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
START = datetime(2026, 11, 26, 10, 0)  # a Thursday


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite: migrate once, copy the file per test. PostgreSQL: migrate once."""
    if PG_URL:
        engine = make_engine(PG_URL)
        upgrade(engine)
        engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


def drop_job_store(database_url: str) -> None:
    """PostgreSQL keeps APScheduler's job store in its own schema, which the per-test
    truncation skips: tests that run the scheduler drop it before and after."""
    if not database_url.startswith("postgresql"):
        return
    from bot.scheduler import JOBS_SCHEMA

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {JOBS_SCHEMA} CASCADE"))
    engine.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_url(_template_db: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        engine = make_engine(PG_URL)
        _truncate(engine)
        engine.dispose()
        yield PG_URL
        return
    path = tmp_path / "test.db"
    shutil.copy(_template_db, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def redis_url() -> str:
    """TEST_REDIS_URL, flushed for each test; empty → the in-process store."""
    if REDIS_URL:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        client.flushdb()
        client.close()
    return REDIS_URL


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    base = load_settings({}, dotenv=False)
    return base.with_overrides(DATABASE_URL=database_url, REDIS_URL=redis_url,
                               MEDIA_DIR=str(tmp_path / "media"),
                               PUBLIC_BASE_URL="http://grid.test")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def app(settings: Settings, clock: FixedClock):
    app = create_app(settings, clock=clock)
    app.config["TESTING"] = True
    yield app
    app.extensions["wanggetong"].engine.dispose()


@pytest.fixture
def runtime(app) -> Runtime:
    return app.extensions["wanggetong"]


@pytest.fixture
def env(runtime: Runtime) -> Env:
    return runtime.env


@pytest.fixture
def uow(env: Env):
    """A factory: ``with uow() as tx: …`` — one committed transaction each."""
    return lambda: UnitOfWork(env)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def town(env: Env):
    """The demo town of tests/factories.py, committed."""
    with UnitOfWork(env) as tx:
        seed_town(tx.session)
