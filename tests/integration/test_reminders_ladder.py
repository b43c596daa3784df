"""The overdue ladder (督办) and pending verification (待核查催办), rung by rung, across the
调休 Saturday 10-10 and the National Day week; each rung once, 督办 lines in the ledger."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from bot.scheduler import run_spec
from core.actors import staff
from core.cases.escalation import decide_extension, request_extension
from core.cases.flow import claim_case, dispatch_case, resolve_case, verify_case
from core.cases.ledger import rebuild, snapshot
from core.cases.models import Case, CaseEvent
from core.reminders import registry
from core.reminders.config import reminder_config
from core.reminders.ladder import run_ladder, rungs_to_send
from core.uow import UnitOfWork
from tests.integration.test_reminders import Walk, d, pushes, report, t, when

pytestmark = pytest.mark.usefixtures("town")
G01 = "阳光花园1栋楼下垃圾堆积没人清理"


def ladder_log(uow, code: str | None = None) -> list[tuple]:
    with uow() as tx:
        ids = {c.id: c.code for c in tx.session.scalars(select(Case))}
    return [(when(p)[0], p.kind.removeprefix("ladder_"), p.recipient) for p in pushes(uow)
            if p.kind.startswith("ladder_") and (code is None or ids[p.case_id] == code)]


def supervise_notes(uow, code: str) -> list[tuple]:
    with uow() as tx:
        case = tx.session.scalar(select(Case).where(Case.code == code))
        events = list(tx.session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.action == "supervise").order_by(CaseEvent.seq)))
        assert rebuild(case.events) == snapshot(case)  # 督办 lines change nothing on the case
        return [(e.at.date(), e.note) for e in events]


def test_every_rung_once_to_the_right_people(env, clock, uow):
    clock.set(t(10, 9, 10))  # Friday; 3 working days → Tuesday 10-13 10:00 (Saturday 10-10 works)
    code = report(uow, G01)
    with uow() as tx:
        claim_case(tx, staff("leader1"), code)
        dispatch_case(tx, staff("leader1"), code, to="member1")
    Walk(env, clock, ["ladder"]).run(t(10, 9, 10, 1), t(11, 1))
    assert ladder_log(uow) == [
        (d(10, 12), "before", "member1"),
        (d(10, 13), "due", "member1"), (d(10, 13), "due", "leader1"),
        (d(10, 14), "late1", "manager1"),
        (d(10, 16), "late3", "super1"),
    ]
    assert {when(p)[1] for p in pushes(uow) if p.kind.startswith("ladder_")} == {time(9)}
    assert supervise_notes(uow, code) == [(d(10, 14), "已超期 1 个工作日，督办：孙书记"),
                                          (d(10, 16), "已超期 3 个工作日，督办：吴督导")]
    late = pushes(uow, "ladder_late1")[0]
    assert late.title == f"超期督办 {code}" and late.url == f"http://grid.test/cases/{code}"
    assert late.body.splitlines()[0].startswith(f"{code} 环境卫生 幸福社区第一网格 时限10月13日")
    assert "承办：李网格员" in late.body


def test_an_approved_extension_starts_the_ladder_again(env, clock, uow):
    clock.set(t(9, 21, 10))  # Monday → deadline Thursday 09-24 10:00
    code = report(uow, G01)
    walk = Walk(env, clock, ["ladder"])
    walk.run(t(9, 21, 10, 1), t(9, 28, 9, 30))
    assert [r[1] for r in ladder_log(uow)] == ["before", "due", "late1"]
    clock.set(t(9, 28, 9, 30))
    with uow() as tx:
        request_extension(tx, staff("leader1"), code, 5, "需协调环卫车辆")
        decide_extension(tx, staff("manager1"), code, approve=True)
    with uow() as tx:
        deadline = tx.session.scalar(select(Case.deadline).where(Case.code == code))
    assert deadline.date() == d(10, 9)  # 09-28, 09-29, 09-30, 10-08, 10-09
    walk.run(t(9, 28, 9, 30), t(10, 13))
    assert ladder_log(uow)[3:] == [(d(10, 8), "before", "leader1"), (d(10, 9), "due", "leader1"),
                                   (d(10, 10), "late1", "manager1")]  # the 调休 Saturday
    assert [day for day, _ in supervise_notes(uow, code)] == [d(9, 28), d(10, 10)]


def test_a_missed_check_catches_up_the_supervision_rungs(env, clock, uow):
    clock.set(t(10, 12, 10))  # Monday → deadline Thursday 10-15 10:00
    code = report(uow, G01)
    with UnitOfWork(env) as tx:  # first check four working days late (the scheduler was down)
        assert run_ladder(tx, t(10, 21, 9)) == 2
    assert ladder_log(uow, code) == [(d(10, 21), "late1", "manager1"),
                                     (d(10, 21), "late3", "super1")]
    with UnitOfWork(env) as tx:
        assert run_ladder(tx, t(10, 22, 9)) == 0
    assert len(supervise_notes(uow, code)) == 2


def test_which_rungs_a_day_sends():
    rungs = reminder_config().rungs
    names = {k: [r.name for r in rungs_to_send(rungs, k)] for k in range(-3, 6)}
    assert names == {-3: [], -2: [], -1: ["before"], 0: ["due"], 1: ["late1"], 2: ["late1"],
                     3: ["late1", "late3"], 4: ["late1", "late3"], 5: ["late1", "late3"]}


def test_resolved_but_not_verified_reminds_the_verifier(env, clock, uow):
    clock.set(t(10, 8, 9, 30))
    grid_case = report(uow, G01)
    town_case = report(uow, "阳光花园3栋门口有人占道经营摆摊", who="o-res-2", category="city")
    clock.set(t(10, 9, 8))
    with uow() as tx:
        resolve_case(tx, staff("leader1"), grid_case, "已清理")
    clock.set(t(10, 9, 15))
    with uow() as tx:
        assert tx.session.scalar(select(Case.department).where(Case.code == town_case)) == "城管执法"
        resolve_case(tx, staff("cg1"), town_case, "已劝离摊贩")
    walk = Walk(env, clock, ["pending_verification"])
    walk.run(t(10, 9, 8, 1), t(10, 16))
    got = [(when(p)[0], p.recipient, p.title) for p in pushes(uow, "verify_overdue")]
    # 10-09 08:00 + 1 working day = Saturday 10-10 (调休) 08:00; 15:00 + 1 = 10-10 15:00 → Monday
    assert got == [(d(10, 10), "manager1", f"待核查 {grid_case}"),
                   (d(10, 12), "centre1", f"待核查 {town_case}")]
    clock.set(t(10, 16, 10))
    with uow() as tx:
        verify_case(tx, staff("manager1"), grid_case, passed=False, note="现场仍有垃圾")
        resolve_case(tx, staff("leader1"), grid_case, "已彻底清理")
    walk.run(t(10, 16, 10, 1), t(10, 21))
    got = [(when(p)[0], p.recipient) for p in pushes(uow, "verify_overdue")]
    assert got[2:] == [(d(10, 20), "manager1")]  # the new resolution, a working day later


def test_the_scheduler_reports_the_rows_the_ladder_queued_in_one_batch(env, clock, uow):
    """The ladder writes its pushes by one executemany (no ORM objects); the job's report
    (``flask scheduler --run-due`` prints it) still lists each row, and the count matches
    the outbox."""
    clock.set(t(10, 9, 10))  # Friday → deadline Tuesday 10-13 10:00
    code = report(uow, G01)
    with uow() as tx:
        claim_case(tx, staff("leader1"), code)
        dispatch_case(tx, staff("leader1"), code, to="member1")
    spec = next(s for s in registry.jobs() if s.id == "ladder")
    run = run_spec(env, spec, t(10, 13, 9))  # the due day: assignee and grid leader
    assert run.error is None and run.queued == 2
    assert sorted((r.channel, r.recipient, r.kind, r.dedup_key) for r in run.rows) == [
        ("wecom", "leader1", "ladder_due", f"job:ladder:{code}:due:20261013:leader1"),
        ("wecom", "member1", "ladder_due", f"job:ladder:{code}:due:20261013:member1"),
    ]
    assert sorted(p.dedup_key for p in pushes(uow) if p.kind == "ladder_due") == sorted(
        r.dedup_key for r in run.rows)
    again = run_spec(env, spec, t(10, 13, 9))  # a second run of the same slot: nothing new
    assert (again.queued, again.rows) == (0, [])
