"""Who is acting (操作人): a resident by openid, a staff member by WeCom userid, or the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Forbidden
from core.registry.models import Staff

ActorKind = Literal["resident", "staff", "system", "api"]  # api: an Open311 client


@dataclass(frozen=True)
class ActorRef:
    kind: ActorKind
    ref: str

    @property
    def label(self) -> str:
        return "system" if self.kind == "system" else f"{self.kind}:{self.ref}"


SYSTEM = ActorRef("system", "system")


def resident(openid: str) -> ActorRef:
    return ActorRef("resident", openid)


def staff(userid: str) -> ActorRef:
    return ActorRef("staff", userid)


def api_client(client: str) -> ActorRef:
    """An API client (开放接口), known by a fingerprint of its key, never the key itself."""
    return ActorRef("api", client)


def load_staff(session: Session, actor: ActorRef) -> Staff:
    """The active staff row behind ``actor``; refuses anyone else."""
    if actor.kind != "staff":
        raise Forbidden("该操作仅限网格工作人员")
    row = session.scalar(select(Staff).where(Staff.wecom_userid == actor.ref))
    if row is None or not row.active:
        raise Forbidden("您的企业微信账号未登记为网格工作人员，请联系平台管理员")
    return row
