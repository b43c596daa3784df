"""Staff commands (网格工作指令) through real signed, AES-encrypted WeCom callbacks."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.handlers import texts
from bot.handlers.staff import STAFF_COMMANDS
from core.cases.models import Case
from core.inbound import WorkLog
from core.registry.models import Staff

pytestmark = pytest.mark.usefixtures("town")

G01_TEXT = "阳光花园1栋楼下垃圾堆积没人清理"
G03_TEXT = "和平新村门口垃圾堆积没人清理"
CODE = re.compile(r"GR\d{12}")


def report(resident_chat, text: str = G01_TEXT, user: str = "o-res-1") -> str:
    """A resident reports; returns the new case code."""
    reply = resident_chat(user).say(text)
    found = CODE.search(reply)
    assert found, reply
    return found.group(0)


def show(runner, code: str) -> dict:
    result = runner.invoke(args=["cases", "show", code])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def worklogs(uow, userid: str) -> list[WorkLog]:
    with uow() as tx:
        person = tx.session.scalar(select(Staff).where(Staff.wecom_userid == userid))
        return list(tx.session.scalars(select(WorkLog).where(WorkLog.staff_id == person.id)
                                       .order_by(WorkLog.id)))


def resolved_by_leader(resident_chat, staff_chat) -> str:
    code = report(resident_chat)
    assert "已办结" in staff_chat("leader1").say(f"办结 {code} 已清理干净")
    return code


def test_every_registered_command_answers_without_arguments(staff_chat):
    chat = staff_chat("leader1")
    for word in STAFF_COMMANDS:
        assert chat.say(word), word


def test_unknown_words_get_help_and_unregistered_users_the_reason(staff_chat):
    assert staff_chat("leader1").say("你好呀") == texts.STAFF_HELP
    assert staff_chat("leader1").say("帮助") == texts.STAFF_HELP
    assert "未登记" in staff_chat("stranger").say("待办")
    assert "未登记" in staff_chat("stranger").say("签到")


def test_wrong_arguments_get_a_usage_line(staff_chat):
    chat = staff_chat("manager1")
    for text in ("接单", "接单 123", "反馈 GR202611260001", "办结 GR202611260001", "上报",
                 "延期 GR202611260001 很久", "延期 GR202611260001 不同意", "核查 GR202611260001",
                 "核查 GR202611260001 退回", "受理", "派遣 GR202611260001", "不予受理 GR202611260001 不想",
                 "合并 GR202611260001", "重办 GR202611260001", "转县 GR202611260001", "日志", "请假",
                 "巡查"):
        reply = chat.say(text)
        assert reply.startswith("格式："), (text, reply)
        assert "\n" not in reply


def test_todo_claim_feedback_resolve_and_photo(resident_chat, staff_chat, runner, clock):
    code = report(resident_chat)
    leader = staff_chat("leader1")
    assert code in leader.say("待办") and "[承办]" in leader.say("待办")
    assert "暂无待办" in staff_chat("member1").say("待办")
    assert "已接单" in leader.say(f"接单 {code.lower()}")
    assert "已记录反馈" in leader.say(f"反馈\u3000{code}：正在联系保洁")
    assert "照片已附" in leader.send("image", MediaId="m0", PicUrl="http://x")
    assert "已办结" in leader.say(f"办结 {code} 已清理干净")
    assert f"照片已附到事件 {code}" in leader.send("image", MediaId="m1", PicUrl="http://x")
    clock.advance(minutes=11)
    assert "10分钟内" in leader.send("image", MediaId="m2", PicUrl="http://x")
    data = show(runner, code)
    assert data["status"] == "resolved"
    actions = [e["action"] for e in data["events"]]
    assert actions.count("attach") == 2 and "claim" in actions and "feedback" in actions
    photos = [a for e in data["events"] for a in e["attachments"]]
    assert photos == ["media:m0", "media:m1"]
    assert next(e for e in data["events"] if e["action"] == "feedback")["note"] == "正在联系保洁"


def test_case_outside_jurisdiction_is_refused(resident_chat, staff_chat):
    code = report(resident_chat, G03_TEXT)
    for text in (f"接单 {code}", f"办结 {code} 好了", f"上报 {code} 需要协调"):
        assert "不在您的管辖范围内" in staff_chat("leader1").say(text)
    assert code not in staff_chat("leader1").say("待办")
    assert code in staff_chat("leader3").say("待办")
    assert "没有找到事件" in staff_chat("leader1").say("接单 GR209901010001")


def test_escalate_from_grid_to_community(resident_chat, staff_chat, runner):
    code = report(resident_chat)
    reply = staff_chat("leader1").say(f"上报 {code} 涉及多个网格，需社区协调")
    assert "已上报至社区" in reply
    data = show(runner, code)
    assert data["level"] == "community"
    assert data["events"][-1]["note"] == "涉及多个网格，需社区协调"


def test_extension_requested_by_assignee_and_decided_one_level_up(resident_chat, staff_chat, runner):
    code = report(resident_chat)
    before = show(runner, code)["deadline"]
    assert "已申请延期 2 个工作日" in staff_chat("leader1").say(f"延期 {code} 2天 等物业配件")
    assert show(runner, code)["extension_requested_days"] == 2
    assert "上一级" in staff_chat("leader1").say(f"延期 {code} 同意")
    assert f"[延期审批] {code}" in staff_chat("manager1").say("待办")
    assert "已同意延期" in staff_chat("manager1").say(f"延期 {code} 同意")
    after = show(runner, code)
    assert after["extension_requested_days"] is None and after["deadline"] > before
    staff_chat("leader1").say(f"延期 {code} 1 还需一天")
    assert "已不同意延期" in staff_chat("manager1").say(f"延期 {code} 不同意 请抓紧")
    assert show(runner, code)["deadline"] == after["deadline"]


def test_verify_return_then_pass(resident_chat, staff_chat, runner):
    code = resolved_by_leader(resident_chat, staff_chat)
    assert f"[待核查] {code}" in staff_chat("manager1").say("待办")
    assert "承办人不能核查" in staff_chat("leader1").say(f"核查 {code} 通过")
    assert "已退回返工" in staff_chat("manager1").say(f"核查 {code} 退回 照片不清楚")
    assert show(runner, code)["status"] == "dispatched"
    staff_chat("leader1").say(f"办结 {code} 已重新清理")
    assert "已核查结案" in staff_chat("manager1").say(f"核查 {code} 通过 处理及时")
    assert show(runner, code)["status"] == "closed"


def test_patrol_resolved_on_the_spot_and_patrol_finding(staff_chat, runner, uow):
    member = staff_chat("member1")
    reply = member.say("巡查 阳光花园3栋楼道堆放杂物，已处理")
    assert "当场处理" in reply
    spot = show(runner, CODE.search(reply).group(0))
    assert (spot["status"], spot["channel"], spot["grid"]) == ("resolved", "wecom", "G01")
    reply = member.say("巡查：阳光花园1栋楼下垃圾堆积没人清理")
    found = show(runner, CODE.search(reply).group(0))
    assert (found["status"], found["assignee"]) == ("dispatched", "leader1")
    assert "未发现问题" in member.say("巡查 阳光花园一切正常")
    logs = worklogs(uow, "member1")
    assert [w.kind for w in logs] == ["patrol"] * 3
    assert logs[0].case_id is not None and logs[2].case_id is None


def test_log_sign_in_and_leave(staff_chat, uow, clock):
    clock.set(datetime(2026, 11, 27, 8, 31))
    member = staff_chat("member1")
    assert "民情日志已记录" in member.say("日志 走访独居老人张大爷，身体良好")
    assert member.say("签到") == "已签到 08:31"
    assert member.say("请假：孩子生病") .startswith("已请假，原因：孩子生病")
    logs = worklogs(uow, "member1")
    assert [(w.kind, w.text) for w in logs] == [
        ("log", "走访独居老人张大爷，身体良好"), ("attendance", ""), ("leave", "孩子生病")]
    assert logs[1].at.strftime("%H:%M") == "08:31"


def test_daily_report(resident_chat, staff_chat):
    report(resident_chat)
    report(resident_chat, G03_TEXT, user="o-res-2")
    reply = staff_chat("leader1").say("日报")
    assert "新增 1 ｜ 受理 1 ｜ 结案 0 ｜ 超期 0" in reply and "我承办未结 1 件" in reply
    assert "新增 2" in staff_chat("centre1").say("日报")


def test_supervise_lists_overdue_cases(resident_chat, staff_chat, clock):
    code = report(resident_chat)
    assert "暂无超期" in staff_chat("manager1").say("督办")
    clock.set(datetime(2026, 12, 3, 10, 0))  # deadline was Tue 1 Dec 10:00
    reply = staff_chat("manager1").say("督办")
    assert code in reply and "超期2个工作日" in reply and "承办:王网格长" in reply
    assert "超期 1" in staff_chat("leader1").say("日报")
    assert "网格长及以上" in staff_chat("member1").say("督办")
    assert "暂无超期" in staff_chat("manager2").say("督办")


def test_monthly_statistics(resident_chat, staff_chat):
    code = resolved_by_leader(resident_chat, staff_chat)
    staff_chat("manager1").say(f"核查 {code} 通过")
    assert "感谢" in resident_chat("o-res-1").say(f"评价 {code} 4")
    reply = staff_chat("manager1").say("统计")
    assert "新增 1 件：环境卫生 1" in reply
    assert "结案 1 件 ｜ 按时率 100% ｜ 平均评分 4.0分（1件评价）" in reply
    assert "网格长及以上" in staff_chat("member1").say("统计")


def test_triage_case_accepted_by_the_manager(resident_chat, staff_chat, runner):
    code = report(resident_chat, "小区门口垃圾堆积没人清理")
    assert show(runner, code)["grid"] is None
    assert f"[待受理] {code}" in staff_chat("manager1").say("待办")
    assert code not in staff_chat("leader1").say("待办")
    reply = staff_chat("manager1").say(f"受理 {code} 物业管理 G01")
    assert "已受理（已派给王网格长）" in reply
    data = show(runner, code)
    assert (data["status"], data["category"], data["grid"]) == ("dispatched", "property", "G01")


def test_dispatch_reject_and_merge(resident_chat, staff_chat, runner):
    first = report(resident_chat)
    second = report(resident_chat, "阳光花园2栋有人占用消防通道堆放杂物", user="o-res-2")
    third = report(resident_chat, "阳光花园3栋楼道灯坏了", user="o-res-3")
    assert "不能派给他" in staff_chat("manager1").say(f"派遣 {first} leader3")
    assert "已派遣给李网格员" in staff_chat("manager1").say(f"派遣 {first} member1 今天去看看")
    data = show(runner, first)
    assert (data["assignee"], data["events"][-1]["note"]) == ("member1", "今天去看看")
    assert "没有企业微信账号为 nobody" in staff_chat("manager1").say(f"派遣 {first} nobody")
    assert "只有" in staff_chat("member1").say(f"不予受理 {second} 无效")
    assert "已不予受理（不属于受理范围）" in staff_chat("manager1").say(
        f"不予受理 {second} 不属于受理范围 属于消防部门")
    assert show(runner, second)["status"] == "rejected"
    assert f"已将 {third} 合并到 {first}" in staff_chat("manager1").say(f"合并 {third} 到 {first}")
    assert show(runner, third)["merged_into"] == first


def test_reopen_after_a_low_rating(resident_chat, staff_chat, runner):
    code = resolved_by_leader(resident_chat, staff_chat)
    assert "不是低分评价" in staff_chat("manager1").say(f"重办 {code} 再看看")
    staff_chat("manager1").say(f"核查 {code} 通过")
    resident_chat("o-res-1").say(f"评价 {code} 1")
    assert "已安排重新办理" in staff_chat("manager1").say(f"重办 {code} 居民反映仍有垃圾")
    assert show(runner, code)["status"] == "dispatched"


def test_escalate_to_county_with_ticket_and_forward(resident_chat, staff_chat, runner):
    city = report(resident_chat, "阳光花园1栋门口有人占道经营乱摆摊")
    assert show(runner, city)["assignee"] == "cg1"
    assert "已上报至县级" in staff_chat("cg1").say(f"上报 {city} 需县级执法")
    assert "已转县级平台，工单号 XS-001" in staff_chat("centre1").say(f"转县 {city} XS-001")
    assert show(runner, city)["external_ticket"] == "XS-001"
    other = report(resident_chat, "阳光花园2栋旁边有人违章搭建棚子", user="o-res-2")
    reply = staff_chat("centre1").say(f"上报 {other} 需县级执法 工单号 XS-002")
    assert "已上报至县级" in reply
    assert show(runner, other)["external_ticket"] == "XS-002"
    assert "只有镇(街道)网格中心" in staff_chat("manager1").say(f"转县 {other} XS-3")


def test_closed_loop_through_messages_alone(resident_chat, staff_chat, runner):
    resident = resident_chat("o-loop")
    reply = resident.say("阳光花园2栋楼下垃圾桶满了好几天没人清理，味道很大")
    code = CODE.search(reply).group(0)
    leader = staff_chat("leader1")
    assert code in leader.say("待办")
    assert "已接单" in leader.say(f"接单 {code}")
    assert "已办结" in leader.say(f"办结 {code} 已联系保洁清运，垃圾桶已清洗")
    assert "已核查结案" in staff_chat("manager1").say(f"核查 {code} 通过")
    assert "已结案" in resident.say("查询")
    assert "感谢您的评价（5分）" in resident.say(f"评价 {code} 5")
    data = show(runner, code)
    assert (data["status"], data["rating"]) == ("closed", 5)
    assert [e["action"] for e in data["events"]] == [
        "report", "accept", "dispatch", "claim", "resolve", "verify_pass", "rate"]


def test_case_codes_in_lower_and_full_width(resident_chat, staff_chat, uow):
    code = report(resident_chat)
    full = code.translate({ord(c): ord(c) + 0xFEE0 for c in "GR0123456789"})
    assert "已接单" in staff_chat("leader1").say(f"接单：{full}")
    assert "已记录反馈" in staff_chat("leader1").say(f"反馈 {code.lower()}，在处理")
    with uow() as tx:
        assert tx.session.scalar(select(Case.status).where(Case.code == code)) == "dispatched"
