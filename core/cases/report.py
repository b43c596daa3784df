"""信息采集: a report becomes a case — placed in a grid, merged when it repeats an open case,
accepted and dispatched at once when the classifier is sure and the grid is known."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import lazyload

from core.actors import SYSTEM, ActorRef, load_staff
from core.cases import filing, notify
from core.cases.codes import next_code
from core.cases.common import load_case
from core.cases.flow import accept_case, dispatch_case, resolve_case
from core.cases.ledger import record
from core.cases.models import OPEN_UNMERGED, Case
from core.cases.policy import CATEGORIES, CATEGORY_LABELS
from core.cases.states import Action, Status
from core.db import noted, recall, remember
from core.errors import Forbidden, InvalidInput
from core.outbox import Priority, enqueue
from core.prepared import Prepared
from core.registry.directory import Directory, OrmDirectory
from core.registry.lookup import community_of, find_address, in_jurisdiction, managers_of, town_of
from core.registry.models import Grid, Level, Resident, Role, Staff
from core.registry.places import GridRef, registry
from core.uow import UnitOfWork


@dataclass(frozen=True)
class ReportInput:
    """What the edge learned about a report (text already classified)."""

    description: str
    category: str
    urgent: bool = False
    address: str = ""
    confident: bool = True
    channel: str = "official"
    attachments: Sequence[str] = field(default_factory=tuple)
    resolved_on_spot: bool = False  # 当场处理 (staff patrol)
    note: str = ""


@dataclass
class ReportOutcome:
    case: Case
    merged_into: Case | None = None
    accepted: bool = False
    grid_name: str | None = None  # the case's grid, for the reply (None: 待分拣)


_RESIDENT = select(Resident).where(Resident.openid == bindparam("openid"))


def ensure_resident(uow: UnitOfWork, openid: str) -> Resident:
    """The resident row for ``openid``, created on first contact."""
    row = recall(uow.session, "resident", openid)
    if row is not None:
        return row
    row = uow.session.scalar(_RESIDENT, {"openid": openid})
    if row is None:
        row = Resident(openid=openid, created_at=uow.now(), subscribed=True)
        uow.session.add(row)
        uow.session.flush()
    remember(uow.session, "resident", openid, row)
    return row


def _place(uow: UnitOfWork, actor: ActorRef, inp: ReportInput) -> tuple[Grid | None, Staff | None]:
    staff = load_staff(uow.session, actor) if actor.kind == "staff" else None
    found = find_address(uow.session, inp.address or inp.description)
    if found is not None:
        return found.grid, staff
    if staff is not None:
        return next((g for g in staff.grids if g.level == Level.GRID), None), staff
    if actor.kind == "resident":
        return ensure_resident(uow, actor.ref).grid, None
    return None, None


def _place_resident(uow: UnitOfWork, openid: str, inp: ReportInput) -> GridRef | None:
    """:func:`_place` for a resident, from this process's copy of the grids and addresses: the
    address named, else the resident's own grid (noted by ``touch_resident``, or read)."""
    places = registry(uow.session)
    found = places.locate(inp.address or inp.description)
    if found is not None:
        return found
    row = recall(uow.session, "resident", openid)
    known = (row.grid_id,) if row is not None else noted(uow.session, "resident_grid", openid)
    grid_id = known[0] if known is not None else ensure_resident(uow, openid).grid_id
    if grid_id is None:
        return None
    return places.grids.get(grid_id) or registry(uow.session, fresh=True).grids.get(grid_id)


OPEN = (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED)
# Built once: the open cases a report may repeat, newest first. The status and merge terms
# are literal SQL, word for word the predicate of the partial index ix_cases_open_by_grid_category
# (migration 0007), so both databases read the newest 50 straight from it.
_CANDIDATES = Prepared(
    select(Case.id, Case.description)
    .where(Case.grid_id == bindparam("grid_id"), Case.category == bindparam("category"),
           text(f"cases.{OPEN_UNMERGED.replace(' AND ', ' AND cases.')}"),
           Case.reported_at >= bindparam("since", type_=Case.__table__.c.reported_at.type))
    .order_by(Case.reported_at.desc()).limit(50)
)


_MASTER = (select(Case).where(Case.id == bindparam("case_id")).options(lazyload("*"))
           .with_for_update(of=Case))


def _lock_master(uow: UnitOfWork, case_id: int) -> Case | None:
    return uow.session.scalar(_MASTER, {"case_id": case_id})


def _find_duplicate(uow: UnitOfWork, grid: Grid | GridRef | None, inp: ReportInput,
                    lock: Callable[[UnitOfWork, int], Case | None] = _lock_master) -> Case | None:
    """An open case of the same grid and category, similar words, within the merge window.

    Runs before the new case is numbered and written: on PostgreSQL the day's code row stays
    unlocked while the candidates are scored. The case merged into is locked (``FOR UPDATE``)
    and checked again, so two reports merging into it at once take turns on its ledger."""
    if grid is None:
        return None
    since = uow.now() - timedelta(hours=uow.env.merge_window_hours)
    # Only the words are compared: two columns through the connection (no ORM rows), then the
    # one case that matches is loaded (a Case loads its grid chain and assignee eagerly).
    rows = _CANDIDATES.all(uow.session, {"grid_id": grid.id, "category": inp.category, "since": since})
    similarity, threshold = uow.env.similarity, uow.env.similarity_threshold
    best: tuple[float, int] | None = None
    for case_id, words in rows:
        score = similarity(inp.description, words)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, case_id)  # ties: the most recent, which came first
    if best is None:
        return None
    # Merging touches the master's own columns only: its relations load if someone asks.
    master = lock(uow, best[1])
    if master is None or master.status not in OPEN or master.merged_into_id is not None:
        return None  # closed or merged meanwhile: the report stands on its own
    return master


def report_case(uow: UnitOfWork, actor: ActorRef, inp: ReportInput) -> ReportOutcome:
    """信息采集: record the report as a case and carry it as far as the rules allow."""
    if not inp.description.strip():
        raise InvalidInput("请描述您要反映的问题")
    if inp.category not in CATEGORIES:
        raise InvalidInput(f"未知类别 {inp.category}")
    if inp.resolved_on_spot and actor.kind != "staff":
        raise Forbidden("只有网格工作人员可以登记当场处理")
    # Nothing read here depends on rows this transaction has yet to write: the session
    # flushes once at the end (or when a new row needs its id), not before every query.
    with uow.session.no_autoflush:
        out = _report(uow, actor, inp)
    if out.grid_name is None and out.case.grid_id is not None:
        out.grid_name = out.case.grid.name
    return out


def _report(uow: UnitOfWork, actor: ActorRef, inp: ReportInput) -> ReportOutcome:
    if filing.eligible(uow, actor, inp):
        where = _place_resident(uow, actor.ref, inp)
        master = _find_duplicate(uow, where, inp, filing.lock_master)
        case, accepted = filing.file_report(uow, actor, inp, where, master)
        return ReportOutcome(case, merged_into=master, accepted=accepted,
                             grid_name=where.name if where else None)
    grid, staff = _place(uow, actor, inp)
    if inp.resolved_on_spot and grid is None:
        raise InvalidInput("当场处理须写明小区楼栋，例如：巡查 阳光花园3栋楼道杂物已清理 已处理")
    master = None if inp.resolved_on_spot else _find_duplicate(uow, grid, inp)
    now = uow.now()
    # The code is taken as late as possible: its row lock (PostgreSQL) lasts to the commit.
    case = Case(code=next_code(uow.session, now.date()), status="", description=inp.description.strip(),
                reported_at=now, channel=inp.channel, grid=grid, address=inp.address,
                reporter_openid=actor.ref if actor.kind == "resident" else None,
                reporter_staff_id=staff.id if staff else None)
    uow.session.add(case)
    ev = record(uow.session, case, Action.REPORT, actor, now, actor_name=staff.name if staff else "",
                note=inp.note, attachments=inp.attachments, category=inp.category,
                level=uow.env.routing.first_level_for(inp.category),
                grid_id=grid.id if grid else None, urgent=inp.urgent)
    remember(uow.session, "new_case", case.code, case)
    if master is not None:
        merge_into(uow, SYSTEM, case, master)
        return ReportOutcome(case, merged_into=master)
    if inp.urgent:
        _alert_urgent(uow, case, ev)
    if inp.resolved_on_spot and staff is not None:
        accept_case(uow, SYSTEM, case.code, dispatch=False)
        dispatch_case(uow, SYSTEM, case.code, to=actor.ref, note="当场处理")
        resolve_case(uow, actor, case.code, inp.note or "当场处理", inp.attachments)
        return ReportOutcome(case, accepted=True)
    if (inp.confident or staff is not None) and grid is not None:
        accept_case(uow, SYSTEM, case.code)
        return ReportOutcome(case, accepted=True)
    return ReportOutcome(case)


def _alert_urgent(uow: UnitOfWork, case: Case, ev) -> None:
    """突发事件: the grid leader and community manager are pushed at once."""
    for push in urgent_pushes(uow, case, ev.seq, OrmDirectory(uow.session)):
        enqueue(uow.session, **push)


def urgent_pushes(uow: UnitOfWork, case: Case, seq: int, directory: Directory) -> list[dict[str, Any]]:
    """The urgent alert's outbox values: the grid's leaders and its community's managers; with
    neither, the town's centre (every centre member when the case has no grid)."""
    people = [*directory.at(case.grid, Role.LEADER), *directory.at(community_of(case.grid), Role.MANAGER)]
    if not people:
        people = list(directory.at(town_of(case.grid), Role.CENTRE) if case.grid
                      else directory.centre_everywhere())
    return notify.staff_pushes(uow, case, seq, "urgent", people,
                               f"【紧急】{case.code} {CATEGORY_LABELS[case.category]}",
                               notify.dispatch_text(case), priority=Priority.URGENT)


def merge_into(uow: UnitOfWork, actor: ActorRef, dup: Case, master: Case, actor_name: str = "") -> None:
    """合并重复件: the duplicate is closed as rejected (duplicate) and linked to ``master``."""
    now = uow.now()
    ev = record(uow.session, dup, Action.MERGE, actor, now, actor_name=actor_name,
                note=f"与 {master.code} 为同一事项，合并办理", merged_into_id=master.id,
                reject_reason="duplicate")
    dup.merged_into = master
    record(uow.session, master, Action.LINK, actor, now, actor_name=actor_name,
           note=f"合并重复件 {dup.code}")
    if dup.channel != "official" or actor == SYSTEM:
        return
    notify.tell_reporters(uow, dup, ev, "merged",
                          f"您反映的问题与事件 {master.code} 为同一事项，已合并办理，进展将一并告知您。")


def merge_case(uow: UnitOfWork, actor: ActorRef, code: str, into: str) -> Case:
    """Staff merge a duplicate into an open case (both in their jurisdiction)."""
    from core.cases.common import authorize

    dup, master = load_case(uow, code), load_case(uow, into)
    if dup.id == master.id:
        raise InvalidInput("不能把事件合并到它自己")
    if master.status not in {Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.RESOLVED}:
        raise Forbidden(f"{master.code} 已结束，不能作为合并目标")
    person = authorize(uow, actor, dup, Action.MERGE)
    if person is not None and not in_jurisdiction(person, master.grid):
        raise Forbidden(f"{master.code}：该事件不在您的管辖范围内")
    merge_into(uow, actor, dup, master, person.name if person else "")
    return dup


def rate_case(uow: UnitOfWork, actor: ActorRef, code: str, score: int, note: str = "") -> Case:
    """评价: the reporter rates a closed case 1–5, once; ≤ 2 alerts the community manager."""
    if not 1 <= score <= 5:
        raise InvalidInput("评分须为 1-5 分：评价 GR… 5")
    case = load_case(uow, code)
    if actor.kind != "resident" or case.reporter_openid != actor.ref:
        raise Forbidden(f"只有{case.code}的反映人可以评价")
    if case.status != Status.CLOSED:
        raise Forbidden(f"{case.code} 尚未结案，结案后才能评价")
    if case.rating is not None:
        raise Forbidden(f"{case.code} 已经评价过了（{case.rating}分），感谢您的反馈")
    ev = record(uow.session, case, Action.RATE, actor, uow.now(), note=note, rating=score,
                rating_note=note)
    if score <= 2:
        notify.tell_staff(uow, case, ev, "low_rating", managers_of(uow.session, case.grid),
                          f"差评提醒 {case.code}",
                          f"{notify.case_line(case)}\n居民评分：{score}分\n{note}\n"
                          f"如需重新办理，回复「重办 {case.code} 原因」")
    return case
