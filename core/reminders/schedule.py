"""Which days a standing meeting is held (会议日期), by the working-day calendar.

早例会 every working day; 周例会 on its weekday, moved to the next working day when that
day is off; 月总结会 on the month's last Friday, moved to the working day before. Pure:
only the calendar and the rules are read.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.calendar import WorkCalendar
from core.reminders.config import MeetingRule, ReminderConfig


def last_weekday(year: int, month: int, iso_weekday: int) -> date:
    """The month's last Monday…Sunday (1…7), e.g. 每月最后一个周五."""
    day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    while day.isoweekday() != iso_weekday:
        day -= timedelta(days=1)
    return day


def nominal_days(rule: MeetingRule, around: date) -> list[date]:
    """The rule's nominal dates near ``around`` (before moving off days)."""
    if rule.every == "week":
        this_week = around - timedelta(days=around.isoweekday() - rule.weekday)
        return [this_week + timedelta(weeks=k) for k in range(-3, 2)]
    if rule.every == "month":
        months = [(around.year, around.month + k) for k in (-1, 0)]
        return [last_weekday(y + (m - 1) // 12, (m - 1) % 12 + 1, rule.weekday) for y, m in months]
    return [around]


def occurrence(rule: MeetingRule, nominal: date, calendar: WorkCalendar) -> date | None:
    """The day a nominal date is actually held: itself, or moved by ``if_off``, or None."""
    if calendar.is_working_day(nominal):
        return nominal
    if rule.if_off == "next":
        return calendar.next_working_day(nominal)
    if rule.if_off == "previous":
        return calendar.previous_working_day(nominal)
    return None


def is_held(rule: MeetingRule, day: date, calendar: WorkCalendar) -> bool:
    """True when ``rule``'s meeting falls on ``day``."""
    if rule.every == "working_day":
        return calendar.is_working_day(day)
    return any(occurrence(rule, n, calendar) == day for n in nominal_days(rule, day))


def host_of(rule: MeetingRule, held: set[str]) -> str | None:
    """The meeting ``rule`` is held as part of that day (merge_into), or None."""
    return next((k for k in rule.merge_into if k in held), None)


def meetings_on(config: ReminderConfig, day: date, calendar: WorkCalendar,
                ) -> list[tuple[MeetingRule, list[MeetingRule]]]:
    """The meetings held on ``day``: each with the meetings merged into it (e.g. 早例会)."""
    held = {k for k, r in config.meetings.items() if is_held(r, day, calendar)}
    result = []
    for kind in held:
        rule = config.meetings[kind]
        if host_of(rule, held) is None:
            guests = [config.meetings[g] for g in sorted(held)
                      if host_of(config.meetings[g], held) == kind]
            result.append((rule, guests))
    return sorted(result, key=lambda pair: list(config.meetings).index(pair[0].kind))


def reminder_target(today: date, days_before: int, calendar: WorkCalendar) -> date | None:
    """The meeting day a reminder sent today ``days_before`` working days ahead is for."""
    if not calendar.is_working_day(today):
        return None
    day = today
    for _ in range(days_before):
        day = calendar.next_working_day(day)
    return day
