"""Meetings and trainings a convener announces (会议通知、培训通知) and make-up (补课, 制度2).

「会议 标题 时间」/「培训 标题 时间」 by a community manager (or supervisor, the town centre)
makes the meeting, puts the community's staff on its roll and tells them. Who missed a
training — on leave or absent — records the make-up with 「补课 编号」; a convener may record
it for others (「补课 编号 账号…」).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.actors import ActorRef, load_staff
from core.errors import Forbidden, InvalidInput, NotFound
from core.outbox import Priority
from core.registry.lookup import in_jurisdiction
from core.registry.models import ROLE_LABELS, Role, Staff
from core.reminders.common import push_staff, when_label
from core.reminders.config import AnnouncedRule, reminder_config
from core.reminders.models import Attendance, Meeting, Presence
from core.reminders.people import staff_of, unit_of
from core.reminders.roster import enrol, ensure_meeting, find_meeting
from core.uow import UnitOfWork

HORIZON = timedelta(days=90)
MAX_TITLE = 40


def _rule(kind: str) -> AnnouncedRule:
    return reminder_config().announced[kind]


def announce(uow: UnitOfWork, actor: ActorRef, kind: str, title: str,
             starts_at: datetime) -> tuple[Meeting, int]:
    """会议/培训通知: the meeting row, its roll, and a push to every participant."""
    rule = _rule(kind)
    person = load_staff(uow.session, actor)
    if person.role not in rule.conveners:
        names = "、".join(ROLE_LABELS[r] for r in rule.conveners if r != Role.ADMIN)
        raise Forbidden(f"{rule.title}通知由{names}发布")
    unit = unit_of(person)
    if unit is None:
        raise Forbidden(f"您没有所属社区或街道，不能发布{rule.title}通知")
    now = uow.now()
    if not title.strip():
        raise InvalidInput(f"请写{rule.title}名称")
    if not now < starts_at <= now + HORIZON:
        raise InvalidInput(f"{rule.title}时间须在现在之后的 90 天内")
    if find_meeting(uow.session, unit, kind, starts_at) is not None:
        raise InvalidInput(f"{unit.name}在该时间已有{rule.title}")
    meeting = ensure_meeting(uow.session, unit=unit, kind=kind, title=title.strip()[:MAX_TITLE],
                             starts_at=starts_at, convener=person, now=now)
    people = staff_of(uow.session, unit, rule.participants)
    enrol(uow.session, meeting, people)
    lines = [f"{rule.title}通知：{meeting.title}", f"时间：{when_label(now.date(), starts_at)}",
             f"召集人：{person.name}（{unit.name}）", f"编号：{meeting.id}",
             "到会后回复「签到」；确有原因不能参加，请事先回复「请假 原因」。"]
    if rule.make_up:
        lines.append(f"因事缺席的，补课后回复「补课 {meeting.id}」登记。")
    queued = 0
    for other in people:
        if other.id != person.id:
            queued += push_staff(uow.session, key=f"meeting:{meeting.id}:notice",
                                 person=other, kind="meeting_notice", title=f"{rule.title}通知",
                                 body="\n".join(lines), now=now, priority=Priority.HIGH)
    return meeting, queued


def _targets(uow: UnitOfWork, person: Staff, meeting: Meeting, userids: list[str]) -> list[Staff]:
    if not userids:
        return [person]
    rule = _rule(meeting.kind)
    if meeting.convener_id != person.id and not (
            person.role in rule.conveners and in_jurisdiction(person, meeting.grid)):
        raise Forbidden("只有召集人或管辖该社区的负责人可以为他人登记补课")
    found = {s.wecom_userid: s for s in uow.session.scalars(
        select(Staff).where(Staff.wecom_userid.in_(userids)))}
    missing = [u for u in userids if u not in found]
    if missing:
        raise NotFound(f"没有企业微信账号为 {'、'.join(missing)} 的工作人员")
    return [found[u] for u in userids]


def make_up(uow: UnitOfWork, actor: ActorRef, meeting_id: int,
            userids: list[str] | None = None) -> tuple[Meeting, list[Staff]]:
    """补课: who missed training ``meeting_id`` (on leave or absent) has made it up."""
    person = load_staff(uow.session, actor)
    meeting = uow.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"没有编号为 {meeting_id} 的培训")
    rule = reminder_config().announced.get(meeting.kind)
    if rule is None or not rule.make_up:
        raise Forbidden(f"编号 {meeting_id} 是{meeting.title}，补课只适用于培训")
    now = uow.now()
    if meeting.starts_at > now:
        raise InvalidInput(f"{meeting.title}还没开始，不能登记补课")
    people = _targets(uow, person, meeting, userids or [])
    for someone in people:
        row = uow.session.scalar(select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.staff_id == someone.id))
        if row is None:
            raise Forbidden(f"{someone.name}不在{meeting.title}的参训名单上")
        if row.status == Presence.PRESENT:
            raise InvalidInput(f"{someone.name}已参加{meeting.title}，无需补课")
        note = "补课" if someone.id == person.id else f"补课（{person.name}登记）"
        row.status, row.at, row.note = Presence.MADE_UP, now, note
    return meeting, people
