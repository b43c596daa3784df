"""Fixtures for signed callbacks through the Flask test client."""

from __future__ import annotations

import itertools
import threading

import pytest
from werkzeug.serving import make_server

from bot.devtools.signer import Signer

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues them
WECOM_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
_ids = itertools.count(7_000_000_000)


@pytest.fixture
def settings(settings):
    return settings.with_overrides(
        WECHAT_TOKEN="tok-official", WECHAT_APPID="wxTESTAPPID0001", WECHAT_AES_KEY=AES_KEY,
        WECHAT_ENCRYPT_MODE="compatible", WECOM_TOKEN="tok-wecom", WECOM_CORP_ID="wwTESTCORP0001",
        WECOM_AES_KEY=WECOM_KEY)


@pytest.fixture
def official() -> Signer:
    return Signer(token="tok-official", receive_id="wxTESTAPPID0001", aes_key=AES_KEY)


@pytest.fixture
def wecom() -> Signer:
    return Signer(token="tok-wecom", receive_id="wwTESTCORP0001", aes_key=WECOM_KEY,
                  account="wwTESTCORP0001")


class Chat:
    """Send messages as one user and read the replies (a transcript, like zulip_bots' stub)."""

    def __init__(self, client, signer: Signer, clock, path: str, user: str, safe: bool) -> None:
        self.client, self.signer, self.clock = client, signer, clock
        self.path, self.user, self.safe = path, user, safe
        self.transcript: list[tuple[str, str]] = []

    def post(self, fields: dict) -> tuple[int, str]:
        ts = int(self.clock.now().timestamp())
        make = self.signer.safe if self.safe else self.signer.plain
        kwargs = {} if self.path.endswith("official") else {"with_signature": False}
        query, body = make(fields, ts, **kwargs)
        resp = self.client.post(f"{self.path}?{query}", data=body,
                                headers={"Content-Type": "text/xml"})
        text = self.signer.reply_text(resp.data) if resp.status_code == 200 and resp.data != b"success" else ""
        return resp.status_code, text

    def say(self, content: str, **extra) -> str:
        ts = int(self.clock.now().timestamp())
        fields = self.signer.text(self.user, content, next(_ids), ts, **extra)
        if self.path.endswith("work"):
            fields["AgentID"] = 1000002
            fields["ToUserName"] = self.signer.receive_id
        status, text = self.post(fields)
        assert status == 200, (status, content)
        self.transcript.append((content, text))
        return text

    def send(self, msg_type: str, **fields) -> str:
        ts = int(self.clock.now().timestamp())
        base = {"ToUserName": self.signer.account, "FromUserName": self.user, "CreateTime": ts,
                "MsgType": msg_type}
        if msg_type != "event":
            base["MsgId"] = next(_ids)
        if self.path.endswith("work"):
            base["AgentID"] = 1000002
            base["ToUserName"] = self.signer.receive_id
        status, text = self.post({**base, **fields})
        assert status == 200, status
        return text


@pytest.fixture
def resident_chat(client, official, clock):
    return lambda user="o-resident-1", safe=False: Chat(client, official, clock, "/wechat/official",
                                                       user, safe)


@pytest.fixture
def staff_chat(client, wecom, clock):
    return lambda user: Chat(client, wecom, clock, "/wechat/work", user, True)


@pytest.fixture
def live_server(app):
    """The app served by a real threaded HTTP server on loopback; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    server.server_close()
