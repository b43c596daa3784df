"""The reminder rules (提醒规则) read from ``config/reminders.yaml`` (SPEC §6).

The file is named by the ``REMINDERS_FILE`` setting; :func:`reminder_config` reads it once
per path. Every time, role and rule of the jobs lives there, not in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.errors import InvalidInput
from core.registry.models import Role

EVERY = ("working_day", "week", "month")
IF_OFF = ("next", "previous", "skip")
AGENDA_ITEMS = frozenset({"new_since_last_working_day", "due_today", "unresolved_before_week",
                          "month_summary", "overdue"})
LADDER_ROLES = frozenset({"assignee", "leader", "manager", "supervisor", "centre", "verifier"})


@dataclass(frozen=True)
class MeetingRule:
    """A standing meeting (例会): when it is held, who comes, what is on the agenda."""

    kind: str
    title: str
    every: str
    start: time
    reminders: tuple[tuple[int, time], ...]  # (working days before, time of day)
    participants: tuple[Role, ...]
    convener: Role
    agenda: tuple[str, ...]
    weekday: int = 1
    if_off: str = "skip"
    merge_into: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnnouncedRule:
    """A meeting or training announced by a convener (会议 / 培训)."""

    kind: str
    title: str
    participants: tuple[Role, ...]
    conveners: tuple[Role, ...]
    make_up: bool


@dataclass(frozen=True)
class Rung:
    """One step of the 督办 ladder: working days from the due day, and who hears of it."""

    name: str
    offset: int
    to: tuple[str, ...]
    supervise: bool


@dataclass(frozen=True)
class ReminderConfig:
    tolerance_minutes: int
    list_limit: int
    meetings: dict[str, MeetingRule]
    announced: dict[str, AnnouncedRule]
    attendance: dict[str, int]
    ladder_at: time
    rungs: tuple[Rung, ...]
    verify_at: time
    verify_after: int
    publicity: dict[str, Any]
    digest: dict[str, Any]
    reports: dict[str, dict[str, Any]]


def parse_time(value: Any, where: str) -> time:
    """'08:30' → time(8, 30)."""
    try:
        hour, minute = str(value).split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise InvalidInput(f"{where}: 时间应写作 \"HH:MM\"，而不是 {value!r}") from None


def roles(values: Any, where: str) -> tuple[Role, ...]:
    try:
        return tuple(Role(v) for v in (values or []))
    except ValueError:
        raise InvalidInput(f"{where}: 未知角色 {values!r}（可选: {', '.join(Role)}）") from None


def _meeting(kind: str, raw: dict[str, Any], where: str) -> MeetingRule:
    if raw.get("every") not in EVERY or raw.get("if_off", "skip") not in IF_OFF:
        raise InvalidInput(f"{where}: every 须为 {EVERY}，if_off 须为 {IF_OFF}")
    reminders = tuple((int(r.get("day", 0)), parse_time(r["at"], where)) for r in raw["remind"])
    unknown = set(raw.get("agenda") or ()) - AGENDA_ITEMS
    if unknown:
        raise InvalidInput(f"{where}: 未知议程 {sorted(unknown)}（可选: {sorted(AGENDA_ITEMS)}）")
    return MeetingRule(
        kind=kind, title=str(raw["title"]), every=raw["every"],
        start=parse_time(raw["start"], where), reminders=reminders,
        participants=roles(raw["participants"], where),
        convener=roles([raw.get("convener", "manager")], where)[0],
        agenda=tuple(raw.get("agenda") or ()),
        weekday=int(raw.get("weekday", 1)), if_off=raw.get("if_off", "skip"),
        merge_into=tuple(raw.get("merge_into") or ()))


def _rung(raw: dict[str, Any], where: str) -> Rung:
    to = tuple(raw["to"])
    if not set(to) <= LADDER_ROLES:
        raise InvalidInput(f"{where}: 督办对象只能是 {sorted(LADDER_ROLES)}")
    return Rung(str(raw["name"]), int(raw["offset"]), to, bool(raw.get("supervise", False)))


def parse_config(data: dict[str, Any], where: str) -> ReminderConfig:
    """Check and convert the YAML mapping; errors name the file and the section."""
    try:
        meetings = {k: _meeting(k, v, f"{where}: meetings.{k}")
                    for k, v in data["meetings"].items()}
        announced = {k: AnnouncedRule(k, str(v["title"]), roles(v["participants"], where),
                                      roles(v["conveners"], where), bool(v.get("make_up")))
                     for k, v in data["announced"].items()}
        ladder = data["ladder"]
        pending = ladder["pending_verification"]
        config = ReminderConfig(
            tolerance_minutes=int(data.get("late_tolerance_minutes", 30)),
            list_limit=int(data.get("list_limit", 10)), meetings=meetings, announced=announced,
            attendance={k: int(v) for k, v in data["attendance"].items()},
            ladder_at=parse_time(ladder["at"], f"{where}: ladder"),
            rungs=tuple(sorted((_rung(r, f"{where}: ladder") for r in ladder["rungs"]),
                               key=lambda r: r.offset)),
            verify_at=parse_time(pending["at"], f"{where}: pending_verification"),
            verify_after=int(pending["after_working_days"]),
            publicity=dict(data["publicity"]), digest=dict(data["digest"]),
            reports={k: dict(v) for k, v in data["reports"].items()})
    except (KeyError, TypeError) as exc:
        raise InvalidInput(f"{where}: 提醒规则缺少或写错了 {exc}") from None
    for rule in meetings.values():
        unknown = set(rule.merge_into) - set(meetings)
        if unknown:
            raise InvalidInput(f"{where}: merge_into 指向未知会议 {sorted(unknown)}")
    _check_sections(config, where)
    return config


def _check_sections(config: ReminderConfig, where: str) -> None:
    """Times and roles of publicity, digest and reports, checked now rather than at 17:00."""
    sections = {"publicity": config.publicity, "digest": config.digest,
                **{f"reports.{k}": v for k, v in config.reports.items()}}
    for name, section in sections.items():
        if "at" not in section:
            raise InvalidInput(f"{where}: {name} 缺少 at（时间）")
        parse_time(section["at"], f"{where}: {name}")
        roles(section.get("to", section.get("staff", [])), f"{where}: {name}")
    if not 1 <= int(config.publicity.get("weekday", 0)) <= 7:
        raise InvalidInput(f"{where}: publicity.weekday 须为 1-7")
    if not {"patrol", "leader_log", "member_info"} <= set(config.reports):
        raise InvalidInput(f"{where}: reports 须有 patrol、leader_log、member_info")


@lru_cache(maxsize=8)
def load_config(path: str) -> ReminderConfig:
    """Read and check one reminders file (cached per path)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: 无法读取提醒规则: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: 顶层必须是映射")
    return parse_config(data, path)


def config_path() -> str:
    """The ``REMINDERS_FILE`` setting (environment or ``.env``), default config/reminders.yaml."""
    from config.settings import load_settings

    return load_settings().REMINDERS_FILE


def reminder_config() -> ReminderConfig:
    """The rules in force (from ``REMINDERS_FILE``)."""
    return load_config(config_path())
