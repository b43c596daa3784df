"""Deliver the outbox to an in-process fake WeChat (演示投递): the real worker and Notifier,
a loopback API instead of Tencent's. Used by ``flask demo``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.devtools.fakewechat import CUSTOM_SEND, TEMPLATE_SEND, WECOM_SEND, FakeWeChat
from bot.devtools.session import Push
from bot.outbox_worker import OutboxWorker
from bot.wechat import build_clients, build_notifier
from config import Settings
from core.registry.models import Staff
from core.uow import UnitOfWork

DEMO_CREDENTIALS = {"appid": "wxdemo0000000001", "secret": "demo-secret",
                    "corp_id": "wwdemo0000000001", "corp_secret": "demo-corp-secret"}


def demo_settings(settings: Settings, fake: FakeWeChat) -> Settings:
    c = DEMO_CREDENTIALS
    return settings.with_overrides(WECHAT_APPID=c["appid"], WECHAT_SECRET=c["secret"],
                                   WECOM_CORP_ID=c["corp_id"], WECOM_SECRET=c["corp_secret"],
                                   WECHAT_API_BASE_URL=fake.base_url,
                                   WECOM_API_BASE_URL=fake.base_url)


def start_fake() -> FakeWeChat:
    c = DEMO_CREDENTIALS
    return FakeWeChat(appid=c["appid"], secret=c["secret"], corp_id=c["corp_id"],
                      corp_secret=c["corp_secret"]).start()


class FakeDelivery:
    """Runs the worker once per call and returns the messages the fake API accepted since."""

    def __init__(self, runtime: Any, fake: FakeWeChat) -> None:
        self.runtime, self.fake, self.seen = runtime, fake, 0
        self.clients = build_clients(runtime.settings)
        notifier = build_notifier(runtime.settings, clients=self.clients,
                                  templates={"*": "TPL-DEMO-0001"})
        self.worker = OutboxWorker(runtime.env, notifier, media_dir=runtime.settings.MEDIA_DIR,
                                   name="demo-outbox")

    def __call__(self) -> list[Push]:
        self.worker.run_once()
        accepted = [c for c in self.fake.calls
                    if c.path in (CUSTOM_SEND, TEMPLATE_SEND, WECOM_SEND) and c.status == 200
                    and isinstance(c.response, dict) and c.response.get("errcode") == 0]
        new, self.seen = accepted[self.seen:], len(accepted)
        with UnitOfWork(self.runtime.env) as uow:
            names = {s.wecom_userid: s.name for s in uow.session.scalars(select(Staff))}
        return [_push(c.path, c.json, names) for c in new]

    def close(self) -> None:
        self.clients.close()


def _push(path: str, body: dict[str, Any], names: dict[str | None, str]) -> Push:
    kind = body.get("msgtype", "template")
    if path == WECOM_SEND:
        user = body.get("touser", "")
        card = body.get("textcard") or {}
        text = card.get("description") or (body.get(kind) or {}).get("content", "")
        text = text.replace("<br>", "\n")
        return Push("wecom", user, names.get(user, user), card.get("title", ""), text, kind)
    if path == TEMPLATE_SEND:
        fields = body.get("data", {})
        text = "；".join(f"{v.get('value', '')}" for v in fields.values())
        return Push("official", body.get("touser", ""), "居民", "模板消息", text, "template")
    return Push("official", body.get("touser", ""), "居民", "", body.get("text", {}).get("content", ""),
                kind)
