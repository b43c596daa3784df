"""A running server talking to the loopback fake of the WeChat API: callbacks over HTTP in every
mode, pushes delivered by the real outbox worker to the fake."""

from __future__ import annotations

import random
import re

import pytest
import requests

from bot.devtools.fakewechat import FakeWeChat
from bot.outbox_worker import OutboxWorker
from bot.wechat import build_clients, build_notifier

pytestmark = pytest.mark.usefixtures("town")
APPID, SECRET, CORP, CORP_SECRET = "wxTESTAPPID0001", "oa-secret", "wwTESTCORP0001", "corp-secret"


@pytest.fixture
def fake():
    with FakeWeChat(appid=APPID, secret=SECRET, corp_id=CORP, corp_secret=CORP_SECRET) as f:
        yield f


@pytest.fixture
def settings(settings, fake):
    return settings.with_overrides(WECHAT_SECRET=SECRET, WECOM_SECRET=CORP_SECRET,
                                   WECHAT_API_BASE_URL=fake.base_url,
                                   WECOM_API_BASE_URL=fake.base_url, WECHAT_ENCRYPT_MODE="safe")


def _post(base, path, query, body):
    return requests.post(f"{base}{path}?{query}", data=body, timeout=10)


def test_closed_loop_over_http_with_pushes_to_the_fake(live_server, fake, official, wecom, clock, runtime):
    ts = int(clock.now().timestamp())
    # safe mode: a plain message is refused, an encrypted one answered (encrypted)
    q, b = official.plain(official.text("o-http", "帮助", 1, ts), ts)
    assert _post(live_server, "/wechat/official", q, b).status_code == 400
    q, b = official.safe(official.text("o-http", "绑定 阳光花园3栋", 2, ts), ts)
    assert "绑定成功" in official.reply_text(_post(live_server, "/wechat/official", q, b).content)
    q, b = official.safe(official.text("o-http", "楼下垃圾桶满了三天没人清运", 3, ts), ts)
    reply = official.reply_text(_post(live_server, "/wechat/official", q, b).content)
    code = re.search(r"GR\d{12}", reply).group(0)

    clients = build_clients(runtime.settings)
    worker = OutboxWorker(runtime.env, build_notifier(runtime.settings, clients=clients),
                          media_dir=runtime.settings.MEDIA_DIR)
    try:
        worker.run_once()
        assert any(m["touser"] == "leader1" and code in str(m) for m in fake.sent_wecom())
        assert any(m["touser"] == "o-http" and code in str(m) for m in fake.sent_custom())

        for n, text in enumerate((f"接单 {code}", f"办结 {code} 已清运")):
            fields = wecom.text("leader1", text, 10 + n, ts, AgentID=1000002)
            fields["ToUserName"] = CORP
            q, b = wecom.safe(fields, ts, with_signature=False)
            resp = _post(live_server, "/wechat/work", q, b)
            assert resp.status_code == 200 and code in wecom.reply_text(resp.content)
        worker.run_once()
        assert any(m["touser"] == "manager1" and "待核查" in str(m) for m in fake.sent_wecom())
    finally:
        clients.close()


def test_random_garbage_never_gets_a_500(live_server, official, clock):
    rng = random.Random(7)
    ts = int(clock.now().timestamp())
    bodies = [bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300))) for _ in range(25)]
    bodies += [b"<xml>", b"<xml><MsgType>text</MsgType></xml>", b"<xml><Encrypt></Encrypt></xml>",
               "<xml><Content>中文</Content>".encode(), b"\xef\xbb\xbf<xml/>"]
    for body in bodies:
        q, _ = official.safe(official.text("o-junk", "x", 99, ts), ts)
        for path in ("/wechat/official", "/wechat/work"):
            assert _post(live_server, path, q, body).status_code < 500
