"""Work records, 待办/督办 and 日报/统计 use cases on a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from core.actors import resident, staff
from core.cases.escalation import request_extension
from core.cases.flow import resolve_case, verify_case
from core.cases.models import Case
from core.cases.report import ReportInput, rate_case, report_case
from core.clock import SHANGHAI
from core.errors import Forbidden, InvalidInput
from core.inbound import WorkLog
from core.registry.models import Staff
from core.scope import scope_of
from core.stats import daily_figures, month_figures
from core.workbench import overdue_list, todo_list
from core.worklog import ask_leave, handled_on_spot, patrol, sign_in, write_log

pytestmark = pytest.mark.usefixtures("town")


def report(uow, text="阳光花园3栋楼下垃圾堆了三天没人清", category="env", who="o-res-1", **kw) -> str:
    with uow() as tx:
        return report_case(tx, resident(who), ReportInput(description=text, category=category,
                                                          **kw)).case.code


def codes(items) -> list[tuple[str, str]]:
    return [(i.case.code, i.tag) for i in items]


def test_scope_follows_the_grid_tree(uow):
    with uow() as tx:
        people = {s.wecom_userid: s for s in tx.session.scalars(select(Staff))}
        leader, manager, admin = (scope_of(tx.session, people[u]) for u in ("leader1", "manager1", "admin"))
        assert len(leader.grid_ids) == 1 and not leader.triage
        assert len(manager.grid_ids) == 3 and manager.triage  # C01, G01, G02
        assert admin.grid_ids is None
        assert scope_of(tx.session, people["centre1"]).label == "阳光街道"


def test_todo_follows_the_permission_table(uow, clock):
    mine = report(uow)
    triage = report(uow, text="路边井盖丢了很危险", category="facility", who="o-new")
    waiting = report(uow, text="阳光花园5栋有人吵架", category="dispute", confident=False)
    with uow() as tx:
        assert codes(todo_list(tx, staff("leader1"))) == [(mine, "承办")]
        assert codes(todo_list(tx, staff("leader2"))) == [(waiting, "待受理")]
        assert set(codes(todo_list(tx, staff("manager1")))) == {(triage, "待受理"), (waiting, "待受理")}
        assert todo_list(tx, staff("member1")) == []
        assert codes(todo_list(tx, staff("manager2"))) == [(triage, "待受理")]
    with uow() as tx:
        request_extension(tx, staff("leader1"), mine, 2, "等配件")
    with uow() as tx:
        assert (mine, "延期审批") in codes(todo_list(tx, staff("manager1")))
        assert codes(todo_list(tx, staff("leader1"))) == [(mine, "承办")]
        resolve_case(tx, staff("leader1"), mine, "已清理")
    with uow() as tx:
        assert (mine, "待核查") in codes(todo_list(tx, staff("manager1")))
        assert todo_list(tx, staff("leader1")) == []


def test_todo_puts_urgent_then_overdue_first(uow, clock):
    early = report(uow, text="阳光花园1栋垃圾没人清")
    clock.advance(days=1)
    later = report(uow, text="阳光花园2栋楼道灯坏了", category="property", who="o-res-2")
    urgent = report(uow, text="阳光花园3栋楼道着火冒烟", category="safety", who="o-res-3",
                    urgent=True)
    clock.set(datetime(2026, 12, 2, 9, 0))  # early is overdue (due 1 Dec 10:00), later due today
    with uow() as tx:
        items = todo_list(tx, staff("leader1"))
        assert [i.case.code for i in items] == [urgent, early, later]
        assert [i.overdue_days for i in items] == [0, 1, 0]
        assert codes(overdue_list(tx, staff("manager1"))) == [(early, "超期")]
        assert overdue_list(tx, staff("manager2")) == []
    with pytest.raises(Forbidden, match="网格长及以上"), uow() as tx:
        overdue_list(tx, staff("member1"))


def test_daily_and_month_figures(uow, clock):
    clock.set(datetime(2026, 10, 30, 10, 0))
    report(uow, text="阳光花园2栋上个月的垃圾", who="o-old")
    clock.set(datetime(2026, 11, 26, 10, 0))
    code = report(uow)
    report(uow, text="阳光花园4栋流浪狗很多", category="health", who="o-res-2")
    with uow() as tx:
        resolve_case(tx, staff("leader1"), code, "已清理")
        verify_case(tx, staff("manager1"), code, passed=True)
    with uow() as tx:
        rate_case(tx, resident("o-res-1"), code, 4)
        day = daily_figures(tx, staff("leader1"))
        assert (day.new, day.accepted, day.closed, day.overdue, day.mine) == (1, 1, 1, 1, 1)  # October’s case is still open and overdue
        month = month_figures(tx, staff("manager1"))
        assert month.by_category == [("env", 1), ("health", 1)] and month.reported == 2
        assert (month.closed, month.on_time_rate, month.rated, month.average_rating) == (1, 1.0, 1, 4.0)
        assert month_figures(tx, staff("leader2")).by_category == [("health", 1)]
    with pytest.raises(Forbidden), uow() as tx:
        month_figures(tx, staff("member1"))


def test_records_take_the_injected_clock(uow, clock):
    clock.set(datetime(2026, 11, 27, 8, 31))
    with uow() as tx:
        write_log(tx, staff("member1"), "走访独居老人")
        sign_in(tx, staff("member1"))
        ask_leave(tx, staff("member1"), "孩子生病")
    with uow() as tx:
        rows = list(tx.session.scalars(select(WorkLog).order_by(WorkLog.id)))
        assert [(r.kind, r.text) for r in rows] == [("log", "走访独居老人"), ("attendance", ""),
                                                   ("leave", "孩子生病")]
        assert rows[0].at == datetime(2026, 11, 27, 8, 31, tzinfo=SHANGHAI)
    with pytest.raises(InvalidInput), uow() as tx:
        ask_leave(tx, staff("member1"), " ")
    with pytest.raises(Forbidden, match="未登记"), uow() as tx:
        sign_in(tx, staff("nobody"))


def test_patrol(uow):
    assert handled_on_spot("楼道杂物已处理") and not handled_on_spot("楼道杂物未清理")
    with uow() as tx:
        spot = patrol(tx, staff("member1"), "阳光花园3栋楼道杂物，已处理", category="safety")
        found = patrol(tx, staff("member1"), "阳光花园1栋垃圾堆积", category="env")
        quiet = patrol(tx, staff("member1"), "阳光花园巡查一切正常", category="other")
        assert spot.resolved_on_spot and spot.report.case.status == "resolved"
        assert found.report.case.status == "dispatched" and found.report.case.channel == "wecom"
        assert quiet.report is None and quiet.log.case_id is None
        assert spot.log.case_id == spot.report.case.id
    with uow() as tx:
        assert tx.session.scalar(select(Case.reporter_staff_id).where(
            Case.code == found.report.case.code)) is not None
