"""Turn a case's drafted events into table rows: numbered ledger, 督办 history, the case row.

Events later than 'now' are dropped, so a case is left in whatever state it had reached
(open, overdue, waiting for verification …). The overdue ladder is then replayed over the
case's past the way ``core.reminders.ladder.run_ladder`` ran it every working day at its
hour: each rung's WeCom pushes (outbox rows, dedup keys included) and the 督办 ledger line
it wrote. Statuses come from the real transition table, so an impossible step fails here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from bench.scale.lifecycle import Draft, Ev, Life
from core.cases.ledger import TRACKED
from core.cases.policy import CATEGORY_LABELS
from core.cases.queries import ACTIVE
from core.cases.states import Status, next_status
from core.outbox import Priority
from core.reminders.common import at as local_at
from core.reminders.config import ReminderConfig
from core.reminders.ladder import _status_text, offset, rungs_to_send

ACTIVE_NAMES = frozenset(str(s) for s in ACTIVE)
CASE_COLUMNS = ("id", "code", "status", "category", "level", "grid_id", "description", "address",
                "urgent", "channel", "reporter_openid", "reporter_staff_id", "assignee_id",
                "department", "reported_at", "accepted_at", "deadline", "resolved_at",
                "closed_at", "extension_days", "extension_reason", "external_ticket",
                "merged_into_id", "reject_reason", "rating", "rating_note", "on_time",
                "updated_at")
EVENT_COLUMNS = ("case_id", "seq", "at", "action", "actor", "actor_name", "from_status",
                 "to_status", "note", "attachments", "data")
OUTBOX_COLUMNS = ("dedup_key", "channel", "recipient", "kind", "priority", "title", "body", "url",
                  "data", "case_id", "status", "attempts", "next_attempt_at", "last_error",
                  "created_at", "delivered_at")


@dataclass
class Finished:
    case: tuple
    events: list[tuple] = field(default_factory=list)
    outbox: list[tuple] = field(default_factory=list)


def _encode(data: dict[str, Any]) -> str:
    if not data:
        return "{}"
    return json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()},
                      ensure_ascii=False)


def sent_row(key: str, userid: str, kind: str, title: str, body: str, url: str,
             case_id: int | None, when: datetime, priority: int = Priority.NORMAL) -> tuple:
    """An outbox row that was delivered a few seconds after it was queued."""
    return (key, "wecom", userid, kind, int(priority), title, body, url, "{}", case_id, "sent", 1,
            when, "", when, when + timedelta(seconds=3))


class Ladder:
    """Replays ``run_ladder`` over one case's past."""

    def __init__(self, life: Life, config: ReminderConfig, base_url: str) -> None:
        self.life, self.config, self.base_url = life, config, base_url
        self.fake_uow = SimpleNamespace(env=SimpleNamespace(calendar=life.cal))

    def people(self, duty: str, grid: int, assignee: int | None) -> list[int]:
        d = self.life.d
        community = d.community_of[grid]
        return {"assignee": [assignee] if assignee else [], "leader": [d.leader[grid]],
                "manager": d.managers[community], "supervisor": d.supervisors.get(community, []),
                "centre": d.centre[d.town_of[grid]]}[duty]

    def run(self, c: Draft, events: list[Ev], states: list[dict], until: datetime,
            ) -> tuple[list[Ev], list[tuple]]:
        """Supervise events and outbox rows of every ladder run before ``until``."""
        cal, clock = self.life.cal, self.config.ladder_at
        new_events: list[Ev] = []
        rows: list[tuple] = []
        sent: set[str] = set()
        for i, state in enumerate(states):
            if state["status"] not in ACTIVE_NAMES or state["deadline"] is None:
                continue
            if state["merged_into_id"] is not None:
                continue
            start = events[i].at
            end = events[i + 1].at if i + 1 < len(events) else until
            due: date = state["deadline"].date()
            day = max(start.date(), cal.previous_working_day(due))
            while True:
                moment = local_at(day, clock)
                if moment > end or moment >= until:
                    break
                if moment > start and cal.is_working_day(day):
                    k = offset(self.fake_uow, day, due)  # type: ignore[arg-type]
                    for rung in rungs_to_send(self.config.rungs, k):
                        self._climb(c, state, rung, k, due, moment, sent, rows, new_events)
                day += timedelta(days=1)
        return new_events, rows

    def _climb(self, c: Draft, state: dict, rung, k: int, due: date, moment: datetime,
               sent: set[str], rows: list[tuple], new_events: list[Ev]) -> None:
        d = self.life.d
        found: dict[int, None] = {}
        for duty in rung.to:
            for p in self.people(duty, state["grid_id"], state["assignee_id"]):
                found.setdefault(p, None)
        people = list(found)
        who = f"承办：{d.name[state['assignee_id']]}" if state["assignee_id"] else "尚未派遣"
        verb = "超期督办" if rung.supervise else "到期提醒"
        line = (f"{c.code} {CATEGORY_LABELS.get(state['category'], state['category'])} "
                f"{d.grid_name[state['grid_id']]} 时限{state['deadline']:%m月%d日 %H:%M}")
        body = (f"{line}\n{_status_text(k)}，{who}\n"
                f"请抓紧办理；难以按时办结的请「延期 {c.code} 天数 原因」。")
        base = f"job:ladder:{c.code}:{rung.name}:{due:%Y%m%d}"
        queued = 0
        for p in people:
            key = f"{base}:{d.userid[p]}"
            if key in sent:
                continue
            sent.add(key)
            queued += 1
            rows.append(sent_row(key, d.userid[p], f"ladder_{rung.name}", f"{verb} {c.code}", body,
                                 f"{self.base_url}/cases/{c.code}", c.id, moment, Priority.HIGH))
        if rung.supervise and queued:
            names = "、".join(d.name[p] for p in people)
            new_events.append(Ev(moment, -1, "supervise", "system", "系统",
                                 f"{_status_text(k)}，督办：{names}", {}))


def fold(events: list[Ev]) -> list[dict]:
    """The case's state after each event (status included), in order."""
    state: dict[str, Any] = {name: None for name in TRACKED}
    state["status"] = ""
    out = []
    for ev in events:
        state.update(ev.data)
        state["status"] = str(next_status(state["status"], ev.action)) if state["status"] \
            else str(Status.REPORTED)
        out.append(dict(state))
    return out


def finish(c: Draft, ladder: Ladder, now: datetime, ladder_until: datetime | None = None
           ) -> Finished:
    """Rows of ``c`` as of ``now``; the ladder replayed for runs before ``ladder_until``."""
    events = sorted((e for e in c.events if e.at < now), key=lambda e: (e.at, e.order))
    states = fold(events)
    extra, outbox = ladder.run(c, events, states, ladder_until or now)
    if extra:
        events = sorted(events + extra, key=lambda e: (e.at, e.order))
        states = fold(events)
    rows = []
    previous = ""
    for seq, (ev, state) in enumerate(zip(events, states, strict=True), start=1):
        rows.append((c.id, seq, ev.at, ev.action, ev.actor, ev.actor_name, previous,
                     state["status"], ev.note, "[]", _encode(ev.data)))
        previous = state["status"]
    s = states[-1]
    case = (c.id, c.code, s["status"], s["category"], s["level"], s["grid_id"], c.description,
            c.address, bool(s["urgent"]), c.channel, c.reporter_openid, c.reporter_staff_id,
            s["assignee_id"], s["department"], c.reported_at, s["accepted_at"], s["deadline"],
            s["resolved_at"], s["closed_at"], s["extension_days"], s["extension_reason"],
            s["external_ticket"], s["merged_into_id"], s["reject_reason"], s["rating"],
            s["rating_note"], s["on_time"], events[-1].at)
    return Finished(case, rows, outbox)
