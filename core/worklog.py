"""Staff work records (工作记录): 民情日志, 巡查, 签到, 请假 — one WorkLog row each.

A patrol finding (巡查发现) also becomes a case through :func:`report_case`: recorded
already resolved when the member handled it on the spot (当场处理), else accepted and
dispatched like any report. A patrol that found nothing (巡查无异常) is only logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.actors import ActorRef, load_staff
from core.cases.policy import CATEGORIES
from core.cases.report import ReportInput, ReportOutcome, report_case
from core.errors import InvalidInput
from core.inbound import WorkLog
from core.uow import UnitOfWork

KINDS = {"log": "民情日志", "patrol": "巡查", "attendance": "签到", "leave": "请假"}
ON_THE_SPOT = re.compile(r"已处理|当场处理|现场处理")
NOTHING_FOUND = re.compile(r"无异常|未发现(?:问题|异常|隐患)|一切正常")
MAX_TEXT = 2000


@dataclass(frozen=True)
class PatrolOutcome:
    """What a 巡查 message left behind: the log row and, for a finding, the case report."""

    log: WorkLog
    report: ReportOutcome | None
    resolved_on_spot: bool


def handled_on_spot(text: str) -> bool:
    """当场处理: the patrol text says the problem was already dealt with."""
    return bool(ON_THE_SPOT.search(text))


def write_record(uow: UnitOfWork, actor: ActorRef, kind: str, text: str,
                 case_id: int | None = None) -> WorkLog:
    """Append one work record of ``kind`` for the acting staff member, at the clock's time."""
    if kind not in KINDS:
        raise ValueError(f"unknown work record kind {kind!r}")
    person = load_staff(uow.session, actor)
    row = WorkLog(staff_id=person.id, kind=kind, text=text.strip()[:MAX_TEXT], at=uow.now(),
                  case_id=case_id)
    uow.session.add(row)
    uow.session.flush()
    return row


def write_log(uow: UnitOfWork, actor: ActorRef, text: str) -> WorkLog:
    """民情日志: what the member saw and did today."""
    if not text.strip():
        raise InvalidInput("请写日志内容：日志 文字")
    return write_record(uow, actor, "log", text)


def sign_in(uow: UnitOfWork, actor: ActorRef, note: str = "") -> WorkLog:
    """签到 (meeting or duty sign-in); the row's time is the sign-in time."""
    return write_record(uow, actor, "attendance", note)


def ask_leave(uow: UnitOfWork, actor: ActorRef, reason: str) -> WorkLog:
    """请假 with the reason (请假并说明情况)."""
    if not reason.strip():
        raise InvalidInput("请假须说明原因：请假 原因")
    return write_record(uow, actor, "leave", reason)


def patrol(uow: UnitOfWork, actor: ActorRef, text: str, *, category: str, urgent: bool = False,
           address: str = "") -> PatrolOutcome:
    """巡查: log the patrol; a finding becomes a case (resolved on the spot when it says so)."""
    if not text.strip():
        raise InvalidInput("请写巡查情况：巡查 文字（当场处理的加“已处理”）")
    load_staff(uow.session, actor)
    category = category if category in CATEGORIES else "other"
    if category == "other" and NOTHING_FOUND.search(text) and not urgent:
        return PatrolOutcome(write_record(uow, actor, "patrol", text), None, False)
    on_spot = handled_on_spot(text)
    outcome = report_case(uow, actor, ReportInput(
        description=text.strip(), category=category, urgent=urgent, address=address,
        channel="wecom", resolved_on_spot=on_spot,
        note="巡查发现，当场处理" if on_spot else "巡查发现"))
    target = outcome.merged_into or outcome.case
    log = write_record(uow, actor, "patrol", text, case_id=target.id)
    return PatrolOutcome(log, outcome, on_spot)
