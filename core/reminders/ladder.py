"""The overdue ladder (督办阶梯, 限时办结 制度4/5/11) and pending verification (待核查催办).

Checked every working day at 09:00. A case climbs one rung per threshold, counted in working
days from its due day: the day before → the assignee; the due day → assignee and grid
leader; 1 working day late → the community manager; 3 late → the supervisor. Each rung is
sent once per case and deadline (an extension starts the ladder again); the rungs after the
deadline also write a 督办 line in the case's ledger (台账).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import defaultload

from core.actors import SYSTEM
from core.cases.ledger import record
from core.cases.models import Case, CaseEvent
from core.cases.notify import case_line, case_url
from core.cases.queries import ACTIVE
from core.cases.states import Action, Status
from core.clock import as_local
from core.db import remember
from core.outbox import Notification, Priority, enqueue_many, outbox_values
from core.registry.lookup import ancestors
from core.registry.models import Level, Role, Staff, StaffGrid
from core.reminders.common import MIDNIGHT, at, is_due, push_staff, staff_push
from core.reminders.config import Rung, reminder_config
from core.reminders.people import case_people
from core.uow import UnitOfWork

LADDER_KEY = "job:ladder:"  # the dedup keys of the ladder's pushes begin so


def offset(uow: UnitOfWork, today: date, due: date) -> int:
    """Working days from the due day to today: -1 the day before, 0 on it, 2 two days late."""
    calendar = uow.env.calendar
    if today < due:
        return -calendar.working_days_between(at(today, MIDNIGHT), at(due, MIDNIGHT))
    return calendar.working_days_between(at(due, MIDNIGHT), at(today, MIDNIGHT))


def rungs_to_send(rungs: tuple[Rung, ...], k: int) -> list[Rung]:
    """The highest rung reached, plus every 督办 rung reached (a missed check catches up)."""
    reached = [r for r in rungs if r.offset <= k]
    if not reached:
        return []
    return [r for r in reached if r is reached[-1] or r.supervise]


def _status_text(k: int) -> str:
    if k < 0:
        return f"还有 {-k} 个工作日到期"
    return "今天到期" if k == 0 else f"已超期 {k} 个工作日"


class _Roster:
    """Active leaders, managers, supervisors and centre staff by (grid, role), read once a run.

    The lookups of core.registry.lookup (leaders_of, managers_of, supervisors_of, centre_of)
    answered from memory: thousands of overdue cases ask the same few hundred questions.
    Other duties (verifier) go to case_people as before."""

    ROLES = {"leader": Role.LEADER, "manager": Role.MANAGER, "supervisor": Role.SUPERVISOR,
             "centre": Role.CENTRE}

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.at: dict[tuple[int, str], list[Staff]] = defaultdict(list)
        self._asked: dict[tuple[int, tuple[str, ...]], list[Staff]] = {}  # _lock_supervised asks first
        rows = uow.session.execute(
            select(StaffGrid.grid_id, Staff).join(Staff, Staff.id == StaffGrid.staff_id)
            .where(Staff.active.is_(True), Staff.role.in_([r.value for r in self.ROLES.values()]))
            .order_by(Staff.id))
        for grid_id, person in rows:
            self.at[(grid_id, person.role)].append(person)

    def people(self, case: Case, duties: tuple[str, ...]) -> list[Staff]:
        key = (case.id, duties)
        if key not in self._asked:
            self._asked[key] = self._people(case, duties)
        return self._asked[key]

    def _people(self, case: Case, duties: tuple[str, ...]) -> list[Staff]:
        chain = ancestors(case.grid)
        anchors = {"leader": chain[:1], "manager": [g for g in chain if g.level == Level.COMMUNITY],
                   "supervisor": chain, "centre": [g for g in chain if g.level == Level.TOWN]}
        found: dict[int, Staff] = {}
        for duty in duties:
            if duty == "assignee" or duty not in self.ROLES:
                people = case_people(self.uow, case, [duty])
            else:
                people = [p for g in anchors[duty][:None if duty == "supervisor" else 1]
                          for p in self.at[(g.id, self.ROLES[duty].value)]]
            for person in people:
                found.setdefault(person.id, person)
        return list(found.values())


def _climb(uow: UnitOfWork, case: Case, rung: Rung, k: int, now: datetime, sent: set[str],
           roster: _Roster) -> list[dict[str, Any]]:
    """The outbox rows of one rung (none already sent), and its 督办 ledger line."""
    people = roster.people(case, rung.to)
    due = as_local(case.deadline).date() if case.deadline else None
    who = f"承办：{case.assignee.name}" if case.assignee else "尚未派遣"
    verb = "超期督办" if rung.supervise else "到期提醒"
    body = f"{case_line(case)}\n{_status_text(k)}，{who}\n请抓紧办理；难以按时办结的请「延期 {case.code} 天数 原因」。"
    key = f"{LADDER_KEY}{case.code}:{rung.name}:{due:%Y%m%d}"
    rows = []
    for person in people:
        push = staff_push(person=person, kind=f"ladder_{rung.name}", key=key, title=f"{verb} {case.code}",
                          body=body, now=now, priority=Priority.HIGH, case_id=case.id,
                          url=case_url(uow, case))
        if push is None or push["dedup_key"] in sent:
            continue  # no WeCom account, or sent by an earlier run
        sent.add(push["dedup_key"])
        rows.append(outbox_values(**push))
    if rung.supervise and rows:  # the case was row-locked by _lock_supervised
        names = "、".join(p.name for p in people)
        record(uow.session, case, Action.SUPERVISE, SYSTEM, now, actor_name="系统",
               note=f"{_status_text(k)}，督办：{names}")
    return rows


def _lock_supervised(uow: UnitOfWork, reached: list, sent: set[str], roster: _Roster) -> None:
    """Row-lock, in one statement per thousand, the cases that get a 督办 ledger line this run
    (a supervise rung with someone not told yet) — what load_case did one case at a time —
    and read their last ledger events, so ``record`` needs no ``max(seq)`` for each."""
    ids = []
    for case, _k, rungs in reached:
        due = as_local(case.deadline).date()
        for rung in rungs:
            key = f"{LADDER_KEY}{case.code}:{rung.name}:{due:%Y%m%d}"
            if rung.supervise and any(p.wecom_userid and f"{key}:{p.wecom_userid}" not in sent
                                      for p in roster.people(case, rung.to)):
                ids.append(case.id)
                break
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        uow.session.execute(select(Case.id).where(Case.id.in_(chunk)).with_for_update(of=Case))
        last = (select(CaseEvent.case_id, func.max(CaseEvent.seq))
                .where(CaseEvent.case_id.in_(chunk)).group_by(CaseEvent.case_id))
        for ev in uow.session.scalars(select(CaseEvent).where(
                tuple_(CaseEvent.case_id, CaseEvent.seq).in_(last))):
            remember(uow.session, "last_event", ev.case_id, ev)  # record() numbers after it


def run_ladder(uow: UnitOfWork, now: datetime) -> int:
    """督办: every open case with a deadline, at the ladder's time on a working day."""
    config = reminder_config()
    today = as_local(now).date()
    if not uow.env.calendar.is_working_day(today) or not is_due(now, config.ladder_at,
                                                                 config.tolerance_minutes):
        return 0
    stmt = (select(Case).where(Case.status.in_([str(s) for s in ACTIVE]),
                               Case.deadline.is_not(None), Case.merged_into_id.is_(None))
            .order_by(Case.deadline, Case.id)
            .options(defaultload(Case.assignee).lazyload(Staff.grids)))  # an assignee's grids: not read here
    reached = []
    offsets: dict[date, int] = {}  # thousands of cases share a few hundred due days
    for case in uow.session.scalars(stmt):
        due = as_local(case.deadline).date()
        k = offsets.get(due)
        if k is None:
            k = offsets[due] = offset(uow, today, due)
        if rungs := rungs_to_send(config.rungs, k):
            reached.append((case, k, rungs))
    sent = _queued_keys(uow, [case.id for case, _, _ in reached])
    if not reached:
        return 0
    roster = _Roster(uow)
    _lock_supervised(uow, reached, sent, roster)
    rows: list[dict[str, Any]] = []
    with uow.session.no_autoflush:  # the ledger lines are flushed in one batch at the end
        for case, k, rungs in reached:
            for rung in rungs:
                rows += _climb(uow, case, rung, k, now, sent, roster)
    return enqueue_many(uow.session, rows)  # one executemany, no ORM objects


def _queued_keys(uow: UnitOfWork, case_ids: list[int]) -> set[str]:
    """Dedup keys of the ladder's outbox rows of these cases: one read per thousand cases,
    instead of one per rung and recipient (most rungs of an overdue case went out on earlier
    days). The cases' other pushes (dispatch, feedback …) are not read."""
    keys: set[str] = set()
    for i in range(0, len(case_ids), 1000):
        keys.update(uow.session.scalars(select(Notification.dedup_key).where(
            Notification.case_id.in_(case_ids[i:i + 1000]),
            Notification.dedup_key.startswith(LADDER_KEY))))
    return keys


def remind_verifiers(uow: UnitOfWork, now: datetime) -> int:
    """待核查催办: resolved but not verified a working day later → the level's verifier."""
    config = reminder_config()
    calendar = uow.env.calendar
    today = as_local(now).date()
    if not calendar.is_working_day(today) or not is_due(now, config.verify_at,
                                                         config.tolerance_minutes):
        return 0
    stmt = (select(Case).where(Case.status == str(Status.RESOLVED), Case.resolved_at.is_not(None))
            .order_by(Case.resolved_at, Case.id))
    queued = 0
    for case in uow.session.scalars(stmt):
        if calendar.add_working_days(case.resolved_at, config.verify_after) > now:
            continue
        body = (f"{case_line(case)}\n{as_local(case.resolved_at):%m月%d日 %H:%M} 已办结，尚未核查。\n"
                f"请「核查 {case.code} 通过」或「核查 {case.code} 退回 原因」。")
        stamp = f"{as_local(case.resolved_at):%Y%m%d%H%M}"
        for person in case_people(uow, case, ["verifier"]):
            queued += push_staff(uow.session, person=person, kind="verify_overdue",
                                 key=f"job:pending_verification:{case.code}:{stamp}",
                                 title=f"待核查 {case.code}", body=body, now=now, case_id=case.id,
                                 url=case_url(uow, case))
    return queued
