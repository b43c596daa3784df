"""The people's part of 考核: patrol days (巡查, 制度6) and meeting attendance (考勤, 制度2/6)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select

from core.assessment.period import Period
from core.clock import as_local
from core.inbound import WorkLog
from core.registry.models import Staff
from core.reminders.config import reminder_config
from core.reminders.figures import Tally
from core.reminders.models import Attendance, Meeting
from core.uow import UnitOfWork


def patrol_days(uow: UnitOfWork, staff_ids: list[int], period: Period) -> dict[int, set[date]]:
    """巡查 days (Shanghai dates) of each person in the period."""
    days: dict[int, set[date]] = defaultdict(set)
    for staff_id, at in uow.session.execute(
            select(WorkLog.staff_id, WorkLog.at).where(
                WorkLog.staff_id.in_(staff_ids), WorkLog.kind == "patrol",
                WorkLog.at >= period.start, WorkLog.at < period.end)):
        days[staff_id].add(as_local(at).date())
    return days


def attendance(uow: UnitOfWork, people: dict[int, Staff], period: Period,
               now: datetime) -> dict[int, Tally]:
    """考勤 per person, counted as 考勤 (core.reminders.figures.Tally) counts it."""
    after = timedelta(minutes=reminder_config().attendance["sign_in_after_minutes"])
    tallies = {pid: Tally(person) for pid, person in people.items()}
    rows = uow.session.scalars(
        select(Attendance).join(Meeting, Meeting.id == Attendance.meeting_id).where(
            Attendance.staff_id.in_(sorted(people)), Meeting.starts_at >= period.start,
            Meeting.starts_at < period.end, Meeting.starts_at <= now)
        .order_by(Meeting.starts_at, Attendance.id))
    for row in rows:
        tallies[row.staff_id].add(row, closed=row.meeting.starts_at + after < now)
    return tallies
