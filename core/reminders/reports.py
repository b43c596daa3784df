"""Work-report and patrol reminders (报告制度、巡查制度), 16:00 on working days.

巡查 (制度6): a grid leader with no patrol record today. 报告 (制度8): a grid leader who
wrote no 民情日志 in the last 3 working days (today included). 一般信息 (制度12): every
Monday and Thursday that is a working day, members are reminded to report to their leader.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.clock import as_local
from core.inbound import WorkLog
from core.registry.models import Role, Staff
from core.reminders.common import MIDNIGHT, WEEKDAY_NAMES, at, is_due, push_staff
from core.reminders.config import parse_time, reminder_config
from core.uow import UnitOfWork

PATROL_TEXT = ("今天还没有巡查记录。网格长每日至少到网格巡查1次（制度6），"
               "巡查后回复「巡查 情况」；无异常可回复「巡查 一切正常」。")
LOG_TEXT = ("您已 {n} 个工作日没有写民情日志。网格长原则上每3天报告一次工作情况（制度8），"
            "请回复「日志 工作情况」。")
INFO_TEXT = ("今天是周{w}，请把本网格的一般信息报网格长（制度12：一般信息每周一、四报送，"
             "特殊信息随时报送）。可回复「日志 内容」留存。")


def _rule(name: str, now: datetime, uow: UnitOfWork) -> dict | None:
    """The rule ``name`` when it is due now on a working day, else None."""
    config = reminder_config()
    rule = config.reports[name]
    today = as_local(now).date()
    if not uow.env.calendar.is_working_day(today):
        return None
    if not is_due(now, parse_time(rule["at"], name), config.tolerance_minutes):
        return None
    weekdays = rule.get("weekdays")
    if weekdays and today.isoweekday() not in {int(d) for d in weekdays}:
        return None
    return rule


def _people(uow: UnitOfWork, rule: dict) -> list[Staff]:
    roles = [Role(r).value for r in rule["to"]]
    return list(uow.session.scalars(select(Staff).where(
        Staff.active.is_(True), Staff.role.in_(roles)).order_by(Staff.id)))


def _wrote(uow: UnitOfWork, person: Staff, kind: str, since: datetime, now: datetime) -> bool:
    return uow.session.scalar(select(WorkLog.id).where(
        WorkLog.staff_id == person.id, WorkLog.kind == kind, WorkLog.at >= since,
        WorkLog.at <= now).limit(1)) is not None


def remind_patrol(uow: UnitOfWork, now: datetime) -> int:
    """巡查提醒: grid leaders with no patrol record today."""
    rule = _rule("patrol", now, uow)
    if rule is None:
        return 0
    today = as_local(now).date()
    queued = 0
    for person in _people(uow, rule):
        if not _wrote(uow, person, "patrol", at(today, MIDNIGHT), now):
            queued += push_staff(uow.session, key=f"job:report.patrol:{today}",
                                 person=person, kind="patrol_reminder", title="巡查提醒",
                                 body=PATROL_TEXT, now=now)
    return queued


def remind_leader_log(uow: UnitOfWork, now: datetime) -> int:
    """报告提醒: grid leaders with no 民情日志 in the last N working days (today included)."""
    rule = _rule("leader_log", now, uow)
    if rule is None:
        return 0
    today = as_local(now).date()
    days = int(rule.get("working_days", 3))
    first = today
    for _ in range(days - 1):
        first = uow.env.calendar.previous_working_day(first)
    queued = 0
    for person in _people(uow, rule):
        if not _wrote(uow, person, "log", at(first, MIDNIGHT), now):
            queued += push_staff(uow.session, key=f"job:report.leader_log:{today}",
                                 person=person, kind="log_reminder", title="报告提醒",
                                 body=LOG_TEXT.format(n=days), now=now)
    return queued


def remind_member_info(uow: UnitOfWork, now: datetime) -> int:
    """信息报送提醒: members, on the configured weekdays (周一、周四) that are working days."""
    rule = _rule("member_info", now, uow)
    if rule is None:
        return 0
    today = as_local(now).date()
    body = INFO_TEXT.format(w=WEEKDAY_NAMES[today.weekday()])
    queued = 0
    for person in _people(uow, rule):
        queued += push_staff(uow.session, key=f"job:report.member_info:{today}",
                             person=person, kind="info_reminder", title="信息报送提醒", body=body,
                             now=now)
    return queued
