"""Meeting rows and their roll (会议与点名册): made once, participants added as they appear."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.registry.models import Grid, Staff
from core.reminders.models import Attendance, Meeting, Presence


def find_meeting(session: Session, unit: Grid, kind: str, starts_at: datetime) -> Meeting | None:
    return session.scalar(select(Meeting).where(
        Meeting.grid_id == unit.id, Meeting.kind == kind, Meeting.starts_at == starts_at))


def ensure_meeting(session: Session, *, unit: Grid, kind: str, title: str, starts_at: datetime,
                   convener: Staff | None, now: datetime, agenda: str = "") -> Meeting:
    """The meeting of ``unit`` of ``kind`` at ``starts_at``, created on first use."""
    meeting = find_meeting(session, unit, kind, starts_at)
    if meeting is None:
        meeting = Meeting(grid=unit, grid_id=unit.id, kind=kind, title=title, starts_at=starts_at,
                          convener=convener, convener_id=convener.id if convener else None,
                          agenda=agenda, created_at=now)
        session.add(meeting)
        session.flush()
    elif agenda:
        meeting.agenda = agenda
    return meeting


def enrol(session: Session, meeting: Meeting, people: Iterable[Staff]) -> None:
    """Put every participant on the roll (未签到) unless already there."""
    known = set(session.scalars(select(Attendance.staff_id)
                                .where(Attendance.meeting_id == meeting.id)))
    for person in people:
        if person.id not in known:
            session.add(Attendance(meeting_id=meeting.id, staff_id=person.id,
                                   status=Presence.EXPECTED, note=""))
            known.add(person.id)
    session.flush()


def roll_entry(session: Session, meeting: Meeting, person: Staff) -> Attendance:
    """The participant's line of the roll, added when they were not expected."""
    row = session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                  Attendance.staff_id == person.id))
    if row is None:
        row = Attendance(meeting_id=meeting.id, staff_id=person.id, status=Presence.EXPECTED,
                         note="")
        session.add(row)
        session.flush()
    return row
