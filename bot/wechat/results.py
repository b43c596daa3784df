"""The result of one push attempt, from WeChat's answer (全局返回码) to ok / retry / give_up."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from wechatpy.exceptions import WeChatClientException

from bot.wechat.errors import Outcome, TokenError, describe, outcome_for
from bot.wechat.redact import redact


@dataclass(frozen=True)
class SendResult:
    """One attempt's result: ``ok``, ``retry`` (transient) or ``give_up`` (dead letter)."""

    outcome: Outcome
    errcode: int | None = None
    reason: str = ""
    via: str = ""  # custom | template | textcard | text | markdown

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def retry(self) -> bool:
        return self.outcome is Outcome.RETRY

    @property
    def give_up(self) -> bool:
        return self.outcome is Outcome.GIVE_UP


def clip_bytes(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes, cut on a character boundary."""
    raw = text.encode("utf-8")
    return text if len(raw) <= limit else raw[:limit].decode("utf-8", "ignore")


def failure(exc: Exception) -> SendResult:
    """The result for an exception raised while sending (WeChat error, HTTP, network)."""
    if isinstance(exc, TokenError):  # token endpoint down or misconfigured: keep the row
        detail = redact(str(exc.errmsg))[:80]
        detail = f"errcode {exc.errcode}: {detail}" if exc.errcode else detail
        return SendResult(Outcome.RETRY, exc.errcode, f"access token: {detail}")
    if isinstance(exc, WeChatClientException):
        if exc.errcode is None and exc.response is not None:
            return SendResult(Outcome.RETRY, None, f"HTTP {exc.response.status_code}")
        return SendResult(outcome_for(exc.errcode), exc.errcode, describe(exc.errcode, exc.errmsg))
    if isinstance(exc, requests.Timeout):
        return SendResult(Outcome.RETRY, None, "timeout")
    return SendResult(Outcome.RETRY, None, f"network error ({type(exc).__name__})")
