"""考勤 figures: this month's meetings and trainings, per person (培训考勤作为考核依据, 制度2).

Everyone sees their own line; a manager, supervisor, the centre or an admin also sees
everyone on the rolls of the meetings in their jurisdiction. A 未签到 line counts as 缺席
once the meeting's sign-in window has closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.actors import ActorRef, load_staff
from core.registry.models import Role, Staff
from core.reminders.config import reminder_config
from core.reminders.models import Attendance, Meeting, Presence
from core.scope import scope_of
from core.uow import UnitOfWork

OVERSEERS = frozenset({Role.MANAGER, Role.SUPERVISOR, Role.CENTRE, Role.ADMIN})


@dataclass
class Tally:
    """One person's month: 应到, 签到 (of which 迟到), 请假, 缺席, 补课."""

    person: Staff
    expected: int = 0
    present: int = 0
    late: int = 0
    leave: int = 0
    absent: int = 0
    made_up: int = 0

    def add(self, row: Attendance, closed: bool) -> None:
        if row.status == Presence.EXPECTED and not closed:
            return  # the meeting is still open for 签到
        self.expected += 1
        if row.status == Presence.PRESENT:
            self.present += 1
            self.late += bool(row.at and row.at > row.meeting.starts_at)
        elif row.status == Presence.LEAVE:
            self.leave += 1
        elif row.status == Presence.MADE_UP:
            self.made_up += 1
        else:
            self.absent += 1


@dataclass(frozen=True)
class MonthAttendance:
    month: datetime
    mine: Tally
    meetings: int  # meetings held in the jurisdiction this month (overseers only)
    others: list[Tally]  # everyone in the jurisdiction, most absences first (overseers only)


def month_attendance(uow: UnitOfWork, actor: ActorRef) -> MonthAttendance:
    """考勤 of the current month up to now."""
    person = load_staff(uow.session, actor)
    now = uow.now()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    after = timedelta(minutes=reminder_config().attendance["sign_in_after_minutes"])
    stmt = (select(Attendance).join(Meeting, Meeting.id == Attendance.meeting_id)
            .where(Meeting.starts_at >= start, Meeting.starts_at <= now)
            .order_by(Meeting.starts_at, Attendance.id))
    overseer = person.role in OVERSEERS
    if overseer:
        scope = scope_of(uow.session, person)
        if scope.grid_ids is not None:
            stmt = stmt.where(Meeting.grid_id.in_(sorted(scope.grid_ids)))
    else:
        stmt = stmt.where(Attendance.staff_id == person.id)
    tallies: dict[int, Tally] = {person.id: Tally(person)}
    meetings: set[int] = set()
    for row in uow.session.scalars(stmt):
        meetings.add(row.meeting_id)
        tally = tallies.setdefault(row.staff_id, Tally(row.staff))
        tally.add(row, closed=row.meeting.starts_at + after < now)
    others = sorted((t for t in tallies.values() if t.expected),
                    key=lambda t: (-t.absent, -t.leave, t.person.id))
    return MonthAttendance(start, tallies[person.id], len(meetings) if overseer else 0,
                           others if overseer else [])
