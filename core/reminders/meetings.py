"""Standing meeting reminders (例会提醒, 制度1): 早例会, 周例会, 月总结会.

One job per reminder time (08:00, 17:00 by default): it finds every meeting whose reminder
falls on this minute of this working day, makes the meeting row of each community (so
签到 and 请假 attach to it), and tells the participants with the agenda.
"""

from __future__ import annotations

from datetime import date, datetime, time

from core.clock import as_local
from core.registry.models import Grid
from core.reminders.agenda import agenda_lines
from core.reminders.common import at, is_due, push_staff, when_label
from core.reminders.config import MeetingRule, reminder_config
from core.reminders.people import communities, staff_of
from core.reminders.roster import enrol, ensure_meeting
from core.reminders.schedule import meetings_on, reminder_target
from core.uow import UnitOfWork


def _title(rule: MeetingRule, guests: list[MeetingRule]) -> str:
    if not guests:
        return rule.title
    return f"{rule.title}（含{'、'.join(g.title for g in guests)}）"


def _remind_unit(uow: UnitOfWork, now: datetime, key: str, rule: MeetingRule,
                 guests: list[MeetingRule], unit: Grid, day: date) -> int:
    """Make the meeting of ``unit`` and tell its participants; returns pushes queued."""
    config = reminder_config()
    roles = list(dict.fromkeys([*rule.participants, *(r for g in guests for r in g.participants)]))
    people = staff_of(uow.session, unit, roles)
    if not people:
        return 0
    conveners = staff_of(uow.session, unit, [rule.convener])
    convener = conveners[0] if conveners else None
    items = [*rule.agenda, *(i for g in guests for i in g.agenda if i not in rule.agenda)]
    lines = agenda_lines(uow, unit, items, day, now, config.list_limit)
    title = _title(rule, guests)
    starts_at = at(day, rule.start)
    meeting = ensure_meeting(uow.session, unit=unit, kind=rule.kind, title=title,
                             starts_at=starts_at, convener=convener, now=now,
                             agenda="\n".join(lines))
    enrol(uow.session, meeting, people)
    body = "\n".join([
        f"{when_label(as_local(now).date(), starts_at)} {unit.name}{title}",
        f"召集人：{convener.name if convener else '—'}",
        "议程：", *lines,
        "到会后回复「签到」；确有原因不能参加，请回复「请假 原因」。",
    ])
    queued = 0
    for person in people:
        queued += push_staff(uow.session, key=f"{key}:{unit.code}",
                             person=person, kind="meeting", title=f"{title}提醒", body=body,
                             now=now)
    return queued


def remind_meetings(uow: UnitOfWork, now: datetime) -> int:
    """例会提醒: every meeting reminder due at this minute of a working day."""
    config = reminder_config()
    calendar = uow.env.calendar
    today = as_local(now).date()
    queued = 0
    for rule in config.meetings.values():
        for days_before, clock_time in rule.reminders:
            if not is_due(now, clock_time, config.tolerance_minutes):
                continue
            day = reminder_target(today, days_before, calendar)
            if day is None:
                continue
            held = {r.kind: guests for r, guests in meetings_on(config, day, calendar)}
            if rule.kind not in held:
                continue
            key = f"job:{job_id(clock_time)}:{today}:{rule.kind}"
            for unit in communities(uow.session):
                queued += _remind_unit(uow, now, key, rule, held[rule.kind], unit, day)
    return queued


def job_id(clock_time: time) -> str:
    """The scheduler id of the meeting job asked at ``clock_time``: 'meetings.0800'."""
    return f"meetings.{clock_time:%H%M}"


def reminder_times() -> list[time]:
    """Every distinct time of day a meeting reminder is sent."""
    config = reminder_config()
    return sorted({t for rule in config.meetings.values() for _, t in rule.reminders})
