"""Residents' messages through signed callbacks: every command, event and pending question."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.actors import staff
from core.cases.flow import resolve_case, verify_case
from core.cases.models import Case
from core.outbox import Notification
from core.registry.models import Resident

pytestmark = pytest.mark.usefixtures("town")
CODE = re.compile(r"GR\d{12}")


def resident_row(uow, openid):
    with uow() as tx:
        return tx.session.scalar(select(Resident).where(Resident.openid == openid))


def test_bind_then_report_goes_straight_to_the_grid(resident_chat, uow):
    chat = resident_chat("o-bind")
    assert "绑定成功" in chat.say("绑定 阳光花园5栋")
    assert resident_row(uow, "o-bind").grid.code == "G02"
    assert "没有找到" in chat.say("绑定 火星小区1栋")
    reply = chat.say("楼道里的灯坏了一个礼拜了晚上黑漆漆的")
    assert "网格：幸福社区第二网格" in reply and "办理时限" in reply


def test_unplaced_report_asks_for_the_address_and_the_answer_places_it(resident_chat, uow):
    chat = resident_chat("o-nowhere")
    reply = chat.say("马路边的路灯坏了好几天了，晚上一片黑")
    assert "请回复问题所在的小区和楼栋" in reply
    code = CODE.search(reply).group(0)
    assert "幸福社区第一网格" in chat.say("阳光花园2栋")
    with uow() as tx:
        case = tx.session.scalar(select(Case).where(Case.code == code))
        assert case.grid.code == "G01" and case.status == "dispatched"


def test_unclear_report_gets_a_menu_and_a_number_files_it(resident_chat, uow):
    chat = resident_chat("o-unclear")
    reply = chat.say("那个东西又坏了")
    assert "请回复数字选择问题类别" in reply
    options = dict(re.findall(r"(\d)\. (\S+)", reply))
    filed = chat.say("2")
    assert options["2"] in filed and CODE.search(filed)
    # a number with nothing pending is not a category choice any more
    assert "请回复数字" not in chat.say("3")


def test_photo_and_location_join_the_report_in_progress(resident_chat, uow):
    chat = resident_chat("o-photo")
    assert "请再用文字说一下" in chat.send("image", MediaId="m-first", PicUrl="http://x/1.jpg")
    reply = chat.say("阳光花园1栋楼下井盖没了很危险")
    code = CODE.search(reply).group(0)
    assert "照片已补充" in chat.send("image", MediaId="m-second", PicUrl="http://x/2.jpg")
    assert "位置已补充" in chat.send("location", Location_X="22.5", Location_Y="114.0", Scale="15",
                                    Label="阳光花园1栋")
    with uow() as tx:
        case = tx.session.scalar(select(Case).where(Case.code == code))
        media = [a for e in case.events for a in e.attachments]
        jobs = tx.session.scalars(select(Notification.body).where(Notification.kind == "fetch_media"))
        assert media == ["media:m-first", "media:m-second"] and set(jobs) == {"m-first", "m-second"}


def test_query_and_rate(resident_chat, uow):
    chat = resident_chat("o-rate")
    chat.say("绑定 阳光花园3栋")
    code = CODE.search(chat.say("楼下垃圾堆了三天没人清运")).group(0)
    assert "已派遣" in chat.say("查询") and code in chat.say("进度")
    assert "尚未结案" in chat.say(f"评价 {code} 5")
    with uow() as tx:
        resolve_case(tx, staff("leader1"), code, "已清运")
    with uow() as tx:
        verify_case(tx, staff("manager1"), code, passed=True)
    assert "待评价" in chat.say("查询")
    assert "请按格式" in chat.say("评价 一般般")
    assert "感谢您的评价（4分）" in chat.say("4")  # a bare score answers the rating prompt
    assert "已经评价过" in chat.say(f"评价 {code} 5")


def test_low_rating_apologises(resident_chat, uow):
    chat = resident_chat("o-low")
    chat.say("绑定 阳光花园3栋")
    code = CODE.search(chat.say("楼下垃圾堆了三天没人清运")).group(0)
    with uow() as tx:
        resolve_case(tx, staff("leader1"), code, "已清运")
    with uow() as tx:
        verify_case(tx, staff("manager1"), code, passed=True)
    assert "抱歉" in chat.say(f"评价 {code.lower()} 1 根本没清")


def test_consult_praise_chitchat_help(resident_chat):
    chat = resident_chat("o-talk")
    guide = chat.say("办低保需要带什么材料")
    assert "以社区通知为准" in guide
    assert "感谢" in chat.say("谢谢你们网格员，太负责了")
    assert chat.say("你好")
    assert "反映问题" in chat.say("帮助")


def test_publicity_and_subscription(resident_chat, uow):
    chat = resident_chat("o-pub")
    assert "请先绑定" in chat.say("公示")
    chat.say("绑定 和平新村")
    assert "http://grid.test/public/C02" in chat.say("公示")
    assert "已订阅" in chat.say("订阅公示")
    assert resident_row(uow, "o-pub").wants_publicity is True
    assert "已取消" in chat.say("取消订阅公示")
    assert resident_row(uow, "o-pub").wants_publicity is False


def test_events_subscribe_unsubscribe_click_location(resident_chat, uow):
    chat = resident_chat("o-events")
    assert "欢迎关注" in chat.send("event", Event="subscribe")
    assert resident_row(uow, "o-events").subscribed is True
    chat.clock.advance(seconds=1)
    assert "您近90天没有反映过问题" in chat.send("event", Event="CLICK", EventKey="QUERY")
    assert "直接发送文字" in chat.send("event", Event="CLICK", EventKey="REPORT")
    assert "低保" in chat.send("event", Event="CLICK", EventKey="GUIDE")
    assert chat.send("event", Event="LOCATION", Latitude="22.5", Longitude="114.0",
                     Precision="30") == ""
    chat.clock.advance(seconds=1)
    assert chat.send("event", Event="unsubscribe") == ""
    assert resident_row(uow, "o-events").subscribed is False


def test_urgent_report_advises_emergency_numbers(resident_chat, uow):
    chat = resident_chat("o-fire")
    reply = chat.say("着火了！！阳光花园3栋楼道里全是烟")
    assert "119" in reply and "已同时通知网格长和社区" in reply
    with uow() as tx:
        urgent = list(tx.session.scalars(select(Notification).where(Notification.kind == "urgent")))
        assert {n.recipient for n in urgent} == {"leader1", "manager1"}


def test_long_report_and_emoji(resident_chat):
    chat = resident_chat("o-long")
    reply = chat.say("阳光花园3栋楼下的垃圾没人清理😡😡" + "真的太臭了" * 400)
    assert CODE.search(reply)


def test_case_page_is_masked_and_unknown_code_is_404(client, resident_chat):
    chat = resident_chat("o-page")
    chat.say("绑定 阳光花园3栋")
    reply = chat.say("我是张伟，电话13812345678，3栋502室门口垃圾堆满了没人清")
    code = CODE.search(reply).group(0)
    page = client.get(f"/cases/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and code in html and "环境卫生" in html
    assert "13812345678" not in html and "张伟" not in html and "502" not in html
    missing = client.get("/cases/GR209901010001")
    assert missing.status_code == 404 and "没有找到" in missing.get_data(as_text=True)


def test_every_message_opens_the_service_window(resident_chat, uow, clock):
    chat = resident_chat("o-window")
    chat.say("你好")
    row = resident_row(uow, "o-window")
    assert row.last_message_at == clock.now() and row.window_sent == 0
    opened = clock.now()
    clock.advance(seconds=30)
    chat.say("还有一个问题")  # a burst: the window's start stays (it closes ≤ 1 min early, never late)
    assert resident_row(uow, "o-window").last_message_at == opened
    clock.advance(seconds=31)
    chat.say("在吗")
    assert resident_row(uow, "o-window").last_message_at == clock.now()


def test_a_message_after_pushes_in_the_window_resets_its_count(resident_chat, uow, clock):
    from sqlalchemy import update

    from core.registry.models import Resident

    chat = resident_chat("o-cap")
    chat.say("你好")
    with uow() as tx:
        tx.session.execute(update(Resident).where(Resident.openid == "o-cap").values(window_sent=3))
    clock.advance(seconds=10)
    chat.say("收到了吗")
    row = resident_row(uow, "o-cap")
    assert row.window_sent == 0 and row.last_message_at == clock.now()


def test_voice_recognition_text_is_a_report(resident_chat):
    chat = resident_chat("o-voice")
    reply = chat.send("voice", MediaId="v-1", Format="amr", Recognition="阳光花园3栋楼下的垃圾三天没人清了")
    assert CODE.search(reply) and "环境卫生" in reply
    assert "反映问题" in chat.send("voice", MediaId="v-2", Format="amr", Recognition="")
