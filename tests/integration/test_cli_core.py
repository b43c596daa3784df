"""``flask init-db`` and ``flask cases`` as an admin would use them."""

from __future__ import annotations

import json

import pytest

from core.actors import resident, staff
from core.cases.flow import resolve_case
from core.cases.report import ReportInput, report_case


def test_init_db_is_harmless_to_repeat(runner):
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "最新" in second.output


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.usefixtures("town")
def test_cases_show_and_list(runner, uow, clock):
    with uow() as tx:
        a = report_case(tx, resident("o-1"), ReportInput(
            description="阳光花园3栋楼下垃圾满了", category="env")).case.code
        b = report_case(tx, resident("o-2"), ReportInput(
            description="阳光花园5栋电梯坏了", category="property")).case.code
    with uow() as tx:
        resolve_case(tx, staff("leader1"), a, "已清运")

    shown = runner.invoke(args=["cases", "show", a])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    for key in ("code", "status", "category", "grid", "assignee", "deadline", "rating", "events"):
        assert key in data
    assert (data["code"], data["status"], data["grid"], data["assignee"]) == (
        a, "resolved", "G01", "leader1")
    assert data["deadline"] == "2026-12-01T10:00:00+08:00"
    assert [e["action"] for e in data["events"]] == ["report", "accept", "dispatch", "resolve"]

    listed = json.loads(runner.invoke(args=["cases", "list"]).output)
    assert {c["code"] for c in listed} == {a, b}
    only = json.loads(runner.invoke(args=["cases", "list", "--status", "dispatched"]).output)
    assert [c["code"] for c in only] == [b]
    by_grid = json.loads(runner.invoke(args=["cases", "list", "--grid", "G02"]).output)
    assert [c["code"] for c in by_grid] == [b]
    by_community = json.loads(runner.invoke(args=["cases", "list", "--grid", "C01"]).output)
    assert len(by_community) == 2
    assert json.loads(runner.invoke(args=["cases", "list", "--overdue"]).output) == []
    clock.advance(days=6)  # Tuesday 12-02: past b's deadline (Tue 12-01 10:00)
    overdue = json.loads(runner.invoke(args=["cases", "list", "--overdue"]).output)
    assert [c["code"] for c in overdue] == [b] and overdue[0]["overdue"] is True


def test_cases_unknown_code_and_grid(runner):
    missing = runner.invoke(args=["cases", "show", "GR209901010001"])
    assert missing.exit_code == 1 and "没有找到" in missing.output
    bad = runner.invoke(args=["cases", "list", "--grid", "NOPE"])
    assert bad.exit_code == 1
    assert runner.invoke(args=["cases", "list", "--status", "weird"]).exit_code == 2


def test_readyz_reports_database_and_store(client, app):
    ok = client.get("/readyz")
    assert ok.status_code == 200 and ok.get_json()["checks"]["database"] == "ok"
    from bot.store import StoreUnavailable

    class Down:
        def get(self, key):
            raise StoreUnavailable("redis: ConnectionError")

    rt = app.extensions["wanggetong"]
    rt.settings = rt.settings.with_overrides(REDIS_URL="redis://127.0.0.1:1/0")
    rt.store = Down()
    down = client.get("/readyz")
    assert down.status_code == 503 and down.get_json()["checks"]["redis"].startswith("redis:")
