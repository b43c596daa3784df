"""Deliver one outbox row through WeChat (消息推送) and say what to do next.

- ``official`` (resident): customer-service text (客服消息), which WeChat accepts only within
  48 h of the resident's last message and at most 5 times per window; on 45015/45047 (or
  when the caller knows the window is closed) a template message (模板消息) instead.
  https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
- ``wecom`` (staff): an app message (发送应用消息) — a text card when there is a link.
  https://developer.work.weixin.qq.com/document/path/90236
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import requests
from wechatpy.exceptions import WeChatClientException

from bot.wechat import media
from bot.wechat.clients import WeChatClients
from bot.wechat.errors import WINDOW_CLOSED, MediaError, Outcome
from bot.wechat.results import SendResult, clip_bytes, failure
from bot.wechat.templates import TemplateSpec, field_values, load_templates, template_for
from config import Settings

log = logging.getLogger(__name__)


class OutboundMessage(Protocol):
    """What the notifier reads from an outbox row (:class:`core.outbox.Notification`)."""

    channel: str
    recipient: str
    kind: str
    title: str
    body: str
    url: str
    data: Any


class Notifier:
    """Sends outbox rows with the process's :class:`WeChatClients`."""

    def __init__(self, clients: WeChatClients, *, templates: Mapping[str, Any] | None = None,
                 media_dir: str | Path = "instance/media") -> None:
        self.clients = clients
        self.templates: dict[str, TemplateSpec] = load_templates(templates)
        self.media_dir = Path(media_dir)

    def send(self, n: OutboundMessage, *, window_open: bool = True) -> SendResult:
        """Deliver ``n`` once; never raises for WeChat or network failures."""
        try:
            if n.channel == "official":
                result = self._official(n, window_open)
            elif n.channel == "wecom":
                result = self._wecom(n)
            else:
                result = SendResult(Outcome.GIVE_UP, None, f"unknown channel {n.channel!r}")
        except (WeChatClientException, requests.RequestException) as exc:
            result = failure(exc)
        level = logging.INFO if result.ok else logging.WARNING
        log.log(level, "push %s to %s…: %s %s %s", n.kind, n.recipient[:6], result.outcome,
                result.via, result.reason)
        return result

    def _official(self, n: OutboundMessage, window_open: bool) -> SendResult:
        if window_open:
            text = n.body
            if n.url:
                text += f'\n<a href="{html.escape(n.url, quote=True)}">查看详情</a>'
            try:
                self.clients.official.message.send_text(n.recipient, text)
                return SendResult(Outcome.OK, via="custom")
            except WeChatClientException as exc:
                if exc.errcode not in WINDOW_CLOSED:
                    raise
                log.info("customer-service window closed (%s), using a template", exc.errcode)
        return self._template(n)

    def _template(self, n: OutboundMessage) -> SendResult:
        spec = template_for(self.templates, n.kind)
        if spec is None:
            return SendResult(Outcome.GIVE_UP, None, f"window closed, no template for {n.kind!r}",
                              via="template")
        data = field_values(spec, kind=n.kind, title=n.title, body=n.body, data=n.data or {})
        self.clients.official.message.send_template(n.recipient, spec.template_id, data,
                                                    url=n.url or None)
        return SendResult(Outcome.OK, via="template")

    def _wecom(self, n: OutboundMessage) -> SendResult:
        message = self.clients.wecom.message
        agent_id = self.clients.agent_id
        if n.url:
            title = clip_bytes(n.title or n.body.split("\n", 1)[0], 128)
            description = html.escape(n.body, quote=False).replace("\n", "<br>")
            res = message.send_text_card(agent_id, n.recipient, title, clip_bytes(description, 512),
                                         n.url)
            via = "textcard"
        elif (n.data or {}).get("format") == "markdown":
            res = message.send_markdown(agent_id, n.recipient, clip_bytes(n.body, 2048))
            via = "markdown"
        else:
            text = f"{n.title}\n{n.body}" if n.title else n.body
            res = message.send_text(agent_id, n.recipient, clip_bytes(text, 2048))
            via = "text"
        invalid = str((res or {}).get("invaliduser", "")).split("|")
        if n.recipient in invalid:
            return SendResult(Outcome.GIVE_UP, 81013, "WeCom user not found", via=via)
        return SendResult(Outcome.OK, via=via)

    def fetch_media(self, channel: str, media_id: str, dest_dir: str | Path | None = None) -> Path:
        """Download a photo sent on ``channel`` into ``dest_dir`` (default ``MEDIA_DIR``).

        Raises :class:`bot.wechat.errors.MediaError` on any failure."""
        client = {"official": self.clients.official, "wecom": self.clients.wecom}.get(channel)
        if client is None:
            raise MediaError(f"unknown channel {channel!r}")
        return media.download(client, media_id, dest_dir or self.media_dir, prefix=channel)


def build_notifier(settings: Settings, clients: WeChatClients | None = None,
                   templates: Mapping[str, Any] | None = None) -> Notifier:
    """A notifier for ``settings`` (clients shared by the process unless given)."""
    from bot.wechat.clients import shared_clients

    return Notifier(clients or shared_clients(settings), templates=templates,
                    media_dir=settings.MEDIA_DIR)
