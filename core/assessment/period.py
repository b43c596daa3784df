"""考核周期: a calendar month or quarter in Asia/Shanghai (一月一排名, 一季一排名)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from core.clock import SHANGHAI, as_local
from core.errors import InvalidInput

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})\s*[Qq]([1-4])\s*$")


@dataclass(frozen=True)
class Period:
    """[start, end) in Shanghai time, with its label (2026年11月, 2026年第四季度)."""

    kind: str  # month | quarter
    start: datetime
    end: datetime
    label: str
    key: str  # 2026-11 | 2026Q4

    @property
    def year_start(self) -> datetime:
        """1 January of the period's year (for 年累计 figures)."""
        return datetime(self.start.year, 1, 1, tzinfo=SHANGHAI)

    def days(self, until: datetime) -> list[date]:
        """The period's calendar days up to and including ``until``'s day."""
        last = min(as_local(self.end).date().toordinal() - 1, as_local(until).date().toordinal())
        first = self.start.date().toordinal()
        return [date.fromordinal(n) for n in range(first, last + 1)]


def _first(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=SHANGHAI)


def _after(year: int, month: int) -> datetime:
    return _first(year + 1, 1) if month == 12 else _first(year, month + 1)


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise InvalidInput(f"月份 {year}-{month:02d} 不存在")
    return Period("month", _first(year, month), _after(year, month), f"{year}年{month}月",
                  f"{year}-{month:02d}")


QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def quarter_period(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
        raise InvalidInput(f"季度 {year}Q{quarter} 不存在")
    first = 3 * (quarter - 1) + 1
    return Period("quarter", _first(year, first), _after(year, first + 2),
                  f"{year}年{QUARTER_NAMES[quarter]}", f"{year}Q{quarter}")


def parse_month(text: str) -> Period:
    """``2026-11`` → that month; anything else is refused with the expected form."""
    m = _MONTH.match(text or "")
    if not m:
        raise InvalidInput(f"月份格式应为 YYYY-MM（例如 2026-11），收到 {text!r}")
    return month_period(int(m.group(1)), int(m.group(2)))


def parse_quarter(text: str) -> Period:
    """``2026Q4`` → that quarter."""
    m = _QUARTER.match(text or "")
    if not m:
        raise InvalidInput(f"季度格式应为 YYYYQn（例如 2026Q4），收到 {text!r}")
    return quarter_period(int(m.group(1)), int(m.group(2)))


def current_month(now: datetime) -> Period:
    local = as_local(now)
    return month_period(local.year, local.month)
