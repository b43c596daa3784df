"""What a resident does besides reporting (居民): bind an address, place a case, add evidence,
see their cases, subscribe to publicity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update

from core.actors import SYSTEM, ActorRef
from core.cases.common import load_case
from core.cases.flow import accept_case
from core.cases.ledger import record
from core.cases.models import Case
from core.cases.report import ensure_resident
from core.cases.states import OPEN_STATUSES, Action, Status
from core.db import note, recall
from core.errors import Forbidden, InvalidInput, NotFound
from core.outbox import Priority, enqueue
from core.prepared import Prepared
from core.registry.lookup import find_address, in_jurisdiction
from core.registry.models import Grid, Resident
from core.uow import UnitOfWork

TOUCH_EVERY = timedelta(minutes=1)  # how stale the window's start may be (touch_resident)


def bind_resident(uow: UnitOfWork, openid: str, text: str) -> Resident:
    """绑定: place the resident in the unit grid of 小区 + 楼栋."""
    if not text.strip():
        raise InvalidInput("请写明小区和楼栋，例如：绑定 阳光花园3栋")
    found = find_address(uow.session, text)
    if found is None:
        raise NotFound(f"没有找到「{text.strip()}」，请写小区全名和楼栋号，例如：绑定 阳光花园3栋")
    row = ensure_resident(uow, openid)
    row.grid_id, row.grid = found.grid_id, found.grid
    row.address = text.strip()[:250]
    return row


def place_case(uow: UnitOfWork, actor: ActorRef, code: str, text: str) -> Grid | None:
    """A case waiting in triage gets its place from an address the reporter sends; then it is
    accepted and dispatched like any other."""
    case = load_case(uow, code)
    _check_owner(uow, actor, case)
    found = find_address(uow.session, text)
    if found is None or case.grid_id is not None or case.status != Status.REPORTED:
        return None
    case.address = case.address or text.strip()[:250]
    accept_case(uow, SYSTEM, code, grid_code=found.grid.code)
    return found.grid


def attach_to_case(uow: UnitOfWork, actor: ActorRef, code: str, *, media_ids: Sequence[str] = (),
                   note: str = "") -> Case:
    """补充材料: photos (by WeChat MediaId, fetched later by the worker) or a location."""
    case = load_case(uow, code)
    _check_owner(uow, actor, case)
    if case.status not in OPEN_STATUSES:
        raise Forbidden(f"{case.code} 已{'结案' if case.status == Status.CLOSED else '结束'}，不能再补充材料")
    attachments = [f"media:{m}" for m in media_ids]
    record(uow.session, case, Action.ATTACH, actor, uow.now(), note=note, attachments=attachments)
    channel = "official" if actor.kind == "resident" else "wecom"
    for media_id in media_ids:
        enqueue(uow.session, dedup_key=f"media:{channel}:{media_id}", channel="job",
                recipient=channel, kind="fetch_media", body=media_id, now=uow.now(),
                priority=Priority.LOW, case_id=case.id, data={"media_id": media_id,
                                                               "source": channel})
    return case


def _check_owner(uow: UnitOfWork, actor: ActorRef, case: Case) -> None:
    if actor.kind == "resident":
        if case.reporter_openid != actor.ref:
            raise Forbidden(f"{case.code} 不是您反映的事件")
        return
    from core.actors import load_staff

    person = load_staff(uow.session, actor)
    if not in_jurisdiction(person, case.grid):
        raise Forbidden(f"{case.code}：该事件不在您的管辖范围内")


def my_cases(uow: UnitOfWork, openid: str, *, days: int = 90, limit: int = 10) -> list[Case]:
    """查询: the resident's own cases (and those merged for them), newest first."""
    since = uow.now() - timedelta(days=days)
    stmt = (select(Case).where(Case.reporter_openid == openid, Case.reported_at >= since)
            .order_by(Case.reported_at.desc()).limit(limit))
    return list(uow.session.scalars(stmt))


def set_publicity(uow: UnitOfWork, openid: str, wanted: bool) -> Resident:
    """订阅公示 / 取消订阅."""
    row = ensure_resident(uow, openid)
    row.wants_publicity = wanted
    return row


_TOUCH_READ = Prepared(
    select(Resident.id, Resident.grid_id, Resident.last_message_at, Resident.window_sent)
    .where(Resident.openid == bindparam("openid")))
_TOUCH = Prepared(update(Resident.__table__).where(Resident.__table__.c.id == bindparam("resident_id"))
                  .values(last_message_at=bindparam("at"), window_sent=0))


def touch_resident(uow: UnitOfWork, openid: str, *, subscribed: bool | None = None) -> None:
    """A message from the resident opens their 48-hour customer-service window.

    Within a minute of the last touch (and nothing sent in the window since) the row is left
    as it is: the window then closes up to a minute early, never late, and a resident's
    burst of messages and photos costs one UPDATE, not one each. A known resident is read and
    touched with two columns' worth of Core statements (no ORM row, no grid chain); the grid
    id is noted for a report in the same transaction (``noted(session, "resident_grid", …)``)."""
    now = uow.now()
    if subscribed is None and recall(uow.session, "resident", openid) is None:
        found = _TOUCH_READ.first(uow.session, {"openid": openid})
        if found is not None:
            resident_id, grid_id, last, sent = found
            if _due(last, sent, now):
                _TOUCH.execute(uow.session, {"resident_id": resident_id, "at": now})
            note(uow.session, "resident_grid", openid, (grid_id,))
            return
    row = ensure_resident(uow, openid)
    if _due(row.last_message_at, row.window_sent, now):
        row.last_message_at = now
        row.window_sent = 0
    if subscribed is not None:
        row.subscribed = subscribed


def _due(last: datetime | None, sent: int, now: datetime) -> bool:
    return last is None or bool(sent) or now - last >= TOUCH_EVERY


__all__ = ["attach_to_case", "bind_resident", "my_cases", "place_case", "set_publicity",
           "touch_resident"]
