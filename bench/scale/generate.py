"""The district's two years of cases, chunk by chunk (生成): deterministic for a seed.

Reports per day follow the calendar (fewer on weekends and holidays, a slow rise over
the two years) and the hour of day; codes are ``GR`` + date + the day's sequence. Days
are cut into fixed chunks, each with its own seeded generator, so the rows never depend
on how the work is split. Besides cases and their ledger, a chunk holds the outbox rows
the reminder jobs already sent (ladder rungs, leaders' digests) and the work records
(巡查) of grid leaders and of members whose patrol found something.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bench.scale.district import District
from bench.scale.fastcal import FastCalendar
from bench.scale.finish import Finished, Ladder, finish, sent_row
from bench.scale.lifecycle import Draft, Life, initial_state
from bench.scale.story import live
from bench.scale.texts import (
    CATEGORY_WEIGHTS,
    PATROL_TEMPLATES,
    URGENT_SHARE,
    between,
    patrol_text,
    pick,
    report_text,
)
from core.calendar import WorkCalendar
from core.cases.policy import RoutingTable, TimeLimitPolicy
from core.cases.states import Status
from core.clock import SHANGHAI
from core.reminders.config import ReminderConfig, parse_time

HOUR_WEIGHTS = (1, 0.5, 0.3, 0.3, 0.3, 0.6, 2, 5, 9, 10, 10, 8, 5, 6, 8, 9, 8, 7, 6, 6, 5, 4, 3, 2)
CHUNK_DAYS = 14
DUP_SHARE = 0.03
STAFF_SHARE = 0.2  # patrol findings (巡查发现) among reports
MERGE_WINDOW = timedelta(hours=72)


@dataclass
class Plan:
    cases: int
    seed: int
    now: datetime  # the data's present: nothing happens at or after it
    days: int = 730
    base_url: str = "http://127.0.0.1:5000"
    ladder_until: datetime | None = None  # default: runs before ``now``


@dataclass
class Chunk:
    index: int
    cases: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    outbox: list[tuple] = field(default_factory=list)
    work_logs: list[tuple] = field(default_factory=list)
    sequences: list[tuple[date, int]] = field(default_factory=list)


def day_counts(plan: Plan, cal: WorkCalendar | FastCalendar) -> list[tuple[date, int]]:
    """Reports per day, summing to ``plan.cases``; today only counts the hours before now."""
    first = plan.now.date() - timedelta(days=plan.days)
    days = [first + timedelta(days=i) for i in range(plan.days + 1)]
    weights = []
    for i, day in enumerate(days):
        w = (1.0 if cal.is_working_day(day) else 0.55) * (0.8 + 0.4 * i / plan.days)
        if day == plan.now.date():
            w *= sum(HOUR_WEIGHTS[:plan.now.hour]) / sum(HOUR_WEIGHTS)
        weights.append(w)
    total = sum(weights)
    exact = [plan.cases * w / total for w in weights]
    counts = [int(x) for x in exact]
    rest = plan.cases - sum(counts)
    for i in sorted(range(len(days)), key=lambda i: (counts[i] - exact[i], i))[:rest]:
        counts[i] += 1
    return list(zip(days, counts, strict=True))


def chunk_plan(counts: list[tuple[date, int]]) -> list[tuple[int, int, list[tuple[date, int]]]]:
    """(chunk index, first case id, its days) for every chunk."""
    out, first = [], 1
    for i in range(0, len(counts), CHUNK_DAYS):
        days = counts[i:i + CHUNK_DAYS]
        out.append((i // CHUNK_DAYS, first, days))
        first += sum(n for _, n in days)
    return out


class Generator:
    def __init__(self, plan: Plan, district: District, cal: WorkCalendar, policy: TimeLimitPolicy,
                 routing: RoutingTable, reminders: ReminderConfig) -> None:
        self.plan, self.d = plan, district
        first = plan.now.date() - timedelta(days=plan.days + 10)
        self.cal = FastCalendar(cal, first, plan.now.date() + timedelta(days=400))
        self.policy, self.routing, self.reminders = policy, routing, reminders
        self.grid_cum = list(itertools.accumulate(district.grid_weights))
        self.cat_names = tuple(CATEGORY_WEIGHTS)
        self.cat_cum = list(itertools.accumulate(CATEGORY_WEIGHTS.values()))
        self.patrol_cats = tuple(PATROL_TEMPLATES)
        self.grid_members = {g: m for g, m in district.members.items() if m}

    def chunks(self) -> list[tuple[int, int, list[tuple[date, int]]]]:
        return chunk_plan(day_counts(self.plan, self.cal))

    def build(self, index: int, first_id: int, days: list[tuple[date, int]]) -> Chunk:
        rng = random.Random(f"{self.plan.seed}:chunk:{index}")
        life = Life(self.d, self.cal, self.policy, self.routing, rng)
        ladder = Ladder(life, self.reminders, self.plan.base_url)
        out = Chunk(index)
        drafts: list[Draft] = []
        recent: deque[Draft] = deque(maxlen=300)
        next_id = first_id
        for day, n in days:
            out.sequences.append((day, n))
            for seq, moment in enumerate(self._moments(rng, day, n), start=1):
                draft = self._case(life, rng, next_id, f"GR{day:%Y%m%d}{seq:04d}", moment, recent)
                drafts.append(draft)
                recent.append(draft)
                next_id += 1
            self._daily(rng, day, out)
        for draft in drafts:
            done: Finished = finish(draft, ladder, self.plan.now, self.plan.ladder_until)
            out.cases.append(done.case)
            out.events.extend(done.events)
            out.outbox.extend(done.outbox)
        out.work_logs.extend(patrol_logs(out))
        return out

    def _moments(self, rng: random.Random, day: date, n: int) -> list[datetime]:
        hours = HOUR_WEIGHTS[:self.plan.now.hour] if day == self.plan.now.date() else HOUR_WEIGHTS
        picked = rng.choices(range(len(hours)), weights=hours, k=n)
        start = datetime.combine(day, time(0)).replace(tzinfo=SHANGHAI)
        return sorted(start + timedelta(hours=h, seconds=int(rng.random() * 3600)) for h in picked)

    def _case(self, life: Life, rng: random.Random, case_id: int, code: str, t: datetime,
              recent: deque[Draft]) -> Draft:
        d = self.d
        if rng.random() < DUP_SHARE and (master := self._master(rng, t, recent)) is not None:
            return self._duplicate(rng, case_id, code, t, master)
        staff = rng.random() < STAFF_SHARE
        grid = d.grid_ids[bisect.bisect_right(self.grid_cum, rng.random() * self.grid_cum[-1])]
        if staff and grid not in self.grid_members:
            staff = False
        estate = pick(rng, d.estates[grid])
        place = f"{estate}{between(rng, 1, 8)}栋"
        if staff:
            category = pick(rng, self.patrol_cats) if rng.random() < 0.7 else self._category(rng)
            on_spot = rng.random() < 0.4
            member = pick(rng, self.grid_members[grid])
            text = patrol_text(rng, category, place, on_spot)
            c = Draft(case_id, code, t, category, grid, text, "", "wecom", None, member)
        else:
            category, on_spot = self._category(rng), False
            c = Draft(case_id, code, t, category, grid, report_text(rng, category, place), place,
                      "official", pick(rng, d.openids[grid]), None)
        urgent = rng.random() < URGENT_SHARE.get(category, 0.0)
        live(life, c, level=self.routing.first_level_for(category), urgent=urgent,
             confident=rng.random() < 0.9, on_spot=on_spot)
        return c

    def _category(self, rng: random.Random) -> str:
        return self.cat_names[bisect.bisect_right(self.cat_cum, rng.random() * self.cat_cum[-1])]

    def _master(self, rng: random.Random, t: datetime, recent: deque[Draft]) -> Draft | None:
        """An open, unmerged case reported within the merge window (合并重复件)."""
        for _ in range(4):
            if not recent:
                return None
            m = recent[rng.randrange(len(recent))]
            if m.merged or m.reported_at < t - MERGE_WINDOW or m.reported_at >= t:
                continue
            if status_at(m, t) in {Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED}:
                return m
        return None

    def _duplicate(self, rng: random.Random, case_id: int, code: str, t: datetime,
                   master: Draft) -> Draft:
        estate = pick(rng, self.d.estates[master.grid_id])
        place = f"{estate}{between(rng, 1, 8)}栋"
        category = current_category(master, t)
        c = Draft(case_id, code, t, category, master.grid_id, report_text(rng, category, place),
                  place, "official", pick(rng, self.d.openids[master.grid_id]), None, merged=True)
        c.add(t, "report", f"resident:{c.reporter_openid}", "", "",
              **initial_state(category, self.routing.first_level_for(category), c.grid_id, False))
        c.add(t, "merge", "system", "", f"与 {master.code} 为同一事项，合并办理",
              merged_into_id=master.id, reject_reason="duplicate")
        master.add(t, "link", "system", "", f"合并重复件 {code}")
        return c

    def _daily(self, rng: random.Random, day: date, out: Chunk) -> None:
        """Leaders' patrol records (巡查) and the digests sent on a working day before now."""
        if not self.cal.is_working_day(day):
            return
        d = self.d
        start = datetime.combine(day, time(9)).replace(tzinfo=SHANGHAI)
        for g in d.grid_ids:
            if rng.random() < 0.85:
                moment = start + timedelta(seconds=int(rng.random() * 7 * 3600))
                if moment < self.plan.now:
                    out.work_logs.append((d.leader[g], "patrol",
                                          f"巡查{pick(rng, d.estates[g])}周边，未发现异常",
                                          moment, None))
        sent = datetime.combine(day, parse_time(self.reminders.digest["at"], "digest")
                                ).replace(tzinfo=SHANGHAI)
        if sent >= self.plan.now:
            return
        for (gid, code, name, level, *_rest) in d.grids:
            if level != "community":
                continue
            for p in d.managers[gid] + d.supervisors.get(gid, []):
                out.outbox.append(sent_row(f"job:digest:{day}:{code}:{d.userid[p]}", d.userid[p],
                                           "leader_digest", "网格日报", f"{name} {day:%m月%d日} 日报",
                                           "", None, sent))


def status_at(c: Draft, t: datetime) -> str:
    from bench.scale.finish import fold

    events = sorted((e for e in c.events if e.at <= t), key=lambda e: (e.at, e.order))
    return fold(events)[-1]["status"] if events else ""


def current_category(c: Draft, t: datetime) -> str:
    category = c.category
    for e in sorted(c.events, key=lambda e: (e.at, e.order)):
        if e.at <= t and "category" in e.data:
            category = e.data["category"]
    return category


def patrol_logs(chunk: Chunk) -> list[tuple]:
    """巡查 records of members whose patrol became a case (the log points at the case)."""
    return [(row[11], "patrol", row[6], row[14], row[0]) for row in chunk.cases
            if row[11] is not None]
