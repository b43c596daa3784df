"""Pushes caused by case changes (告知当事人, 派遣通知, 督办 …), written to the outbox.

Each push has a dedup key built from the case, the ledger event and the recipient, so
repeating a job or a use case never sends twice. Texts are short, one fact a line.
Every push text is masked (脱敏, SPEC §9): a push leaves our hands — it passes WeChat's
servers and shows on lock screens — so residents' phone, ID and room numbers and names
never travel in one; staff read the resident's own words with 「详情 GR…」.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.models import Case, CaseEvent
from core.cases.policy import CATEGORY_LABELS, LEVEL_LABELS
from core.db import recall
from core.outbox import Priority, enqueue
from core.registry.directory import Person
from core.uow import UnitOfWork


def deadline_text(case: Case) -> str:
    return f"{case.deadline:%m月%d日 %H:%M}" if case.deadline else "—"


def grid_text(case: Case) -> str:
    return case.grid.name if case.grid else "待分拣"


def case_line(case: Case) -> str:
    """One case on one line: code, category, grid, deadline."""
    return (f"{case.code} {CATEGORY_LABELS.get(case.category, case.category)} "
            f"{grid_text(case)} 时限{deadline_text(case)}")


def case_url(uow: UnitOfWork, case: Case) -> str:
    return f"{uow.env.public_base_url.rstrip('/')}/cases/{case.code}"


def reporters(session: Session, case: Case) -> list[str]:
    """The reporter's openid and those of duplicates merged into the case."""
    ids = [case.reporter_openid] if case.reporter_openid else []
    if recall(session, "new_case", case.code) is not None:
        return ids  # made in this transaction: nothing has been merged into it yet
    merged = session.scalars(select(Case.reporter_openid).where(Case.merged_into_id == case.id))
    ids += [o for o in merged if o and o not in ids]
    return ids


def tell_reporters(uow: UnitOfWork, case: Case, ev: CaseEvent, kind: str, text: str,
                   *, data: dict | None = None) -> None:
    """告知当事人: a message to every resident who reported this case."""
    for push in reporter_pushes(uow, case, ev.seq, kind, text, reporters(uow.session, case), data=data):
        enqueue(uow.session, **push)


def tell_staff(uow: UnitOfWork, case: Case, ev: CaseEvent, kind: str, staff: Iterable[Person],
               title: str, text: str, *, priority: int = Priority.HIGH) -> None:
    """A WeCom push to staff (textcard: title, text, link)."""
    for push in staff_pushes(uow, case, ev.seq, kind, staff, title, text, priority=priority):
        enqueue(uow.session, **push)


def reporter_pushes(uow: UnitOfWork, case: Case, seq: int, kind: str, text: str,
                    openids: Iterable[str], *, data: dict | None = None) -> list[dict[str, Any]]:
    """The outbox values of :func:`tell_reporters` (one per openid), not yet queued."""
    return [dict(dedup_key=f"case:{case.code}:{seq}:{kind}:{openid}", channel="official",
                 recipient=openid, kind=kind, body=uow.env.mask(text), now=uow.now(),
                 title=f"事件{case.code}", url=case_url(uow, case), case_id=case.id,
                 priority=Priority.NORMAL, data={"code": case.code, **(data or {})})
            for openid in openids]


def staff_pushes(uow: UnitOfWork, case: Case, seq: int, kind: str, staff: Iterable[Person],
                 title: str, text: str, *, priority: int = Priority.HIGH) -> list[dict[str, Any]]:
    """The outbox values of :func:`tell_staff` (staff without a WeCom account skipped)."""
    return [dict(dedup_key=f"case:{case.code}:{seq}:{kind}:{person.wecom_userid}", channel="wecom",
                 recipient=person.wecom_userid, kind=kind, title=uow.env.mask(title),
                 body=uow.env.mask(text), url=case_url(uow, case), case_id=case.id,
                 priority=priority, now=uow.now(), data={"code": case.code})
            for person in staff if person.wecom_userid]


def accepted_text(case: Case) -> str:
    return (f"您反映的问题已受理。\n编号：{case.code}\n类别：{CATEGORY_LABELS[case.category]}\n"
            f"网格：{grid_text(case)}\n办理时限：{deadline_text(case)}")


def dispatch_title(case: Case) -> str:
    return f"新派遣 {case.code}" + ("【紧急】" if case.urgent else "")


def needs_dispatch_pushes(uow: UnitOfWork, case: Case, people: Iterable[Person]) -> list[dict[str, Any]]:
    """待派遣: no assignee found — the community (or centre) is asked to dispatch."""
    return [dict(dedup_key=f"case:{case.code}:nodispatch:{case.level}:{p.wecom_userid}",
                 channel="wecom", recipient=p.wecom_userid, kind="needs_dispatch",
                 title=f"待派遣 {case.code}", now=uow.now(), priority=Priority.HIGH,
                 body=f"{case_line(case)}\n{LEVEL_LABELS[case.level]}层级没有可派遣的承办人，请指派。",
                 case_id=case.id)
            for p in people if p.wecom_userid]


def dispatch_text(case: Case) -> str:
    return (f"{case_line(case)}\n层级：{LEVEL_LABELS[case.level]}\n"
            f"地址：{case.address or '—'}\n内容：{case.description[:120]}")
