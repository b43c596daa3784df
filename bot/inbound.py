"""Inbound: one message from WeChat or WeCom, as the handlers see it (来信).

Built from a message object that wechatpy parsed; never from hand-parsed XML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Channel = Literal["official", "wecom"]


@dataclass(frozen=True)
class Inbound:
    channel: Channel
    sender: str  # openid (Official Account) or userid (WeCom)
    recipient: str  # ToUserName: the account (gh_…) or the CorpID
    msg_type: str  # text, voice, image, location, event, unknown
    create_time: int
    msg_id: int = 0
    text: str = ""  # Content, or the voice Recognition text
    event: str = ""  # subscribe, unsubscribe, click, location …
    event_key: str = ""
    media_id: str = ""
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""  # the place name of a location message

    @property
    def dedup_key(self) -> str:
        """MsgId for messages; FromUserName + CreateTime + Event (+ EventKey) for events."""
        if self.msg_type == "event" or not self.msg_id:
            return f"{self.sender}:{self.create_time}:{self.event or self.msg_type}:{self.event_key}"
        return f"msg:{self.msg_id}"

    @property
    def is_event(self) -> bool:
        return self.msg_type == "event"


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def from_wechat(message: Any, channel: Channel) -> Inbound:
    """Convert a wechatpy message or event object into an :class:`Inbound`."""
    kind = (getattr(message, "type", "") or "unknown").lower()
    base: dict[str, Any] = {
        "channel": channel,
        "sender": message.source or "",
        "recipient": message.target or "",
        "create_time": int(getattr(message, "time", 0) or 0),
        "msg_id": int(getattr(message, "id", 0) or 0),
    }
    if kind == "text":
        return Inbound(msg_type="text", text=(message.content or "").strip(), **base)
    if kind == "voice":
        return Inbound(msg_type="voice", text=(getattr(message, "recognition", "") or "").strip(),
                       media_id=message.media_id or "", **base)
    if kind == "image":
        return Inbound(msg_type="image", media_id=message.media_id or "", **base)
    if kind == "location":
        return Inbound(msg_type="location", latitude=_float(message.location_x),
                       longitude=_float(message.location_y), label=message.label or "", **base)
    if kind == "event":
        event = (getattr(message, "event", "") or "").lower()
        return Inbound(msg_type="event", event=event, event_key=getattr(message, "key", "") or "",
                       latitude=_float(getattr(message, "latitude", None)),
                       longitude=_float(getattr(message, "longitude", None)), **base)
    return Inbound(msg_type=kind or "unknown", **base)
