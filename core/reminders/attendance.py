"""签到 and 请假 against a meeting (单独签到；请假并说明情况, 制度1/2).

签到 counts for the meeting of the member's community starting within half an hour either
way; 请假 applies to the next meeting and is forwarded to its convener (召集人) through the
outbox — to the supervisor when the convener asks. The work record (WorkLog) is kept too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from core.actors import ActorRef, load_staff
from core.inbound import WorkLog
from core.outbox import Priority
from core.registry.models import ROLE_LABELS, Role, Staff
from core.reminders.common import push_staff, when_label
from core.reminders.config import reminder_config
from core.reminders.models import Attendance, Meeting, Presence
from core.reminders.people import related_units, staff_of
from core.reminders.roster import roll_entry
from core.uow import UnitOfWork
from core.worklog import ask_leave, sign_in


@dataclass(frozen=True)
class CheckIn:
    """What 签到 did: the work record, and the meeting signed in to (None: no meeting now)."""

    log: WorkLog
    meeting: Meeting | None = None
    late: bool = False
    earlier: datetime | None = None  # already signed in at this time


@dataclass(frozen=True)
class Leave:
    """What 请假 did: the work record, the meeting it is for and who was told."""

    log: WorkLog
    meeting: Meeting | None = None
    told: list[Staff] = field(default_factory=list)


def _meetings(uow: UnitOfWork, person: Staff, start: datetime, end: datetime) -> list[Meeting]:
    units = sorted(related_units(uow.session, person))
    return list(uow.session.scalars(select(Meeting).where(
        Meeting.grid_id.in_(units), Meeting.starts_at >= start, Meeting.starts_at <= end)
        .order_by(Meeting.starts_at, Meeting.id)))


def _status(uow: UnitOfWork, meeting: Meeting, person: Staff) -> str | None:
    return uow.session.scalar(select(Attendance.status).where(
        Attendance.meeting_id == meeting.id, Attendance.staff_id == person.id))


def check_in(uow: UnitOfWork, actor: ActorRef, note: str = "") -> CheckIn:
    """签到: the work record, and presence at the nearest meeting within the sign-in window."""
    log = sign_in(uow, actor, note)
    person = load_staff(uow.session, actor)
    window = reminder_config().attendance
    now = log.at
    found = _meetings(uow, person, now - timedelta(minutes=window["sign_in_after_minutes"]),
                      now + timedelta(minutes=window["sign_in_before_minutes"]))
    if not found:
        return CheckIn(log)
    meeting = min(found, key=lambda m: (_status(uow, m, person) is None,
                                        abs((m.starts_at - now).total_seconds())))
    row = roll_entry(uow.session, meeting, person)
    if row.status == Presence.PRESENT and row.at is not None:
        return CheckIn(log, meeting, row.at > meeting.starts_at, earlier=row.at)
    row.status, row.at = Presence.PRESENT, now
    return CheckIn(log, meeting, now > meeting.starts_at)


def _next_meeting(uow: UnitOfWork, person: Staff, now: datetime) -> Meeting | None:
    window = reminder_config().attendance
    found = _meetings(uow, person, now - timedelta(minutes=window["sign_in_after_minutes"]),
                      now + timedelta(days=window["leave_lookahead_days"]))
    return next((m for m in found if _status(uow, m, person) != Presence.PRESENT), None)


def leave_for_meeting(uow: UnitOfWork, actor: ActorRef, reason: str) -> Leave:
    """请假 原因: the work record, leave at the next meeting, the reason sent to its convener."""
    log = ask_leave(uow, actor, reason)
    person = load_staff(uow.session, actor)
    meeting = _next_meeting(uow, person, log.at)
    if meeting is None:
        return Leave(log)
    row = roll_entry(uow.session, meeting, person)
    row.status, row.at, row.note = Presence.LEAVE, log.at, log.text
    told = [meeting.convener] if meeting.convener and meeting.convener.id != person.id else []
    if not told:
        told = staff_of(uow.session, meeting.grid, [Role.SUPERVISOR])
    role = ROLE_LABELS.get(Role(person.role), person.role)
    body = (f"{person.name}（{role}）请假\n会议：{when_label(log.at.date(), meeting.starts_at)}"
            f" {meeting.title}\n原因：{log.text}")
    for other in told:
        push_staff(uow.session, key=f"meeting:{meeting.id}:leave:{log.id}",
                   person=other, kind="leave_request", title=f"请假 {person.name}", body=body,
                   now=log.at, priority=Priority.HIGH)
    return Leave(log, meeting, told)
