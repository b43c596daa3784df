"""Fixtures of the fault tests (故障演练): private servers, the webhook under gunicorn, the
loopback WeChat fake, and the per-fault summary printed at the end of the run (and written
to ``$FAULTS_SUMMARY`` when set) whether or not ``-s`` was given."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.devtools.fakewechat import FakeWeChat
from config import Settings
from core.db import make_engine
from tests.faults.infra import Gunicorn, PrivateRedis, settings_env
from tests.faults.traffic import webhook_settings

APPID, SECRET, CORP, CORP_SECRET = "wxFAULTS0000001", "oa-secret", "wwFAULTS0000001", "corp-secret"
_SUMMARY = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: fault-injection tests (tests/faults, make faults)")
    config.stash[_SUMMARY] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    lines = config.stash.get(_SUMMARY, [])
    if not lines:
        return
    terminalreporter.write_sep("=", "fault summary (what was done, what was lost)")
    for line in lines:
        terminalreporter.write_line(line)
    target = os.environ.get("FAULTS_SUMMARY")
    if target:
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")


class FaultReport:
    """What one fault test did and what it found; printed now and in the final summary."""

    def __init__(self, config: pytest.Config, name: str) -> None:
        self.lines = config.stash[_SUMMARY]
        self.name = name
        self.lines.append(f"[{name}]")

    def __call__(self, line: str) -> None:
        print(f"[{self.name}] {line}")
        self.lines.append(f"  {line}")


@pytest.fixture
def report(request: pytest.FixtureRequest) -> FaultReport:
    backend = "postgresql" if str(request.getfixturevalue("database_url")).startswith("postgresql") else "sqlite"
    return FaultReport(request.config, f"{request.node.name} on {backend}")


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat(appid=APPID, secret=SECRET, corp_id=CORP, corp_secret=CORP_SECRET) as f:
        yield f


@pytest.fixture
def settings(settings: Settings, fake: FakeWeChat) -> Settings:
    return settings.with_overrides(
        WECHAT_SECRET=SECRET, WECOM_CORP_ID=CORP, WECOM_SECRET=CORP_SECRET,
        WECHAT_API_BASE_URL=fake.base_url, WECOM_API_BASE_URL=fake.base_url, LOG_LEVEL="INFO",
        **webhook_settings())


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if not PrivateRedis.available():
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def gunicorn(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A factory: ``gunicorn(settings, workers=3)`` starts the webhook; all stop at the end."""
    started: list[Gunicorn] = []

    def start(settings: Settings, workers: int = 3) -> Gunicorn:
        server = Gunicorn(settings_env(settings), tmp_path / f"gunicorn-{len(started)}.log",
                          workers=workers)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def count(database_url: str, sql: str, **params: object) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql), params).scalar() or 0)
    finally:
        engine.dispose()
