"""The job table (任务表): which reminder function runs at which minutes (SPEC §6).

Built from the reminder rules (``REMINDERS_FILE``, default config/reminders.yaml) the first
time ``JOBS`` is read — not at import — and kept per rules file. Every function is a
module-level function ``run(uow, now) -> int``; each checks for itself that ``now`` is a
working day (and its meeting, publicity or report day) at its configured time, so a cron
spec only says when to ask. All times are Asia/Shanghai.
"""

from __future__ import annotations

from core.reminders.config import ReminderConfig, config_path, load_config, parse_time
from core.reminders.digest import send_digest
from core.reminders.ladder import remind_verifiers, run_ladder
from core.reminders.meetings import job_id, remind_meetings
from core.reminders.publicity import publish_week
from core.reminders.registry import JobSpec
from core.reminders.reports import remind_leader_log, remind_member_info, remind_patrol

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _at(value: object, where: str) -> dict[str, str | int]:
    clock_time = parse_time(value, where)
    return {"hour": clock_time.hour, "minute": clock_time.minute}


def build_jobs(config: ReminderConfig) -> list[JobSpec]:
    """The jobs and their cron specs for one set of rules."""
    meeting_times = sorted({t for rule in config.meetings.values() for _, t in rule.reminders})
    jobs = [JobSpec(job_id(t), remind_meetings, {"hour": t.hour, "minute": t.minute},
                    "例会提醒（早例会、周例会、月总结会）") for t in meeting_times]
    publicity_day = DAY_NAMES[int(config.publicity["weekday"]) - 1]
    info = config.reports["member_info"]
    member_days = ",".join(DAY_NAMES[int(d) - 1] for d in info["weekdays"])
    jobs += [
        JobSpec("ladder", run_ladder,
                {"hour": config.ladder_at.hour, "minute": config.ladder_at.minute},
                "超期督办阶梯"),
        JobSpec("pending_verification", remind_verifiers,
                {"hour": config.verify_at.hour, "minute": config.verify_at.minute},
                "待核查催办"),
        JobSpec("publicity", publish_week,
                {"day_of_week": f"mon-{publicity_day}", **_at(config.publicity["at"], "publicity")},
                "每周办结公示"),
        JobSpec("digest", send_digest, _at(config.digest["at"], "digest"), "领导日报"),
        JobSpec("report.patrol", remind_patrol, _at(config.reports["patrol"]["at"], "patrol"),
                "网格长巡查提醒"),
        JobSpec("report.leader_log", remind_leader_log,
                _at(config.reports["leader_log"]["at"], "leader_log"), "网格长报告提醒"),
        JobSpec("report.member_info", remind_member_info,
                {"day_of_week": member_days, **_at(info["at"], "member_info")},
                "网格员信息报送提醒"),
    ]
    return jobs


JOBS: list[JobSpec]  # read lazily: see __getattr__ below
_BUILT: dict[str, list[JobSpec]] = {}


def current_jobs() -> list[JobSpec]:
    """The jobs of the rules in force, built once per rules file."""
    path = config_path()
    if path not in _BUILT:
        _BUILT[path] = build_jobs(load_config(path))
    return _BUILT[path]


def __getattr__(name: str) -> list[JobSpec]:
    """``JOBS`` is read lazily (PEP 562), so importing this module reads no file."""
    if name == "JOBS":
        return current_jobs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
