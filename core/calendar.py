"""Working-day calendar (工作日历): official holidays (法定节假日) and 调休 working weekends.

Sources, per year: an admin file ``config/holidays/<year>.txt`` if present, else the
``chinesecalendar`` package, else Monday–Friday (with one warning in the log).
All datetimes are taken in Asia/Shanghai; naive values are Shanghai time.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar

from core.clock import SHANGHAI, as_local

DEFAULT_HOLIDAY_DIR = Path(__file__).resolve().parent.parent / "config" / "holidays"
_FILE_NAME = re.compile(r"^(\d{4})\.txt$")
_MARKS = {"休": False, "班": True}  # 休 = day off, 班 = working day
_SEARCH_LIMIT = 800  # days; a calendar with no working day this long is broken

WORKDAY, WEEKEND, HOLIDAY, ADJUSTED = "workday", "weekend", "holiday", "adjusted_workday"


def _parse_file(path: Path, year: int) -> dict[date, bool]:
    """Read one holiday file (节假日文件): ``YYYY-MM-DD 休|班 [名称]`` per line."""
    entries: dict[date, bool] = {}
    text = path.read_text(encoding="utf-8-sig")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}:{number}"
        parts = line.split()
        if len(parts) < 2:
            raise ValueError(f"{where}: expected 'YYYY-MM-DD 休|班 [名称]', got {raw.strip()!r}")
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            raise ValueError(f"{where}: bad date {parts[0]!r} (use YYYY-MM-DD)") from None
        if day.year != year:
            raise ValueError(f"{where}: date {day} is outside the file's year {year}")
        if parts[1] not in _MARKS:
            raise ValueError(
                f"{where}: mark must be 休 (day off) or 班 (working day), got {parts[1]!r}"
            )
        if day in entries:
            raise ValueError(f"{where}: date {day} is listed twice")
        entries[day] = _MARKS[parts[1]]
    return entries


class WorkCalendar:
    """The Chinese working-day calendar (工作日历) used for deadlines (时效) and reminders."""

    def __init__(
        self, holiday_dir: str | Path | None = None, *, logger: logging.Logger | None = None
    ) -> None:
        self.holiday_dir = Path(holiday_dir) if holiday_dir is not None else DEFAULT_HOLIDAY_DIR
        self.log = logger or logging.getLogger(__name__)
        self._files: dict[int, tuple[Path, dict[date, bool]]] = {}
        if self.holiday_dir.is_dir():
            for path in sorted(self.holiday_dir.iterdir()):
                match = _FILE_NAME.match(path.name)
                if match and path.is_file():
                    year = int(match.group(1))
                    self._files[year] = (path, _parse_file(path, year))
        self._sources: dict[int, str] = {}
        self._kinds: dict[date, str] = {}

    def source(self, year: int) -> str:
        """Where a year's data comes from: "file:<path>", "chinesecalendar" or "fallback"."""
        if year in self._sources:
            return self._sources[year]
        if year in self._files:
            found = f"file:{self._files[year][0]}"
        else:
            try:
                chinese_calendar.is_workday(date(year, 6, 1))
                found = "chinesecalendar"
            except NotImplementedError:
                found = "fallback"
                self.log.warning(
                    "工作日历: no holiday data for %d — counting Monday–Friday only "
                    "(法定节假日和调休 ignored). Add %s/%d.txt from the State Council notice "
                    "(see config/holidays/README.md).",
                    year,
                    self.holiday_dir,
                    year,
                )
        self._sources[year] = found
        return found

    def kind(self, day: date) -> str:
        """Day type: "workday", "weekend", "holiday" (节假日) or "adjusted_workday" (调休上班)."""
        cached = self._kinds.get(day)
        if cached is None:
            cached = self._kinds[day] = self._compute_kind(day)
        return cached

    def _compute_kind(self, day: date) -> str:
        weekend = day.weekday() >= 5
        source = self.source(day.year)
        if source == "chinesecalendar":
            off, name = chinese_calendar.get_holiday_detail(day)
            explicit = name is not None
            working = not off
        elif source.startswith("file:"):
            entries = self._files[day.year][1]
            explicit = day in entries
            working = entries.get(day, not weekend)
        else:
            explicit, working = False, not weekend
        if working:
            return ADJUSTED if weekend else WORKDAY
        return HOLIDAY if explicit or not weekend else WEEKEND

    def is_working_day(self, day: date) -> bool:
        """True on a working day (工作日), including 调休 working weekends."""
        return self.kind(day) in (WORKDAY, ADJUSTED)

    def _step(self, day: date, step: int) -> date:
        for _ in range(_SEARCH_LIMIT):
            day += timedelta(days=step)
            if self.is_working_day(day):
                return day
        raise RuntimeError(f"工作日历: no working day within {_SEARCH_LIMIT} days of {day}")

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day`` (下一个工作日)."""
        return self._step(day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day`` (上一个工作日)."""
        return self._step(day, -1)

    def working_day_on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the next one."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def working_day_on_or_before(self, day: date) -> date:
        """``day`` if it is a working day, else the previous one."""
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Same local time on the n-th working day after start's date (n 个工作日后); Shanghai."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        local = as_local(start)
        day = local.date()
        for _ in range(n):
            day = self.next_working_day(day)
        return datetime.combine(day, local.timetz()).replace(tzinfo=SHANGHAI)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days d with start's date < d <= end's date (已用工作日); 0 if end <= start."""
        first, last = as_local(start), as_local(end)
        if last <= first:
            return 0
        day, count = first.date(), 0
        while day < last.date():
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def working_days_in_month(self, year: int, month: int) -> list[date]:
        """All working days of one month (当月工作日), in order."""
        day, days = date(year, month, 1), []
        while day.month == month:
            if self.is_working_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days
