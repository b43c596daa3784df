"""A flood from one resident through signed callbacks: one polite notice, then plain success,
no work done for what is over the limit; others, events and staff are not held up.

Runs on the in-process limiter, or on Redis when ``TEST_REDIS_URL`` is set (the app's
``REDIS_URL`` comes from it).
"""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot import ratelimit
from bot.ratelimit import NOTICE
from core.cases.models import Case
from core.inbound import InboundMessage
from core.registry.models import Resident

pytestmark = pytest.mark.usefixtures("town")


@pytest.fixture
def settings(settings):
    return settings.with_overrides(RATE_LIMIT_PER_MINUTE=1, RATE_LIMIT_BURST=3)


def _rows(uow, sender: str) -> int:
    with uow() as tx:
        return tx.session.scalar(select(func.count()).select_from(InboundMessage)
                                 .where(InboundMessage.sender == sender))


def test_flood_gets_one_notice_then_silence_and_costs_no_work(resident_chat, uow, client):
    flood, other = resident_chat("o-flooder"), resident_chat("o-neighbour")
    replies = [flood.say(f"阳光花园3栋楼下垃圾堆了{n}天没人清") for n in range(1, 11)]
    assert all(r and r != NOTICE for r in replies[:3])  # the burst is served as usual
    assert replies[3] == NOTICE
    assert "太频繁" in NOTICE and "110/119/120" in NOTICE and "不会被记录" in NOTICE
    assert replies[4:] == [""] * 6  # plain "success": WeChat shows nothing, does not retry
    assert _rows(uow, "o-flooder") == 3  # nothing over the limit reached the database
    with uow() as tx:
        assert tx.session.scalar(select(func.count()).select_from(Case)
                                 .where(Case.reporter_openid == "o-flooder")) <= 3

    assert other.say("查询")  # the neighbour is served in the middle of the flood
    assert _rows(uow, "o-neighbour") == 1

    assert flood.send("event", Event="unsubscribe") == ""  # WeChat's own events pass
    with uow() as tx:
        row = tx.session.scalar(select(Resident).where(Resident.openid == "o-flooder"))
        assert row is not None and row.subscribed is False
    assert flood.send("event", Event="CLICK", EventKey="QUERY") == ""  # a menu press counts

    body = client.get("/metrics").get_data(as_text=True)
    limited = {s.labels["answer"]: s.value for f in text_string_to_metric_families(body)
               for s in f.samples if s.name == "wanggetong_rate_limited_messages_total"
               and s.labels["channel"] == "official"}
    assert limited == {"notice": 1, "dropped": 7}


def test_wechat_retries_of_one_message_count_once(resident_chat, official, clock, client):
    chat = resident_chat("o-retrier")
    ts = int(clock.now().timestamp())
    for msg_id in (501, 502, 503):
        fields = official.text("o-retrier", f"帮助{msg_id}", msg_id, ts)
        replies = {chat.post(fields) for _ in range(4)}  # four deliveries of one MsgId
        assert len(replies) == 1 and replies.pop()[1] not in ("", NOTICE)
    assert chat.say("帮助") == NOTICE  # the fourth distinct message is over the burst of 3


def test_staff_on_wecom_are_not_limited_by_default(staff_chat):
    chat = staff_chat("leader1")
    replies = [chat.say("待办") for _ in range(6)]
    assert NOTICE not in replies and all(replies)


def test_limit_off_when_per_minute_is_zero(app, settings, resident_chat):
    ratelimit.init_app(app, settings.with_overrides(RATE_LIMIT_PER_MINUTE=0))
    chat = resident_chat("o-unlimited")
    assert all(chat.say("帮助") not in ("", NOTICE) for _ in range(6))


def test_redis_down_fails_open_never_a_500(app, settings, resident_chat, caplog):
    ratelimit.init_app(app, settings.with_overrides(REDIS_URL="redis://127.0.0.1:1/0"))
    chat = resident_chat("o-redis-down")
    with caplog.at_level("WARNING", logger="bot.ratelimit"):
        replies = [chat.say("帮助") for _ in range(6)]  # say() asserts HTTP 200 each time
    assert NOTICE not in replies and all(replies)
    assert sum("rate limit off" in r.getMessage() for r in caplog.records) == 1
