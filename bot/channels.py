"""Channel adapters (渠道适配): check, decrypt and parse callbacks; render and encrypt replies.

Official Account (公众号) in plain, compatible or safe (AES) mode; WeCom (企业微信) in AES.
Every refusal is a :class:`CallbackRejected` carrying the HTTP status (400/403), never a 500.
"""

from __future__ import annotations

import binascii
import re
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import wechatpy
import wechatpy.enterprise
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.enterprise.replies import TextReply as WeComTextReply
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.inbound import Inbound, from_wechat
from config import Settings

MAX_SKEW_SECONDS = 300
_HOSTILE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CRYPTO_ERRORS = (InvalidSignatureException, InvalidAppIdException, ValueError, KeyError,
                  TypeError, IndexError, struct.error, binascii.Error, UnicodeDecodeError,
                  AssertionError)


class CallbackRejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def refuse_hostile(xml: bytes | str) -> None:
    """A DOCTYPE or entity declaration is refused before any parser sees it."""
    data = xml.encode() if isinstance(xml, str) else xml
    if _HOSTILE.search(data):
        raise CallbackRejected(400, "DOCTYPE/ENTITY not allowed")


def check_fresh(timestamp: str, now: datetime) -> None:
    try:
        ts = int(timestamp)
    except (TypeError, ValueError) as exc:
        raise CallbackRejected(400, "bad timestamp") from exc
    if abs(now.timestamp() - ts) > MAX_SKEW_SECONDS:
        raise CallbackRejected(403, "stale timestamp")


def _parse(parser: Any, xml: str, channel: str) -> Inbound:
    refuse_hostile(xml)
    try:
        message = parser(xml)
    except Exception as exc:  # xmltodict/expat raise several types on malformed input
        raise CallbackRejected(400, "malformed XML") from exc
    if message is None:
        raise CallbackRejected(400, "empty message")
    return from_wechat(message, channel)  # type: ignore[arg-type]


def _decrypt(crypto: WeChatCrypto | WeComCrypto, args: dict[str, str], body: bytes) -> str:
    """Check msg_signature and decrypt the envelope; the AppID/CorpID inside must match."""
    try:
        return crypto.decrypt_message(body.decode("utf-8", "replace"), args.get("msg_signature", ""),
                                      args.get("timestamp", ""), args.get("nonce", ""))
    except (InvalidAppIdException, InvalidCorpIdException) as exc:
        raise CallbackRejected(403, "wrong AppID/CorpID") from exc
    except InvalidSignatureException as exc:
        raise CallbackRejected(403, "bad msg_signature") from exc
    except _CRYPTO_ERRORS as exc:
        raise CallbackRejected(400, "cannot decrypt") from exc
    except Exception as exc:  # expat errors on a malformed envelope
        raise CallbackRejected(400, "malformed XML") from exc


@dataclass
class OfficialChannel:
    """公众号 callback: signature, optional AES (兼容/安全模式), AppID check."""

    settings: Settings

    @property
    def mode(self) -> str:
        mode = self.settings.WECHAT_ENCRYPT_MODE.strip().lower()
        if mode:
            return mode
        return "safe" if self.settings.WECHAT_AES_KEY else "plain"

    def _crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.settings.WECHAT_TOKEN, self.settings.WECHAT_AES_KEY,
                            self.settings.WECHAT_APPID)

    def verify(self, args: dict[str, str], now: datetime) -> str:
        """GET: echo ``echostr`` back when the signature holds."""
        try:
            check_signature(self.settings.WECHAT_TOKEN, args.get("signature", ""),
                            args.get("timestamp", ""), args.get("nonce", ""))
        except InvalidSignatureException as exc:
            raise CallbackRejected(403, "bad signature") from exc
        check_fresh(args.get("timestamp", ""), now)
        return args.get("echostr", "")

    def receive(self, args: dict[str, str], body: bytes, now: datetime) -> tuple[Inbound, bool]:
        """POST: the message and whether the reply must be encrypted."""
        refuse_hostile(body)
        try:
            check_signature(self.settings.WECHAT_TOKEN, args.get("signature", ""),
                            args.get("timestamp", ""), args.get("nonce", ""))
        except InvalidSignatureException as exc:
            raise CallbackRejected(403, "bad signature") from exc
        check_fresh(args.get("timestamp", ""), now)
        encrypted = args.get("encrypt_type", "raw").lower() == "aes"
        if self.mode == "safe" and not encrypted:
            raise CallbackRejected(400, "safe mode expects an encrypted message")
        if not encrypted:
            return _parse(wechatpy.parse_message, body.decode("utf-8", "replace"), "official"), False
        if not self.settings.WECHAT_AES_KEY:
            raise CallbackRejected(400, "encrypted message but no AES key configured")
        xml = _decrypt(self._crypto(), args, body)
        return _parse(wechatpy.parse_message, xml, "official"), True

    def render(self, inbound: Inbound, text: str, encrypt: bool, nonce: str, now: datetime) -> str:
        reply = TextReply(source=inbound.recipient, target=inbound.sender, content=text, time=int(now.timestamp()))
        xml = reply.render()
        if encrypt:
            return self._crypto().encrypt_message(xml, nonce, str(int(now.timestamp())))
        return xml


@dataclass
class WeComChannel:
    """企业微信 callback: always AES, msg_signature, CorpID check."""

    settings: Settings

    def _crypto(self) -> WeComCrypto:
        return WeComCrypto(self.settings.WECOM_TOKEN, self.settings.WECOM_AES_KEY,
                           self.settings.WECOM_CORP_ID)

    def verify(self, args: dict[str, str], now: datetime) -> str:
        check_fresh(args.get("timestamp", ""), now)
        try:
            return self._crypto().check_signature(args.get("msg_signature", ""),
                                                  args.get("timestamp", ""), args.get("nonce", ""),
                                                  args.get("echostr", ""))
        except InvalidSignatureException as exc:
            raise CallbackRejected(403, "bad msg_signature") from exc
        except _CRYPTO_ERRORS as exc:
            raise CallbackRejected(400, "cannot decrypt echostr") from exc

    def receive(self, args: dict[str, str], body: bytes, now: datetime) -> tuple[Inbound, bool]:
        refuse_hostile(body)
        check_fresh(args.get("timestamp", ""), now)
        xml = _decrypt(self._crypto(), args, body)
        return _parse(wechatpy.enterprise.parse_message, xml, "wecom"), True

    def render(self, inbound: Inbound, text: str, encrypt: bool, nonce: str, now: datetime) -> str:
        reply = WeComTextReply(source=inbound.recipient or self.settings.WECOM_CORP_ID,
                               target=inbound.sender,
                               content=text, time=int(now.timestamp()))
        return self._crypto().encrypt_message(reply.render(), nonce, str(int(now.timestamp())))
