"""Tests for the working-day calendar (工作日历)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core import calendar as calendar_module
from core.calendar import DEFAULT_HOLIDAY_DIR, WorkCalendar
from core.clock import SHANGHAI

UTC = ZoneInfo("UTC")
PROJECT_HOLIDAYS = Path(__file__).resolve().parents[2] / "config" / "holidays"


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the required example and 2026 (国务院办公厅 2026 年部分节假日安排) -------------------


def test_required_example_across_national_day(cal: WorkCalendar) -> None:
    assert cal.add_working_days(at(2026, 9, 30), 3) == at(2026, 10, 10)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3),  # 元旦 1-3
        *(date(2026, 2, d) for d in range(15, 24)),  # 春节 2-15..23, 9 days
        date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6),  # 清明
        *(date(2026, 5, d) for d in range(1, 6)),  # 劳动节 5-1..5
        date(2026, 6, 19), date(2026, 6, 20), date(2026, 6, 21),  # 端午
        date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27),  # 中秋
        *(date(2026, 10, d) for d in range(1, 8)),  # 国庆 10-1..7
    ],
)  # fmt: skip
def test_2026_holidays_are_off(cal: WorkCalendar, day: date) -> None:
    assert not cal.is_working_day(day)
    assert cal.kind(day) == "holiday"


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 4),  # Sunday, 元旦调休
        date(2026, 2, 14), date(2026, 2, 28),  # Saturdays, 春节调休
        date(2026, 5, 9),  # Saturday, 劳动节调休
        date(2026, 9, 20), date(2026, 10, 10),  # Sunday and Saturday, 国庆调休
    ],
)  # fmt: skip
def test_2026_adjusted_working_weekends(cal: WorkCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert cal.is_working_day(day)
    assert cal.kind(day) == "adjusted_workday"


def test_2026_has_exactly_these_adjusted_days(cal: WorkCalendar) -> None:
    adjusted = [
        d for m in range(1, 13) for d in cal.working_days_in_month(2026, m) if d.weekday() >= 5
    ]
    expected = [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)]
    assert adjusted == [date(2026, m, d) for m, d in expected]


def test_ordinary_days(cal: WorkCalendar) -> None:
    assert cal.kind(date(2026, 3, 4)) == "workday"  # Wednesday
    assert cal.kind(date(2026, 3, 7)) == "weekend"  # Saturday
    assert cal.kind(date(2026, 3, 8)) == "weekend"
    assert cal.is_working_day(date(2026, 2, 24))  # Tuesday after 春节
    assert cal.is_working_day(date(2026, 10, 8))
    assert cal.source(2026) == "chinesecalendar"


def test_add_across_spring_festival(cal: WorkCalendar) -> None:
    assert cal.add_working_days(at(2026, 2, 13, 15, 30), 1) == at(2026, 2, 14, 15, 30)
    assert cal.add_working_days(at(2026, 2, 13, 15, 30), 2) == at(2026, 2, 24, 15, 30)
    assert cal.add_working_days(at(2026, 2, 13), 5) == at(2026, 2, 27)


def test_start_on_non_working_day(cal: WorkCalendar) -> None:
    assert cal.add_working_days(at(2026, 3, 7), 1) == at(2026, 3, 9)  # Sat → Mon
    assert cal.add_working_days(at(2026, 10, 3), 1) == at(2026, 10, 8)  # in 国庆


def test_n_zero_and_negative(cal: WorkCalendar) -> None:
    assert cal.add_working_days(at(2026, 3, 7, 9, 15), 0) == at(2026, 3, 7, 9, 15)
    with pytest.raises(ValueError):
        cal.add_working_days(at(2026, 3, 7), -1)


def test_timezones(cal: WorkCalendar) -> None:
    # 2026-09-30 16:30 UTC is 2026-10-01 00:30 in Shanghai, inside 国庆.
    result = cal.add_working_days(datetime(2026, 9, 30, 16, 30, tzinfo=UTC), 1)
    assert result == at(2026, 10, 8, 0, 30)
    assert result.tzinfo is SHANGHAI
    naive = cal.add_working_days(datetime(2026, 9, 30, 10, 0), 3)
    assert naive == at(2026, 10, 10) and naive.utcoffset() == at(2026, 1, 1).utcoffset()


def test_working_days_between(cal: WorkCalendar) -> None:
    assert cal.working_days_between(at(2026, 9, 30), at(2026, 10, 10, 9)) == 3
    assert cal.working_days_between(at(2026, 9, 30), at(2026, 10, 7, 23)) == 0
    assert cal.working_days_between(at(2026, 9, 18), at(2026, 9, 21)) == 2  # 9-20 调休
    assert cal.working_days_between(at(2026, 3, 4), at(2026, 3, 4, 18)) == 0
    assert cal.working_days_between(at(2026, 3, 5), at(2026, 3, 4)) == 0
    utc_end = datetime(2026, 10, 8, 16, 30, tzinfo=UTC)  # 10-09 00:30 Shanghai
    assert cal.working_days_between(at(2026, 9, 30), utc_end) == 2


def test_neighbours(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 10, 8)) == date(2026, 10, 9)
    assert cal.previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert cal.previous_working_day(date(2026, 9, 21)) == date(2026, 9, 20)
    assert cal.working_day_on_or_after(date(2026, 10, 8)) == date(2026, 10, 8)
    assert cal.working_day_on_or_after(date(2026, 10, 4)) == date(2026, 10, 8)
    assert cal.working_day_on_or_before(date(2026, 10, 4)) == date(2026, 9, 30)
    assert cal.working_day_on_or_before(date(2026, 9, 30)) == date(2026, 9, 30)


def test_working_days_in_month(cal: WorkCalendar) -> None:
    october = cal.working_days_in_month(2026, 10)
    assert october[:3] == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]
    assert len(october) == 18
    assert len(cal.working_days_in_month(2026, 2)) == 16


def test_answers_are_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[date] = []
    real = calendar_module.chinese_calendar.get_holiday_detail

    def counting(day: date) -> tuple[bool, str | None]:
        calls.append(day)
        return real(day)

    monkeypatch.setattr(calendar_module.chinese_calendar, "get_holiday_detail", counting)
    fresh = WorkCalendar()
    for _ in range(5):
        fresh.add_working_days(at(2026, 9, 30), 3)
    assert calls and len(calls) == len(set(calls))


# --- years after the package's data -------------------------------------------------------


def test_year_without_data_falls_back_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cal = WorkCalendar(tmp_path)
    with caplog.at_level(logging.WARNING, logger="core.calendar"):
        days = cal.working_days_in_month(2028, 1) + cal.working_days_in_month(2028, 2)
        cal.add_working_days(at(2028, 3, 1), 40)
        assert cal.source(2028) == "fallback"
    assert all(d.weekday() < 5 for d in days) and len(days) == 21 + 21
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2028" in warnings[0].getMessage() and "2028.txt" in warnings[0].getMessage()


def test_2027_without_file_is_monday_to_friday(tmp_path: Path) -> None:
    cal = WorkCalendar(tmp_path, logger=logging.getLogger("test.calendar.quiet"))
    assert cal.source(2027) == "fallback"
    assert cal.kind(date(2027, 1, 1)) == "workday"  # Friday
    assert cal.kind(date(2027, 2, 6)) == "weekend"  # Saturday


def test_2027_with_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(
        tmp_path,
        "2027.txt",
        "# 2027 test data\n\n2027-01-01 休 元旦\n2027-02-06  班  春节调休  # Saturday\n",
    )
    write(tmp_path, "notes.txt", "not a holiday file\n")
    with caplog.at_level(logging.WARNING, logger="core.calendar"):
        cal = WorkCalendar(str(tmp_path))
        assert not cal.is_working_day(date(2027, 1, 1))
        assert cal.kind(date(2027, 1, 1)) == "holiday"
        assert cal.is_working_day(date(2027, 2, 6))
        assert cal.kind(date(2027, 2, 6)) == "adjusted_workday"
        assert cal.kind(date(2027, 2, 7)) == "weekend"
        assert cal.kind(date(2027, 1, 4)) == "workday"
        assert cal.source(2027) == f"file:{path}"
        assert cal.add_working_days(at(2026, 12, 31), 1) == at(2027, 1, 4)
    assert not caplog.records


def test_file_overrides_chinesecalendar(tmp_path: Path) -> None:
    write(tmp_path, "2026.txt", "2026-03-04 休 测试\n")
    cal = WorkCalendar(tmp_path)
    assert cal.source(2026).startswith("file:")
    assert cal.kind(date(2026, 3, 4)) == "holiday"
    assert cal.kind(date(2026, 10, 1)) == "workday"  # the file replaces the whole year
    assert cal.source(2025) == "chinesecalendar"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2027-13-01 休 坏日期", "bad date"),
        ("2027-01-01", "expected"),
        ("2027-01-01 放 元旦", "mark must be"),
        ("2028-01-03 班 跨年", "outside the file's year 2027"),
        ("2027-01-04 休 重复", "listed twice"),
    ],
)
def test_malformed_file_names_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    path = write(tmp_path, "2027.txt", f"# header\n2027-01-04 休 测试\n\n{line}\n")
    with pytest.raises(ValueError) as excinfo:
        WorkCalendar(tmp_path)
    assert f"{path}:4:" in str(excinfo.value)
    assert reason in str(excinfo.value)


# --- the shipped folder ---------------------------------------------------------------------


def test_none_means_project_folder() -> None:
    cal = WorkCalendar(None)
    assert cal.holiday_dir == DEFAULT_HOLIDAY_DIR == PROJECT_HOLIDAYS
    assert (PROJECT_HOLIDAYS / "README.md").is_file()


def test_shipped_sample_is_valid_and_not_loaded(tmp_path: Path) -> None:
    sample = PROJECT_HOLIDAYS / "example-2027.txt.sample"
    write(tmp_path, "example-2027.txt.sample", sample.read_text(encoding="utf-8"))
    quiet = logging.getLogger("test.calendar.quiet")
    assert WorkCalendar(tmp_path, logger=quiet).source(2027) == "fallback"
    write(tmp_path, "2027.txt", sample.read_text(encoding="utf-8"))
    assert not WorkCalendar(tmp_path, logger=quiet).is_working_day(date(2027, 1, 1))
