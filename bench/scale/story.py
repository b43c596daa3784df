"""The steps of a case's life, in order: report → accept → dispatch → … → close → rate.

Shares (per case): 10 % of residents' reports wait for a person to accept (12 % of those
are refused); a quarter of grid cases are handed to a member; 5 % of grid cases are
escalated (上报), some of those on to the town and a few to the county; a quarter of the
late cases ask for an extension (延期); 5 % of resolutions are sent back at verification
(退回); 60 % of residents rate, and a third of ratings of 2 or less are reopened (重办).
Resolution time, in working days from the last (re)assignment: mostly within the time
limit, 12 % a few days late, 2.6 % a fortnight late, 0.4 % stuck for months.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bench.scale.lifecycle import (
    FEEDBACK_NOTES,
    LOW_NOTES,
    RATING_NOTES,
    Draft,
    Life,
    initial_state,
)
from bench.scale.texts import RESOLVE_NOTES, between, pick, pick_category

SYSTEM, SYSTEM_NAME = "system", "系统"


def resolution_days(life: Life, limit: int) -> int:
    """Working days from assignment to 办结 for a level with ``limit`` days."""
    u = life.rng.random()
    if u < 0.85:
        return int(limit * life.rng.random() ** 1.7)
    if u < 0.97:
        return between(life.rng, limit, limit + 3)
    if u < 0.996:
        return between(life.rng, limit + 4, limit + 15)
    return between(life.rng, 20, 250)


def accept(life: Life, c: Draft, t: datetime, level: str, actor: str, name: str,
           category: str) -> dict:
    deadline = life.deadline(level, t)
    c.add(t, "accept", actor, name, category=category, level=level, grid_id=c.grid_id,
          accepted_at=t, deadline=deadline)
    return {"level": level, "deadline": deadline, "category": category}


def dispatch(life: Life, c: Draft, t: datetime, state: dict) -> None:
    assignee, department = life.route(state["category"], state["level"], c.grid_id)
    c.add(t, "dispatch", SYSTEM, SYSTEM_NAME, assignee_id=assignee, department=department)
    state.update(assignee=assignee, department=department)


def live(life: Life, c: Draft, *, level: str, urgent: bool, confident: bool,
         on_spot: bool) -> None:
    """Write every event of ``c`` from its report to its last rating (beyond 'now' too)."""
    rng, t = life.rng, c.reported_at
    reporter = f"staff:{life.d.userid[c.reporter_staff_id]}" if c.reporter_staff_id else \
        f"resident:{c.reporter_openid}"
    reporter_name = life.d.name[c.reporter_staff_id] if c.reporter_staff_id else ""
    c.add(t, "report", reporter, reporter_name,
          "巡查发现，当场处理" if on_spot else ("巡查发现" if c.reporter_staff_id else ""),
          **initial_state(c.category, level, c.grid_id, urgent))
    if on_spot:  # 当场处理: accepted by the system, dispatched to the member, resolved at once
        state = accept(life, c, t, level, SYSTEM, SYSTEM_NAME, c.category)
        c.add(t, "dispatch", SYSTEM, SYSTEM_NAME, "当场处理", assignee_id=c.reporter_staff_id,
              department="")
        state.update(assignee=c.reporter_staff_id, department="")
        c.add(t, "resolve", reporter, reporter_name, "巡查发现，当场处理", resolved_at=t)
        state["resolved"] = t
        close(life, c, life.later(t, 0.5, 14), state)
        return
    if confident or c.reporter_staff_id:
        state = accept(life, c, t, level, SYSTEM, SYSTEM_NAME, c.category)
    else:  # a leader reads it and accepts (perhaps correcting the category) or refuses it
        leader = life.d.leader[c.grid_id]
        actor, name = life.staff(leader)
        t = life.later(t, 0.3, 6)
        if rng.random() < 0.12:
            c.add(t, "reject", actor, name, reject_reason=pick(rng, ("invalid", "out_of_scope")))
            return
        category = c.category
        if rng.random() < 0.2:
            category = pick_category(rng)
        new_level = life.routing.first_level_for(category) if category != c.category else level
        state = accept(life, c, t, new_level, actor, name, category)
    dispatch(life, c, t, state)
    work(life, c, t, state)


def work(life: Life, c: Draft, t: datetime, state: dict) -> None:
    """From dispatch to 办结: hand-off, 接单, 上报, 反馈, 延期, then resolve and verify."""
    rng = life.rng
    if state["assignee"] is None:
        return  # nobody to dispatch to: waits accepted (not produced by this district)
    if state["level"] == "grid" and rng.random() < 0.25 and life.d.members[c.grid_id]:
        leader = state["assignee"]
        member = pick(rng, life.d.members[c.grid_id])
        t = life.later(t, 0.2, 3)
        actor, name = life.staff(leader)
        c.add(t, "dispatch", actor, name, assignee_id=member, department="")
        state.update(assignee=member, department="")
    if rng.random() < 0.4:
        t = life.later(t, 0.1, 4)
        actor, name = life.staff(state["assignee"])
        c.add(t, "claim", actor, name, assignee_id=state["assignee"],
              department=state["department"])
    start = t
    for _ in range(3):
        if not escalate(life, c, t, state):
            break
        t = start = c.events[-1].at
        if state["level"] == "county":
            break
    if rng.random() < 0.25:
        t = life.later(t, 1, 20)
        actor, name = life.staff(state["assignee"])
        c.add(t, "feedback", actor, name, pick(rng, FEEDBACK_NOTES))
    limit = life.policy.days_for(state["level"])
    # at the county the outside platform answers in its own time; the centre closes it here
    days = between(rng, 5, 25) if state["level"] == "county" else resolution_days(life, limit)
    if days >= limit and state["deadline"] is not None and rng.random() < 0.25:
        t = extension(life, c, t, state, days - limit + 1)
    resolved = max(life.on_working_day(start, days), t + timedelta(minutes=5))
    resolve_and_verify(life, c, resolved, state)


def escalate(life: Life, c: Draft, t: datetime, state: dict) -> bool:
    """上报 one level with the right odds; True when it happened."""
    rng, level = life.rng, state["level"]
    odds = {"grid": 0.05, "community": 0.3, "town": 0.05}.get(level, 0.0)
    if rng.random() >= odds:
        return False
    to = {"grid": "community", "community": "town", "town": "county"}[level]
    t = life.later(t, 2, 30)
    actor, name = life.staff(state["assignee"])
    assignee, department = life.route(state["category"], to, c.grid_id)
    changes = {"level": to, "assignee_id": assignee, "department": department,
               "deadline": life.deadline(to, t), "extension_days": None, "extension_reason": ""}
    reason = {"community": "需社区协调处理", "town": "需职能部门处理", "county": "需县级部门处理"}[to]
    if to == "county":
        changes.update(external_ticket=f"XJ{t:%Y%m%d}{rng.randrange(10**5):05d}", deadline=None)
    c.add(t, "escalate", actor, name, reason, **changes)
    state.update(level=to, assignee=assignee, department=department, deadline=changes["deadline"])
    return True


def extension(life: Life, c: Draft, t: datetime, state: dict, days: int) -> datetime:
    """延期申请 before the deadline and its approval (or refusal) one level up."""
    rng = life.rng
    days = max(1, min(days, 30))
    ask = max(t + timedelta(minutes=30), state["deadline"] - timedelta(days=1))
    ask = life.office(ask)
    actor, name = life.staff(state["assignee"])
    reason = pick(rng, ("需协调多个部门", "材料采购需要时间", "当事人暂时联系不上"))
    c.add(ask, "request_extension", actor, name, reason, extension_days=days,
          extension_reason=reason)
    decided = life.later(ask, 0.5, 6)
    who = pick(rng, life.approvers(state["level"], c.grid_id))
    actor, name = life.staff(who)
    if rng.random() < 0.85:
        new = life.cal.add_working_days(state["deadline"], days)
        c.add(decided, "decide_extension", actor, name, f"同意延期 {days} 个工作日",
              extension_days=None, deadline=new)
        state["deadline"] = new
    else:
        c.add(decided, "decide_extension", actor, name, f"不同意延期 {days} 个工作日",
              extension_days=None)
    return decided


def resolve_and_verify(life: Life, c: Draft, t: datetime, state: dict) -> None:
    """办结, then 核查: passed (结案), or sent back (退回) and resolved again, at most twice."""
    rng = life.rng
    for attempt in range(3):
        actor, name = life.staff(state["assignee"])
        c.add(t, "resolve", actor, name, pick(rng, RESOLVE_NOTES), resolved_at=t)
        state["resolved"] = t
        checked = life.later(t, 0.5, 14)
        if attempt == 2 or rng.random() >= 0.05:
            close(life, c, checked, state)
            return
        verifier = pick_verifier(life, c, state)
        actor, name = life.staff(verifier)
        c.add(checked, "verify_return", actor, name, "现场核查未整改到位", resolved_at=None)
        t = life.later(checked, 2, 20)


def pick_verifier(life: Life, c: Draft, state: dict) -> int:
    people = [p for p in life.verifiers(state["level"], c.grid_id) if p != state["assignee"]]
    return pick(life.rng, people)


def close(life: Life, c: Draft, t: datetime, state: dict) -> None:
    """核查通过 → 结案, then the reporter's rating and, when low, perhaps 重办."""
    rng = life.rng
    resolved = state.get("resolved", t)
    verifier = pick_verifier(life, c, state)
    actor, name = life.staff(verifier)
    on_time = state["deadline"] is None or resolved <= state["deadline"]
    if t < resolved:
        t = resolved
    c.add(t, "verify_pass", actor, name, "", closed_at=t, on_time=on_time)
    if not c.reporter_openid or rng.random() >= 0.6:
        return
    rated = t + timedelta(seconds=between(rng, 600, 2 * 86400))
    score = rng.choices((5, 4, 3, 2, 1), weights=(55, 25, 10, 6, 4))[0]
    note = pick(rng, LOW_NOTES if score <= 2 else RATING_NOTES)
    c.add(rated, "rate", f"resident:{c.reporter_openid}", "", note, rating=score, rating_note=note)
    if score > 2 or rng.random() >= 0.33 or state.get("reopened"):
        return
    manager = pick(rng, life.d.managers[life.community(c.grid_id)])
    actor, name = life.staff(manager)
    again = life.later(rated, 0.5, 8)
    deadline = life.deadline(state["level"], again)
    c.add(again, "reopen", actor, name, "居民不满意，重新办理", deadline=deadline,
          resolved_at=None, closed_at=None, on_time=None, rating=None, rating_note="")
    state.update(deadline=deadline, reopened=True)
    days = int(life.policy.days_for(state["level"]) * rng.random())
    resolve_and_verify(life, c, max(life.on_working_day(again, days), again + timedelta(minutes=5)),
                       state)
