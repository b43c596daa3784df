"""Reading GeoReport parameters (参数检查): every mistake is an :class:`ApiError` 400."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from bot.open311.errors import ApiError
from core.cases.policy import CATEGORIES
from core.clock import SHANGHAI

MAX_DESCRIPTION = 2000
MAX_ADDRESS = 200
MAX_IDS = 100
CASE_CODE = re.compile(r"^GR\d{12}$", re.IGNORECASE)
EARLIEST = datetime(1970, 1, 1, tzinfo=SHANGHAI)
LATEST = datetime(2200, 1, 1, tzinfo=SHANGHAI)
_KEEP = {"\n", "\t"}


def clean_text(value: str) -> str:
    """Control characters (NUL, escapes …) removed; surrounding blanks trimmed."""
    return "".join(ch for ch in value if ch in _KEEP or unicodedata.category(ch) not in {"Cc", "Cs"}
                   ).strip()


def text_field(data: Mapping[str, Any], name: str, limit: int) -> str:
    """A text parameter, cleaned; absent → ''. Too long or not text → 400."""
    if name not in data:
        return ""
    value = data[name]
    if not isinstance(value, str):
        raise ApiError(400, f"{name} 必须是文字")
    if len(value) > limit:
        raise ApiError(400, f"{name} 不能超过 {limit} 个字")
    return clean_text(value)


def number_field(data: Mapping[str, Any], name: str, low: float, high: float,
                 *, text_ok: bool) -> float | None:
    """A coordinate: a JSON number (or, in a form, its decimal text); absent → None."""
    if name not in data:
        return None
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int | float | str) or (
            isinstance(value, str) and not text_ok):
        raise ApiError(400, f"{name} 必须是数字")
    try:
        number = float(value)
    except (ValueError, OverflowError) as exc:
        raise ApiError(400, f"{name} 必须是数字") from exc
    if not math.isfinite(number) or not low <= number <= high:
        raise ApiError(400, f"{name} 须在 {low:g} 到 {high:g} 之间")
    return number


def codes_list(raw: str | None) -> list[str]:
    """``service_code=env,city``: each a category code, else 400."""
    codes = raw.split(",") if raw else []
    unknown = [c for c in codes if c not in CATEGORIES]
    if unknown:
        raise ApiError(400, f"未知的 service_code：{clean_text(unknown[0])[:20]}")
    return codes


def ids_list(raw: str) -> list[str]:
    """``service_request_id=GR…,GR…``: well-formed case codes (others cannot exist)."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) > MAX_IDS:
        raise ApiError(400, f"service_request_id 最多 {MAX_IDS} 个")
    return [p.upper() for p in parts if CASE_CODE.match(p)]


def status_filter(raw: str | None) -> str | None:
    """``status=open``, ``closed`` or both (no filter)."""
    wanted = set(raw.split(",")) if raw else set()
    if not wanted <= {"open", "closed"}:
        raise ApiError(400, "status 只能是 open 或 closed")
    return next(iter(wanted)) if len(wanted) == 1 else None


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})?")


def date_param(raw: str | None, name: str, *, end: bool = False) -> datetime | None:
    """A W3C date-time (RFC 3339; seconds and offset may be left out → Asia/Shanghai) or a
    bare date (that whole day in Asia/Shanghai); absent → None, anything else → 400.

    Dates far outside the life of the system are clamped (they select the same cases).
    """
    if raw is None:
        return None
    try:
        if _DATE.fullmatch(raw):
            day = datetime.fromisoformat(raw).date()
            value = datetime.combine(day, time.max if end else time.min)
        elif _DATE_TIME.fullmatch(raw):
            head, dot, tail = raw.partition(".")  # Python reads at most 6 digits of a fraction
            if dot:
                digits = re.match(r"\d+", tail).group(0)  # type: ignore[union-attr]
                raw = f"{head}.{digits[:6].ljust(6, '0')}{tail[len(digits):]}"
            value = datetime.fromisoformat(raw.replace("z", "Z").replace("t", "T"))
        else:
            raise ValueError(raw)
    except ValueError as exc:
        raise ApiError(400, f"{name} 不是有效的日期时间，例如 2026-11-26T10:00:00+08:00") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    try:
        value.astimezone(SHANGHAI)
    except OverflowError:
        return EARLIEST if value.year < 2000 else LATEST
    return min(max(value, EARLIEST), LATEST)
