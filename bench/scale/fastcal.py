"""A precomputed view of the working-day calendar (工作日历) for the generator's hot loops.

Same answers as :class:`core.calendar.WorkCalendar` (it is asked once per day of the range),
but by table lookup: the day's flag, the count of working days up to it, and the list of
working days. Outside the range it defers to the real calendar.
"""

from __future__ import annotations

import bisect
from datetime import date, datetime, timedelta

from core.calendar import WorkCalendar
from core.clock import SHANGHAI, as_local


class FastCalendar:
    def __init__(self, real: WorkCalendar, first: date, last: date) -> None:
        self.real, self.first, self.last = real, first, last
        n = (last - first).days + 1
        self.flags = [real.is_working_day(first + timedelta(days=i)) for i in range(n)]
        self.cum: list[int] = []  # working days in [first, day]
        total = 0
        for flag in self.flags:
            total += flag
            self.cum.append(total)
        self.work = [first.toordinal() + i for i, f in enumerate(self.flags) if f]

    def _i(self, day: date) -> int | None:
        i = day.toordinal() - self.first.toordinal()
        return i if 0 <= i < len(self.flags) else None

    def is_working_day(self, day: date) -> bool:
        i = self._i(day)
        return self.flags[i] if i is not None else self.real.is_working_day(day)

    def next_working_day(self, day: date) -> date:
        pos = bisect.bisect_right(self.work, day.toordinal())
        if self._i(day) is None or pos >= len(self.work):
            return self.real.next_working_day(day)
        return date.fromordinal(self.work[pos])

    def previous_working_day(self, day: date) -> date:
        pos = bisect.bisect_left(self.work, day.toordinal()) - 1
        if self._i(day) is None or pos < 0:
            return self.real.previous_working_day(day)
        return date.fromordinal(self.work[pos])

    def add_working_days(self, start: datetime, n: int) -> datetime:
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        local = as_local(start)
        day = local.date()
        pos = bisect.bisect_right(self.work, day.toordinal()) + n - 1
        if n == 0:
            target = day
        elif self._i(day) is not None and pos < len(self.work):
            target = date.fromordinal(self.work[pos])
        else:
            return self.real.add_working_days(start, n)
        return datetime.combine(target, local.timetz()).replace(tzinfo=SHANGHAI)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        first, last = as_local(start), as_local(end)
        if last <= first:
            return 0
        i, j = self._i(first.date()), self._i(last.date())
        if i is None or j is None:
            return self.real.working_days_between(start, end)
        return self.cum[j] - self.cum[i]
