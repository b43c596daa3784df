"""Talk to the bot as WeChat would (模拟会话): signed callbacks in, replies and pushes out.

Used by ``flask chat`` and ``flask demo``. Messages go through the real webhook — the
Flask test client in-process, or HTTP to a running server with ``url`` — signed, and
encrypted when the channel is in safe mode; pushes are read from the outbox.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import Flask
from sqlalchemy import select

from bot.devtools.signer import Signer
from config import Settings
from core.outbox import Notification
from core.registry.models import Staff
from core.uow import UnitOfWork

_ids = itertools.count(int(time.time() * 1000) % 10**12)


@dataclass
class Push:
    channel: str
    recipient: str
    name: str
    title: str
    body: str
    kind: str


@dataclass
class BotSession:
    app: Flask
    url: str = ""  # empty: in-process test client
    last_push_id: int = 0
    _client: Any = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return self.app.extensions["wanggetong"].settings

    def signer(self, channel: str) -> Signer:
        s = self.settings
        if channel == "wecom":
            return Signer(token=s.WECOM_TOKEN, receive_id=s.WECOM_CORP_ID, aes_key=s.WECOM_AES_KEY,
                          account=s.WECOM_CORP_ID)
        return Signer(token=s.WECHAT_TOKEN, receive_id=s.WECHAT_APPID, aes_key=s.WECHAT_AES_KEY)

    def _now(self) -> int:
        return int(self.app.extensions["wanggetong"].env.clock.now().timestamp())

    def send(self, channel: str, user: str, msg_type: str, **fields: Any) -> str:
        """Deliver one message or event; returns the bot's passive reply text ('' for none)."""
        signer, ts = self.signer(channel), self._now()
        body = {"ToUserName": signer.account, "FromUserName": user, "CreateTime": ts,
                "MsgType": msg_type, **fields}
        if msg_type != "event":
            body["MsgId"] = next(_ids)
        if channel == "wecom":
            body["AgentID"] = self.settings.WECOM_AGENT_ID
            query, data = signer.safe(body, ts, with_signature=False)
            path = "/wechat/work"
        else:
            safe = bool(self.settings.WECHAT_AES_KEY) and self.settings.WECHAT_ENCRYPT_MODE != "plain"
            query, data = signer.safe(body, ts) if safe else signer.plain(body, ts)
            path = "/wechat/official"
        status, content = self._post(f"{path}?{query}", data)
        if status != 200:
            return f"[HTTP {status}] {content.decode('utf-8', 'replace')}"
        if content == b"success" or not content:
            return ""
        return signer.reply_text(content)

    def say(self, channel: str, user: str, text: str) -> str:
        return self.send(channel, user, "text", Content=text)

    def _post(self, path: str, data: bytes) -> tuple[int, bytes]:
        if self.url:
            resp = requests.post(self.url.rstrip("/") + path, data=data, timeout=10,
                                 headers={"Content-Type": "text/xml"})
            return resp.status_code, resp.content
        if self._client is None:
            self._client = self.app.test_client()
        resp = self._client.post(path, data=data, headers={"Content-Type": "text/xml"})
        return resp.status_code, resp.data

    def new_pushes(self) -> list[Push]:
        """Pushes queued in the outbox since the last call (jobs left out)."""
        rt = self.app.extensions["wanggetong"]
        with UnitOfWork(rt.env) as uow:
            rows = list(uow.session.scalars(select(Notification).where(
                Notification.id > self.last_push_id).order_by(Notification.id)))
            names = {s.wecom_userid: s.name for s in uow.session.scalars(select(Staff))}
        if rows:
            self.last_push_id = rows[-1].id
        return [Push(r.channel, r.recipient, names.get(r.recipient, "居民"), r.title, r.body, r.kind)
                for r in rows if r.channel != "job"]


def format_push(p: Push) -> str:
    where = "企业微信" if p.channel == "wecom" else "公众号"
    who = f"{p.name}({p.recipient})" if p.channel == "wecom" else f"居民 {p.recipient}"
    head = f"  ⇢ 推送 [{where}] 给 {who}"
    if p.title:
        head += f"：{p.title}"
    return head + "\n" + "\n".join("      " + line for line in p.body.splitlines())
