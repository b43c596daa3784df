"""Meetings through signed WeCom callbacks: 签到, 请假, 会议, 培训, 补课, 考勤 (制度1/2)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from core.clock import SHANGHAI
from core.inbound import WorkLog
from core.outbox import Notification
from core.registry.models import Grid
from core.reminders.meetings import remind_meetings
from core.reminders.models import Attendance, Meeting
from core.uow import UnitOfWork

pytestmark = pytest.mark.usefixtures("town")
NUMBER = re.compile(r"编号 (\d+)")


def t(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def run_meeting_job(env, clock, at: datetime) -> int:
    clock.set(at)
    with UnitOfWork(env) as tx:
        return remind_meetings(tx, at)


def roll(uow, kind: str) -> dict[str, tuple[str, str]]:
    """userid → (status, note) on the roll of the latest meeting of ``kind`` in 幸福社区."""
    with uow() as tx:
        meeting = tx.session.scalar(select(Meeting).join(Grid, Grid.id == Meeting.grid_id)
                                    .where(Meeting.kind == kind, Grid.code == "C01")
                                    .order_by(Meeting.id.desc()).limit(1))
        rows = tx.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
        return {r.staff.wecom_userid: (r.status, r.note) for r in rows}


def sent(uow, kind: str) -> list[Notification]:
    with uow() as tx:
        return list(tx.session.scalars(select(Notification).where(Notification.kind == kind)
                                       .order_by(Notification.id)))


def test_sign_in_counts_for_the_meeting_in_the_hour_around_its_start(env, clock, uow, staff_chat):
    assert run_meeting_job(env, clock, t(10, 9, 8)) == 6  # Friday: 早例会 of both communities
    clock.set(t(10, 9, 7, 59))
    assert staff_chat("member1").say("签到") == "已签到 07:59"  # before the window opens
    clock.set(t(10, 9, 8, 25))
    assert staff_chat("member1").say("签到") == "已签到 08:25：早例会（10月09日 08:30）"
    clock.set(t(10, 9, 8, 40))
    assert staff_chat("leader1").say("签到") == "已签到 08:40：早例会（10月09日 08:30），迟到"
    assert staff_chat("leader1").say("签到") == "您已于 08:40 签到：早例会（10月09日 08:30）"
    assert staff_chat("leader3").say("签到").endswith("早例会（10月09日 08:30），迟到")  # 和平社区
    clock.set(t(10, 9, 9, 1))
    assert staff_chat("leader2").say("签到") == "已签到 09:01"  # the window has closed
    with uow() as tx:
        rows = {(r.meeting.grid.code, r.staff.wecom_userid): r.status
                for r in tx.session.scalars(select(Attendance))}
        logs = tx.session.scalars(select(WorkLog.kind)).all()
    assert rows == {("C01", "member1"): "present", ("C01", "leader1"): "present",
                    ("C01", "leader2"): "expected", ("C01", "manager1"): "expected",
                    ("C02", "leader3"): "present", ("C02", "manager2"): "expected"}
    assert logs == ["attendance"] * 6  # the work record is kept every time

    clock.set(t(10, 9, 10))
    mine = staff_chat("leader1").say("考勤")
    assert mine.splitlines()[1] == "我：应到1 签到1（迟到1） 请假0 缺席0 补课0"
    overview = staff_chat("manager1").say("考勤")
    assert "管辖范围内会议、培训 1 场：" in overview
    assert "· 赵网格长 应到1 签到0 请假0 缺席1 补课0" in overview
    assert "钱网格长" not in overview  # another community


def test_leave_goes_to_the_convener_of_the_next_meeting(env, clock, uow, staff_chat):
    run_meeting_job(env, clock, t(10, 9, 8))
    clock.set(t(10, 9, 8, 5))
    reply = staff_chat("leader2").say("请假 身体不适，去医院")
    assert reply == ("已请假，原因：身体不适，去医院（10月09日 08:05）\n"
                     "会议：今天 08:30 早例会，已转告孙书记。")
    # Saturday 10-10 is a 调休 working day: at 17:00 the 周例会 of Monday 10-12 is announced
    run_meeting_job(env, clock, t(10, 10, 17))
    clock.set(t(10, 10, 18))
    reply = staff_chat("member1").say("请假：孩子生病")
    assert reply.endswith("会议：10月12日（周一） 08:30 周例会（含早例会），已转告孙书记。")
    assert staff_chat("manager1").say("请假 区里开会").endswith("已转告吴督导。")
    forwarded = [(p.recipient, p.body) for p in sent(uow, "leave_request")]
    assert [r for r, _ in forwarded] == ["manager1", "manager1", "super1"]
    assert forwarded[1][1] == ("李网格员（网格员）请假\n会议：10月12日（周一） 08:30 周例会（含早例会）\n"
                               "原因：孩子生病")
    weekly = roll(uow, "weekly")
    assert weekly["member1"] == ("leave", "孩子生病") and weekly["manager1"][0] == "leave"
    assert weekly["super1"] == ("expected", "")
    clock.set(t(11, 20, 9))  # no meeting ahead: the leave is only a work record
    assert staff_chat("leader1").say("请假 年休") == "已请假，原因：年休（11月20日 09:00）"


def test_announce_a_meeting_and_sign_in_to_it(clock, uow, staff_chat):
    clock.set(t(10, 12, 10))
    reply = staff_chat("manager1").say("会议 防汛部署会 明天 15:00")
    number = NUMBER.search(reply).group(1)
    assert reply == f"已通知 3 人：会议 防汛部署会 明天 15:00，编号 {number}。"
    notices = sent(uow, "meeting_notice")
    assert {p.recipient for p in notices} == {"leader1", "member1", "leader2"}
    assert notices[0].body.splitlines()[:3] == ["会议通知：防汛部署会", "时间：明天 15:00",
                                                "召集人：孙书记（幸福社区）"]
    assert "由网格管理者、督导员、中心发布" in staff_chat("member1").say("会议 随便开个会 明天 9:00")
    assert "已有会议" in staff_chat("manager1").say("会议 另一个会 10月13日 15:00")
    assert "90 天内" in staff_chat("manager1").say("会议 去年的会 2026-10-01 9:00")
    assert staff_chat("manager1").say("会议 没有时间") == "格式：会议 标题 时间（如：会议 防汛部署会 明天 15:00）"
    clock.set(t(10, 13, 14, 50))
    assert staff_chat("leader2").say("签到") == "已签到 14:50：防汛部署会（10月13日 15:00）"


def test_training_leave_make_up_and_attendance(clock, uow, staff_chat):
    clock.set(t(10, 12, 10))
    reply = staff_chat("manager1").say("培训 消防安全知识 2026-10-14 14:30")
    number = NUMBER.search(reply).group(1)
    assert reply == f"已通知 3 人：培训 消防安全知识 10月14日（周三） 14:30，编号 {number}。"
    assert f"补课 {number}" in sent(uow, "meeting_notice")[0].body
    assert "还没开始" in staff_chat("member1").say(f"补课 {number}")
    clock.set(t(10, 13, 9))
    assert staff_chat("member1").say("请假 家中有事").endswith(
        "会议：明天 14:30 消防安全知识，已转告孙书记。")
    clock.set(t(10, 14, 14, 20))
    assert staff_chat("leader1").say("签到").startswith("已签到 14:20：消防安全知识")
    clock.set(t(10, 15, 10))
    member = staff_chat("member1")
    assert member.say(f"补课 {number}") == f"已登记补课：消防安全知识（编号 {number}）— 李网格员"
    assert "无需补课" in staff_chat("leader1").say(f"补课 {number}")
    assert "只有召集人" in member.say(f"补课 {number} leader2")
    assert staff_chat("manager1").say(f"补课 ＃{number}，leader2").endswith("— 赵网格长")
    assert "没有编号为 999 的培训" in member.say("补课 999")
    assert "格式：补课" in member.say("补课 明天")
    assert roll(uow, "training") == {
        "leader1": ("present", ""), "member1": ("made_up", "补课"),
        "leader2": ("made_up", "补课（孙书记登记）"), "manager1": ("expected", "")}
    assert member.say("考勤").splitlines()[1] == "我：应到1 签到0 请假0 缺席0 补课1"
    overview = staff_chat("manager1").say("考勤")
    assert "我：应到1 签到0 请假0 缺席1 补课0" in overview
    assert "· 王网格长 应到1 签到1 请假0 缺席0 补课0" in overview
