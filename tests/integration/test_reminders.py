"""Six simulated weeks of the reminder jobs, 2026-09-20 … 2026-10-31 (SPEC §6).

The fixed clock walks over every minute a job's cron spec names (APScheduler's own
CronTrigger says which), calls each job twice in its own transaction (the second call must
queue nothing), and case events happen on the way through the real use cases. The
stretch has it all: the 调休 Sunday 09-20, Mid-Autumn (Friday 09-25 off, so September's
月总结会 moves to Thursday 09-24), the National Day week (10-01 … 10-07 off, the 周例会 of
Monday 10-05 moves to Thursday 10-08), the 调休 Saturday 10-10, ordinary weekends and the
October 月总结会 on Friday 10-30. The helpers here are shared by the other reminder tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select

from core.actors import resident, staff
from core.cases.flow import resolve_case, verify_case
from core.cases.models import Case, CaseEvent
from core.cases.report import ReportInput, report_case
from core.clock import SHANGHAI
from core.errors import InvalidInput
from core.inbound import WorkLog
from core.outbox import Notification
from core.registry.models import Grid
from core.reminders import registry
from core.reminders.agenda import AGENDA
from core.reminders.config import AGENDA_ITEMS, load_config, parse_config, reminder_config
from core.reminders.jobs import build_jobs
from core.reminders.models import Attendance, Meeting
from core.reminders.schedule import last_weekday, meetings_on
from core.uow import UnitOfWork
from core.worklog import write_log, write_record

pytestmark = pytest.mark.usefixtures("town")

WALK_START = datetime(2026, 9, 20, tzinfo=SHANGHAI)
WALK_END = datetime(2026, 11, 1, tzinfo=SHANGHAI)
CASE_KINDS = {"accepted", "dispatch", "resolved", "verify_request", "closed"}
JOB_MINUTES = {  # push kind → the wall-clock minutes its job may send at
    "meeting": {time(8, 0), time(17, 0)}, "ladder_before": {time(9, 0)},
    "ladder_due": {time(9, 0)}, "ladder_late1": {time(9, 0)}, "ladder_late3": {time(9, 0)},
    "verify_overdue": {time(9, 0)}, "publicity": {time(17, 0)}, "leader_digest": {time(17, 30)},
    "patrol_reminder": {time(16, 0)}, "log_reminder": {time(16, 0)},
    "info_reminder": {time(16, 0)},
}
C01_STAFF = {"leader1", "member1", "leader2", "manager1"}
C02_STAFF = {"leader3", "manager2"}


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def t(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def fire_times(cron: dict, start: datetime, end: datetime) -> Iterator[datetime]:
    """The minutes in [start, end) at which APScheduler fires ``cron`` (Asia/Shanghai)."""
    trigger = CronTrigger(timezone=SHANGHAI, **cron)
    at = trigger.get_next_fire_time(None, start)
    while at is not None and at < end:
        yield at
        at = trigger.get_next_fire_time(at, at + timedelta(minutes=1))


class Walk:
    """Move the fixed clock through the scheduled minutes; call every due job twice."""

    def __init__(self, env, clock, jobs: Iterable[str] | None = None) -> None:
        wanted = set(jobs) if jobs is not None else None
        self.env, self.clock = env, clock
        self.specs = [s for s in registry.jobs() if wanted is None or s.id in wanted]
        self.runs: list[tuple[datetime, str, int]] = []

    def run(self, start: datetime, end: datetime,
            events: Iterable[tuple[datetime, Callable[[], object]]] = ()) -> None:
        timeline: list[tuple[datetime, int, int, object]] = []
        for spec in self.specs:
            timeline += [(at, 1, len(timeline) + i, spec)
                         for i, at in enumerate(fire_times(spec.cron, start, end))]
        timeline += [(at, 0, i, fn) for i, (at, fn) in enumerate(events) if start <= at < end]
        for at, is_job, _, item in sorted(timeline, key=lambda x: x[:3]):
            self.clock.set(at)
            if not is_job:
                item()
                continue
            with UnitOfWork(self.env) as tx:
                queued = item.func(tx, at)
            with UnitOfWork(self.env) as tx:
                assert item.func(tx, at) == 0, f"{item.id} sent twice at {at}"
            self.runs.append((at, item.id, queued))


def pushes(uow, kind: str | None = None, recipient: str | None = None) -> list[Notification]:
    with uow() as tx:
        stmt = select(Notification).order_by(Notification.created_at, Notification.id)
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        if recipient:
            stmt = stmt.where(Notification.recipient == recipient)
        return list(tx.session.scalars(stmt))


def when(p: Notification) -> tuple[date, time]:
    local = p.created_at.astimezone(SHANGHAI)
    return local.date(), local.time()


def by_moment(rows: list[Notification]) -> dict[datetime, set[str]]:
    """Recipients of each push moment."""
    found: dict[datetime, set[str]] = {}
    for p in rows:
        found.setdefault(p.created_at.astimezone(SHANGHAI), set()).add(p.recipient)
    return found


def report(uow, text: str, who: str = "o-res-1", category: str = "env") -> str:
    with uow() as tx:
        return report_case(tx, resident(who), ReportInput(description=text, category=category)
                           ).case.code


def working_days(env, start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if env.calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


# ── the job table ─────────────────────────────────────────────────────────────────────────

def test_job_table_comes_from_the_rules_file():
    table = {s.id: s.cron for s in registry.jobs()}
    assert table == {
        "meetings.0800": {"hour": 8, "minute": 0},
        "meetings.1700": {"hour": 17, "minute": 0},
        "ladder": {"hour": 9, "minute": 0},
        "pending_verification": {"hour": 9, "minute": 0},
        "publicity": {"day_of_week": "mon-fri", "hour": 17, "minute": 0},
        "digest": {"hour": 17, "minute": 30},
        "report.patrol": {"hour": 16, "minute": 0},
        "report.leader_log": {"hour": 16, "minute": 0},
        "report.member_info": {"day_of_week": "mon,thu", "hour": 16, "minute": 0},
    }
    for spec in registry.jobs():
        assert callable(spec.func) and spec.func.__module__.startswith("core.reminders.")
        assert "." not in spec.func.__qualname__  # module-level, as APScheduler stores need
        CronTrigger(timezone=SHANGHAI, **spec.cron)  # a valid spec


def test_times_are_config(tmp_path, monkeypatch):
    from config.settings import CONFIG_DIR

    text = (CONFIG_DIR / "reminders.yaml").read_text(encoding="utf-8")
    other = tmp_path / "reminders.yaml"
    other.write_text(text.replace('at: "17:30"', 'at: "18:15"')
                     .replace('{day: 0, at: "08:00"}', '{day: 0, at: "07:45"}'), encoding="utf-8")
    monkeypatch.setenv("REMINDERS_FILE", str(other))
    table = {s.id: s.cron for s in registry.jobs()}
    assert table["digest"] == {"hour": 18, "minute": 15}
    assert {"meetings.0745", "meetings.1700"} <= set(table) and "meetings.0800" not in table


def test_bad_rules_are_named(tmp_path):
    from config.settings import CONFIG_DIR

    text = (CONFIG_DIR / "reminders.yaml").read_text(encoding="utf-8")
    assert build_jobs(load_config(str(CONFIG_DIR / "reminders.yaml")))
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(text.replace('at: "16:00"\n    to: [leader]\n  leader_log',
                                     'at: "4 pm"\n    to: [leader]\n  leader_log'),
                        encoding="utf-8")
    with pytest.raises(InvalidInput, match="merge_into"):
        parse_config({"meetings": {"m": {"title": "x", "every": "working_day", "start": "08:30",
                                         "remind": [{"at": "08:00"}], "participants": [],
                                         "merge_into": ["nope"]}},
                      "announced": {}, "attendance": {}, "publicity": {}, "digest": {},
                      "reports": {}, "ladder": {"at": "09:00", "rungs": [],
                                                "pending_verification": {
                                                    "at": "09:00", "after_working_days": 1}}},
                     "test.yaml")
    with pytest.raises(InvalidInput, match="reports.patrol"):
        load_config.__wrapped__(str(bad_file))
    with pytest.raises(InvalidInput, match="HH:MM"):
        parse_config({"meetings": {"m": {"title": "x", "every": "week", "start": "8点半",
                                         "remind": [], "participants": []}}}, "test.yaml")


def test_a_job_asked_at_another_minute_sends_nothing(env, clock):
    walk = Walk(env, clock)
    for spec in walk.specs:
        for at in (t(9, 21, 12, 0), t(9, 21, 3, 0), t(9, 26, 8, 0)):  # 09-26 is a holiday
            with UnitOfWork(env) as tx:
                assert spec.func(tx, at) == 0, (spec.id, at)


def test_meeting_days_by_the_calendar(env):
    config = reminder_config()
    held = {day: [(r.kind, [g.kind for g in guests]) for r, guests in
                  meetings_on(config, day, env.calendar)]
            for day in (d(9, 20), d(9, 21), d(9, 24), d(9, 25), d(10, 5), d(10, 8), d(10, 10),
                        d(10, 11), d(10, 30))}
    assert held == {
        d(9, 20): [("morning", [])],  # the 调休 Sunday
        d(9, 21): [("weekly", ["morning"])],
        d(9, 24): [("monthly", ["morning"])],  # last Friday 09-25 is Mid-Autumn
        d(9, 25): [], d(10, 5): [], d(10, 11): [],
        d(10, 8): [("weekly", ["morning"])],  # Monday 10-05 is National Day
        d(10, 10): [("morning", [])],  # the 调休 Saturday
        d(10, 30): [("monthly", ["morning"])],
    }
    assert last_weekday(2026, 12, 5) == d(12, 25) and last_weekday(2027, 1, 1) == date(2027, 1, 25)
    assert set(AGENDA) == AGENDA_ITEMS


# ── six weeks ─────────────────────────────────────────────────────────────────────────────

def story(uow) -> list[tuple[datetime, Callable[[], object]]]:
    """Cases and work records along the walk, made by the use cases at their moments."""
    codes: dict[str, str] = {}

    def a_report():
        codes["A"] = report(uow, "阳光花园1栋楼下垃圾堆积没人清理，臭味很大")

    def c02_report():
        codes["B"] = report(uow, "和平新村门口路灯不亮好几天了", who="o-res-2", category="facility")

    def resolve_a():
        with uow() as tx:
            resolve_case(tx, staff("leader1"), codes["A"], "垃圾已清运，地面已冲洗")

    def verify_a():
        with uow() as tx:
            verify_case(tx, staff("manager1"), codes["A"], passed=True)

    def leader1_patrols():
        with uow() as tx:
            write_record(tx, staff("leader1"), "patrol", "巡查阳光花园，一切正常")

    def leader1_logs():
        with uow() as tx:
            write_log(tx, staff("leader1"), "走访独居老人三户")

    return [(t(9, 21, 10), leader1_patrols), (t(9, 21, 11), leader1_logs),
            (t(9, 22, 10), a_report), (t(9, 23, 15), c02_report),
            (t(10, 12, 14), resolve_a), (t(10, 14, 10), verify_a),
            (t(10, 15, 9, 30), leader1_logs)]


MORNING_ONLY = [d(9, 20), d(9, 22), d(9, 23), d(9, 29), d(9, 30), d(10, 9), d(10, 10), d(10, 13),
                d(10, 14), d(10, 15), d(10, 16), d(10, 20), d(10, 21), d(10, 22), d(10, 23),
                d(10, 27), d(10, 28), d(10, 29)]
WEEKLY = {d(9, 21): d(9, 20), d(9, 28): d(9, 24), d(10, 8): d(9, 30), d(10, 12): d(10, 10),
          d(10, 19): d(10, 16), d(10, 26): d(10, 23), d(11, 2): d(10, 30)}  # day: its eve
MONTHLY = {d(9, 24): d(9, 23), d(10, 30): d(10, 29)}


def expected_meeting_pushes() -> list[tuple[date, time, str]]:
    rows = [(day, time(8), "早例会提醒") for day in MORNING_ONLY]
    for table, title in ((WEEKLY, "周例会（含早例会）提醒"), (MONTHLY, "月总结会（含早例会）提醒")):
        for day, eve in table.items():
            rows.append((eve, time(17), title))
            if day < WALK_END.date():
                rows.append((day, time(8), title))
    return sorted(rows)


def test_six_weeks_of_reminders(env, clock, uow):
    walk = Walk(env, clock)
    walk.run(WALK_START, WALK_END, story(uow))
    everything = [p for p in pushes(uow) if p.kind not in CASE_KINDS]
    open_days = set(working_days(env, WALK_START.date(), WALK_END.date()))

    # never on a day off, always at the job's minute, never twice
    for p in everything:
        day, minute = when(p)
        assert day in open_days, (p.kind, day)
        assert minute in JOB_MINUTES[p.kind], (p.kind, day, minute)
    assert len({p.dedup_key for p in everything}) == len(everything)

    # meetings: the right days and minutes, to the right people, once each
    meeting = pushes(uow, "meeting")
    got = sorted({(*when(p), p.title) for p in meeting if p.recipient == "manager1"})
    assert got == expected_meeting_pushes()
    assert not any(day.weekday() >= 5 and day not in (d(9, 20), d(10, 10))
                   for day, _, _ in got)
    for moment, people in by_moment(meeting).items():
        titles = {p.title for p in meeting if p.created_at == moment}
        big = any("周例会" in x or "月总结会" in x for x in titles)
        assert people == C01_STAFF | C02_STAFF | ({"super1"} if big else set()), moment
    assert Counter(p.recipient for p in meeting)["leader3"] == len(expected_meeting_pushes())

    # meeting rows, one per community and meeting, with the roll
    with uow() as tx:
        kinds = Counter(tx.session.execute(select(Meeting.kind, Grid.code)
                                           .join(Grid, Grid.id == Meeting.grid_id)).all())
        rolls = tx.session.scalar(select(func.count(Attendance.id)))
    c01 = {k: n for (k, g), n in kinds.items() if g == "C01"}
    assert c01 == {"morning": len(MORNING_ONLY), "weekly": len(WEEKLY), "monthly": len(MONTHLY)}
    assert sum(kinds.values()) == 2 * (len(MORNING_ONLY) + len(WEEKLY) + len(MONTHLY))
    assert rolls == (len(MORNING_ONLY) * 6 + (len(WEEKLY) + len(MONTHLY)) * 7)

    # agendas come from the case core
    code, other = (p.data["code"] for p in pushes(uow, "accepted"))
    body = {(*when(p), p.recipient): p.body for p in meeting}
    assert code in body[(d(9, 23), time(8), "member1")]  # 新增 since 09-22
    assert code not in body[(d(9, 23), time(8), "leader3")]  # another community
    assert "上周及以前未办结（二次通报） 1 件" in body[(d(9, 24), time(17), "manager1")]
    assert code in body[(d(10, 8), time(8), "super1")]
    assert "召集人：孙书记" in body[(d(10, 8), time(8), "member1")]
    assert "本月：新增 1 件" in body[(d(9, 24), time(8), "manager1")]
    assert "超期未办结 1 件" in body[(d(10, 30), time(8), "manager2")]
    assert other in body[(d(10, 30), time(8), "manager2")]
    assert "超期未办结：无" in body[(d(10, 30), time(8), "manager1")]
    assert "今天 08:30" in body[(d(10, 8), time(8), "member1")]
    assert "10月08日（周四） 08:30" in body[(d(9, 30), time(17), "member1")]

    # the other jobs ran on working days only
    ran = {(at.date(), job) for at, job, n in walk.runs if n}
    assert {job for _, job in ran} == {s.id for s in walk.specs}
    assert all(day in open_days for day, _ in ran)
    info = sorted(when(p)[0] for p in pushes(uow, "info_reminder"))
    assert info == [d(9, 21), d(9, 24), d(9, 28), d(10, 8), d(10, 12), d(10, 15), d(10, 19),
                    d(10, 22), d(10, 26), d(10, 29)]
    digests = pushes(uow, "leader_digest")
    assert {when(p)[0] for p in digests} == open_days
    assert {p.recipient for p in digests} == {"manager1", "super1", "manager2"}

    # the ladder of case A (deadline Monday 09-28 10:00) and its 督办 ledger lines
    with uow() as tx:
        case_a = tx.session.scalar(select(Case.id).where(Case.code == code))
    ladder = [(when(p)[0], p.kind, p.recipient) for p in pushes(uow)
              if p.kind.startswith("ladder") and p.case_id == case_a]
    assert ladder == [(d(9, 24), "ladder_before", "leader1"), (d(9, 28), "ladder_due", "leader1"),
                      (d(9, 29), "ladder_late1", "manager1"), (d(10, 8), "ladder_late3", "super1")]
    with uow() as tx:
        supervise = list(tx.session.scalars(select(CaseEvent).where(
            CaseEvent.action == "supervise", CaseEvent.case_id == case_a).order_by(CaseEvent.id)))
    assert [(e.at.date(), e.actor) for e in supervise] == [(d(9, 29), "system"),
                                                           (d(10, 8), "system")]
    assert [(when(p)[0], p.recipient) for p in pushes(uow, "verify_overdue")] == [
        (d(10, 14), "manager1")]

    # publicity: the week's closed case on Friday 10-16 to C01's staff
    board = pushes(uow, "publicity")
    assert {(when(p)[0], p.recipient) for p in board} == {(d(10, 16), u) for u in C01_STAFF}
    assert code in board[0].body and "http://grid.test/public/C01" in board[0].body


def test_patrol_and_log_reminders_follow_the_records(env, clock, uow):
    walk = Walk(env, clock, ["report.patrol", "report.leader_log"])
    walk.run(t(9, 20), t(10, 1), story(uow))
    patrol = {(when(p)[0], p.recipient) for p in pushes(uow, "patrol_reminder")}
    days = working_days(env, d(9, 20), d(9, 30))
    assert patrol == {(day, u) for day in days for u in ("leader1", "leader2", "leader3")} - {
        (d(9, 21), "leader1")}
    logs = {(when(p)[0], p.recipient) for p in pushes(uow, "log_reminder")}
    # leader1 wrote on Monday 09-21: covered that day and the next two working days
    assert {day for day, u in logs if u == "leader1"} == {d(9, 20), d(9, 24), d(9, 28),
                                                          d(9, 29), d(9, 30)}
    assert {day for day, u in logs if u == "leader2"} == set(days)
    with uow() as tx:
        kinds = sorted(tx.session.scalars(select(WorkLog.kind)))
    assert kinds == ["log", "patrol"]
