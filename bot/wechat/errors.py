"""WeChat return codes (全局返回码) and what the outbox does about each.

Official Account: https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html
WeCom (企业微信 全局错误码): https://developer.work.weixin.qq.com/document/path/90313
"""

from __future__ import annotations

from enum import StrEnum

from wechatpy.exceptions import WeChatClientException

from bot.wechat.redact import redact

# 40001 invalid credential, 40014 invalid access_token, 42001 access_token expired.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# 45015 客服消息超出 48 小时回复时限; 45047 超出窗口期内下发条数上限.
WINDOW_CLOSED = frozenset({45015, 45047})
# -1 系统繁忙, 45009 接口调用超过限制, 45011 频率限制, 45033 并发调用超过限制.
TRANSIENT = frozenset({-1, 45009, 45011, 45033}) | TOKEN_ERRCODES
# 43004 需要接收者关注, 40003 不合法的 OpenID, 46004 用户不存在, 43101 用户拒绝接受消息,
# 60111 (WeCom) userid 不存在, 81013 (WeCom) user & party & tag 全部无效.
RECIPIENT_GONE = frozenset({43004, 40003, 46004, 43101, 60111, 81013})

DESCRIPTIONS = {
    -1: "WeChat busy", 40001: "access token invalid", 40014: "access token invalid",
    42001: "access token expired", 40003: "invalid openid", 43004: "recipient unsubscribed",
    43101: "recipient refused messages", 45009: "API quota reached", 45011: "API rate limit",
    45015: "48 h customer-service window closed", 45033: "too many concurrent calls",
    45047: "window message cap reached", 46004: "user does not exist",
    60111: "WeCom userid not found", 81013: "WeCom user not found",
}


class Outcome(StrEnum):
    """What the outbox worker does with a row after one attempt."""

    OK = "ok"
    RETRY = "retry"  # back off and try again later
    GIVE_UP = "give_up"  # dead letter: record and stop


class TokenError(WeChatClientException):
    """The access token could not be fetched (获取 access_token 失败): retry later."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(errcode, errmsg)


class MediaError(RuntimeError):
    """A media file (临时素材) could not be downloaded or saved."""


def outcome_for(errcode: int | None) -> Outcome:
    """Map a WeChat errcode (None: HTTP or network failure) to retry or give up."""
    if errcode is None or errcode in TRANSIENT:
        return Outcome.RETRY
    return Outcome.GIVE_UP


def describe(errcode: int | None, errmsg: object = "") -> str:
    """A short reason for logs and the outbox row; never carries a token or secret."""
    if errcode is None:
        return "WeChat API unreachable"
    text = DESCRIPTIONS.get(errcode) or str(errmsg or "").split(" rid:")[0].split(" hint:")[0]
    return f"errcode {errcode}: {redact(text)[:80]}"
