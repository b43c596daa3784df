"""The closed loop through the use cases, on a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from core.actors import SYSTEM, resident, staff
from core.cases.escalation import decide_extension, escalate_case, forward_case, request_extension
from core.cases.flow import (
    accept_case,
    claim_case,
    dispatch_case,
    feedback_case,
    reject_case,
    reopen_case,
    resolve_case,
    verify_case,
)
from core.cases.models import Case
from core.cases.report import ReportInput, merge_case, rate_case, report_case
from core.clock import SHANGHAI
from core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from core.outbox import Notification

pytestmark = pytest.mark.usefixtures("town")


def report(uow, who="o-res-1", text="阳光花园3栋楼下垃圾堆了三天没人清", category="env", **kw):
    with uow() as tx:
        out = report_case(tx, resident(who) if not who.startswith("staff:") else staff(who[6:]),
                          ReportInput(description=text, category=category, **kw))
        return out.case.code, out


def case_of(uow, code) -> Case:
    """The case, with the relations the tests read loaded before the session closes."""
    with uow() as tx:
        c = tx.session.scalar(select(Case).where(Case.code == code))
        _ = (c.merged_into, c.reporter_staff, c.events)
        return c


def pushes(uow, kind=None, recipient=None) -> list[Notification]:
    with uow() as tx:
        stmt = select(Notification).order_by(Notification.id)
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        if recipient:
            stmt = stmt.where(Notification.recipient == recipient)
        return list(tx.session.scalars(stmt))


def test_full_loop_grid_level(uow, clock):
    code, out = report(uow)
    assert out.accepted and code == "GR202611260001"
    c = case_of(uow, code)
    assert (c.status, c.level, c.grid.code, c.assignee.wecom_userid) == ("dispatched", "grid", "G01", "leader1")
    # Thursday 2026-11-26 10:00 + 3 working days → Tuesday 2026-12-01 10:00
    assert c.deadline == datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
    assert [p.recipient for p in pushes(uow, "accepted")] == ["o-res-1"]
    assert [p.recipient for p in pushes(uow, "dispatch")] == ["leader1"]

    with uow() as tx:
        claim_case(tx, staff("leader1"), code)
        dispatch_case(tx, staff("leader1"), code, to="member1", note="你去看看")
    clock.advance(hours=3)
    with uow() as tx:
        feedback_case(tx, staff("member1"), code, "已联系环卫，下午清运")
        resolve_case(tx, staff("member1"), code, "垃圾已清运，现场已冲洗", ["media:abc"])
    assert [p.recipient for p in pushes(uow, "verify_request")] == ["manager1"]
    with uow() as tx:
        verify_case(tx, staff("manager1"), code, passed=True, note="现场已核实")
    c = case_of(uow, code)
    assert c.status == "closed" and c.on_time is True
    closed = pushes(uow, "closed")
    assert closed[0].recipient == "o-res-1" and "评价" in closed[0].body
    with uow() as tx:
        rate_case(tx, resident("o-res-1"), code, 5)
    with pytest.raises(Forbidden, match="已经评价"), uow() as tx:
        rate_case(tx, resident("o-res-1"), code, 4)
    c = case_of(uow, code)
    assert c.rating == 5
    assert [e.action for e in c.events] == ["report", "accept", "dispatch", "claim", "dispatch", "feedback", "resolve",
                       "verify_pass", "rate"]


def test_verify_return_sends_back_for_rework(uow):
    code, _ = report(uow)
    with uow() as tx:
        resolve_case(tx, staff("leader1"), code, "已处理")
    with pytest.raises(InvalidInput), uow() as tx:
        verify_case(tx, staff("manager1"), code, passed=False, note="")
    with uow() as tx:
        verify_case(tx, staff("manager1"), code, passed=False, note="现场仍有垃圾")
    c = case_of(uow, code)
    assert c.status == "dispatched" and c.resolved_at is None
    assert pushes(uow, "rework")[0].recipient == "leader1"


def test_low_confidence_waits_for_staff_who_may_correct_category(uow):
    code, out = report(uow, confident=False)
    assert not out.accepted and case_of(uow, code).status == "reported"
    with pytest.raises(Forbidden, match="管辖"), uow() as tx:
        accept_case(tx, staff("leader3"), code)
    with uow() as tx:
        accept_case(tx, staff("leader1"), code, category="property")
    c = case_of(uow, code)
    assert (c.status, c.category, c.assignee.wecom_userid) == ("dispatched", "property", "leader1")


def test_unplaced_report_goes_to_triage_and_is_accepted_with_a_grid(uow):
    code, out = report(uow, text="路边井盖丢了很危险", category="facility", who="o-new")
    c = case_of(uow, code)
    assert c.grid is None and c.status == "reported"
    with pytest.raises(InvalidInput, match="网格"), uow() as tx:
        accept_case(tx, staff("manager1"), code)
    with uow() as tx:
        accept_case(tx, staff("manager1"), code, grid_code="G02")
    c = case_of(uow, code)
    # facility is first handled at town: routed to the town centre (no 市政 department staff)
    assert (c.level, c.assignee.wecom_userid, c.grid.code) == ("town", "centre1", "G02")


def test_town_category_routes_to_department(uow, clock):
    code, _ = report(uow, text="阳光花园3栋门口占道经营摆摊", category="city")
    c = case_of(uow, code)
    assert (c.level, c.department, c.assignee.wecom_userid) == ("town", "城管执法", "cg1")
    assert c.deadline == datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)  # 5 working days
    with uow() as tx:
        resolve_case(tx, staff("cg1"), code, "已劝离")
    with pytest.raises(Forbidden, match="核查"), uow() as tx:
        verify_case(tx, staff("manager1"), code, passed=True)
    with uow() as tx:
        verify_case(tx, staff("centre1"), code, passed=True)
    assert case_of(uow, code).status == "closed"


def test_escalation_ladder_to_county_with_ticket(uow, clock):
    code, _ = report(uow, text="阳光花园3栋楼下有人吵架", category="dispute")
    with pytest.raises(InvalidInput), uow() as tx:
        escalate_case(tx, staff("leader1"), code, "")
    with uow() as tx:
        escalate_case(tx, staff("leader1"), code, "双方不接受调解")
    c = case_of(uow, code)
    assert (c.level, c.assignee.wecom_userid) == ("community", "leader1")
    assert "manager1" in [p.recipient for p in pushes(uow, "escalated")]
    with pytest.raises(Forbidden), uow() as tx:
        escalate_case(tx, staff("member1"), code, "越级")
    with uow() as tx:
        escalate_case(tx, staff("manager1"), code, "社区无法调解")
    c = case_of(uow, code)
    assert (c.level, c.assignee.wecom_userid, c.department) == ("town", "centre1", "")
    assert "super1" in [p.recipient for p in pushes(uow, "escalated")]
    with uow() as tx:
        escalate_case(tx, staff("centre1"), code, "需县司法局处理")
    c = case_of(uow, code)
    assert c.level == "county" and c.deadline == datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    with uow() as tx:
        forward_case(tx, staff("centre1"), code, "XJ-2026-0099")
    c = case_of(uow, code)
    assert c.external_ticket == "XJ-2026-0099" and c.deadline is None
    with pytest.raises(Forbidden, match="县级"), uow() as tx:
        escalate_case(tx, staff("centre1"), code, "再上报")


def test_extension_requested_and_approved_one_level_up(uow, env):
    code, _ = report(uow)
    with pytest.raises(Forbidden, match="承办人"), uow() as tx:
        request_extension(tx, staff("member1"), code, 2, "等配件")
    with uow() as tx:
        request_extension(tx, staff("leader1"), code, 2, "特殊情况短期内难以解决，等待配件")
    assert pushes(uow, "extension_request")[0].recipient == "manager1"
    with pytest.raises(Forbidden, match="上一级"), uow() as tx:
        decide_extension(tx, staff("leader1"), code, approve=True)
    with uow() as tx:
        decide_extension(tx, staff("manager1"), code, approve=True)
    c = case_of(uow, code)
    # Tuesday 12-01 10:00 + 2 working days → Thursday 12-03 10:00
    assert c.deadline == datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI) and c.extension_days is None
    with pytest.raises(Forbidden, match="没有待审批"), uow() as tx:
        decide_extension(tx, staff("manager1"), code, approve=True)


def test_extension_cap_under_zhidu11(uow, env):
    from core.cases.policy import load_policy

    env.policy = load_policy("config/policies.yaml", "zhidu11")
    code, _ = report(uow)
    assert case_of(uow, code).deadline == datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
    with uow() as tx:
        request_extension(tx, staff("leader1"), code, 5, "等待配件")
    with pytest.raises(Forbidden, match="5 个工作日"), uow() as tx:
        decide_extension(tx, staff("manager1"), code, approve=True)
    with uow() as tx:
        decide_extension(tx, staff("manager1"), code, approve=False, note="请尽快处理")
    assert case_of(uow, code).deadline == datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)


def test_reject_and_terminal_state(uow):
    code, _ = report(uow)
    with pytest.raises(InvalidInput), uow() as tx:
        reject_case(tx, staff("leader1"), code, "no-reason")
    with uow() as tx:
        reject_case(tx, staff("leader1"), code, "invalid", "信息不实")
    assert case_of(uow, code).status == "rejected"
    assert "不予受理" in pushes(uow, "rejected")[0].body
    with pytest.raises(InvalidTransition, match="不予受理"), uow() as tx:
        resolve_case(tx, staff("leader1"), code, "x")


def test_low_rating_alerts_manager_who_may_reopen(uow):
    code, _ = report(uow)
    with uow() as tx:
        resolve_case(tx, staff("leader1"), code, "已清理")
        verify_case(tx, staff("manager1"), code, passed=True)
    with pytest.raises(Forbidden, match="低分"), uow() as tx:
        reopen_case(tx, staff("manager1"), code, "x")
    with pytest.raises(Forbidden, match="反映人"), uow() as tx:
        rate_case(tx, resident("o-other"), code, 1)
    with uow() as tx:
        rate_case(tx, resident("o-res-1"), code, 2, "还是很脏")
    assert pushes(uow, "low_rating")[0].recipient == "manager1"
    with pytest.raises(Forbidden), uow() as tx:
        reopen_case(tx, staff("leader1"), code, "x")
    with uow() as tx:
        reopen_case(tx, staff("manager1"), code, "居民不满意，重新清理")
    c = case_of(uow, code)
    assert c.status == "dispatched" and c.rating is None and c.closed_at is None


def test_rate_only_after_close_and_in_range(uow):
    code, _ = report(uow)
    with pytest.raises(Forbidden, match="尚未结案"), uow() as tx:
        rate_case(tx, resident("o-res-1"), code, 5)
    with pytest.raises(InvalidInput), uow() as tx:
        rate_case(tx, resident("o-res-1"), code, 6)


def test_duplicate_merged_automatically_and_by_staff(uow, env):
    env.similarity = lambda a, b: 1.0 if "垃圾" in a and "垃圾" in b else 0.0
    first, _ = report(uow, who="o-a")
    second, out = report(uow, who="o-b", text="阳光花园3栋垃圾没人收")
    assert out.merged_into is not None and out.merged_into.code == first
    dup = case_of(uow, second)
    assert (dup.status, dup.reject_reason, dup.merged_into.code) == ("rejected", "duplicate", first)
    other_grid, _ = report(uow, who="o-c", text="阳光花园5栋垃圾没人收")
    assert case_of(uow, other_grid).status == "dispatched"  # another grid: not merged
    with uow() as tx:
        resolve_case(tx, staff("leader1"), first, "已清理")
    assert {p.recipient for p in pushes(uow, "resolved")} == {"o-a", "o-b"}
    env.similarity = lambda a, b: 0.0
    third, _ = report(uow, who="o-d", text="阳光花园3栋垃圾桶坏了")
    with pytest.raises(InvalidInput), uow() as tx:
        merge_case(tx, staff("leader1"), third, third)
    with uow() as tx:
        merge_case(tx, staff("leader1"), third, first)
    assert case_of(uow, third).merged_into.code == first
    assert pushes(uow, "merged")[0].recipient == "o-d"


def test_on_the_spot_patrol_is_recorded_resolved(uow):
    with uow() as tx:
        out = report_case(tx, staff("member1"), ReportInput(
            description="巡查发现楼道堆放纸箱，已当场清理", category="safety", channel="wecom",
            resolved_on_spot=True, note="已劝说住户搬走"))
        code = out.case.code
    c = case_of(uow, code)
    assert (c.status, c.assignee.wecom_userid, c.grid.code) == ("resolved", "member1", "G01")
    assert c.reporter_staff.wecom_userid == "member1"
    with pytest.raises(Forbidden), uow() as tx:
        report_case(tx, resident("o-x"), ReportInput(description="x", category="env",
                                                     resolved_on_spot=True))


def test_urgent_report_pushes_leader_and_manager_first(uow):
    code, _ = report(uow, text="阳光花园3栋着火了", category="safety", urgent=True)
    urgent = pushes(uow, "urgent")
    assert {p.recipient for p in urgent} == {"leader1", "manager1"}
    assert all(p.priority == 0 for p in urgent)


def test_unknown_case_and_unregistered_staff(uow):
    with pytest.raises(NotFound), uow() as tx:
        claim_case(tx, staff("leader1"), "GR209901010001")
    code, _ = report(uow)
    with pytest.raises(Forbidden, match="未登记"), uow() as tx:
        claim_case(tx, staff("nobody"), code)
    with pytest.raises(Forbidden, match="工作人员"), uow() as tx:
        claim_case(tx, resident("o-res-1"), code)


def test_redispatch_only_within_jurisdiction(uow):
    code, _ = report(uow)
    with pytest.raises(Forbidden, match="不负责"), uow() as tx:
        dispatch_case(tx, staff("leader1"), code, to="leader3")
    with pytest.raises(NotFound), uow() as tx:
        dispatch_case(tx, staff("leader1"), code, to="ghost")
    with pytest.raises(Forbidden, match="已派给"), uow() as tx:
        claim_case(tx, staff("member1"), code)
    with uow() as tx:
        dispatch_case(tx, SYSTEM, code)


def test_deadlines_count_working_days_across_national_day(uow, clock):
    clock.set(datetime(2026, 9, 30, 10, 0))  # Wednesday before the National Day week
    grid_case, _ = report(uow)
    town_case, _ = report(uow, who="o-2", text="阳光花园3栋门口占道经营", category="city")
    # grid: 3 working days → Saturday 10-10 (调休 working day); town: 5 → Tuesday 10-13
    assert case_of(uow, grid_case).deadline == datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI)
    assert case_of(uow, town_case).deadline == datetime(2026, 10, 13, 10, 0, tzinfo=SHANGHAI)
    clock.set(datetime(2026, 9, 24, 16, 0))  # Thursday before Mid-Autumn (Fri 09-25 off)
    code, _ = report(uow, who="o-3", text="和平新村门口的垃圾站好几天没人清运")
    # Mid-Autumn 09-25..27 off: Mon 28, Tue 29, Wed 30
    assert case_of(uow, code).deadline == datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)


def test_lettered_buildings_are_found(uow):
    from core.registry.lookup import find_address
    from core.registry.models import Address, Grid

    with uow() as tx:
        g03 = tx.session.scalar(select(Grid).where(Grid.code == "G03"))
        tx.session.add(Address(estate="和平家园", building="A座", grid=g03))
    with uow() as tx:
        assert find_address(tx.session, "和平家园A座楼下垃圾没人清").building == "A座"
        assert find_address(tx.session, "和平家园Ｂ座") is None
