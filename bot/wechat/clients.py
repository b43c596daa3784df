"""The two WeChat API clients (公众号 / 企业微信), built once per process from Settings.

Both are wechatpy clients with :class:`bot.wechat.base.SharedTokenClient` mixed in: every
call goes to ``WECHAT_API_BASE_URL`` / ``WECOM_API_BASE_URL`` when set, tokens live in Redis
(``REDIS_URL``) or in process memory, and requests time out after ``DEFAULT_TIMEOUT``.

Official Account: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html
WeCom: https://developer.work.weixin.qq.com/document/path/91039 (获取access_token)
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

import wechatpy
import wechatpy.enterprise
from wechatpy.session import SessionStorage

from bot.wechat.base import SharedTokenClient
from bot.wechat.redact import install_log_redaction
from bot.wechat.tokens import ExpiringMemoryStorage, LocalTokenLock, RedisTokenLock, TokenLock
from config import Settings

DEFAULT_TIMEOUT = 3.0  # seconds; a slow WeChat must not hold the outbox worker
TOKEN_PREFIX = "wanggetong:wechat"


class OfficialClient(SharedTokenClient, wechatpy.WeChatClient):
    """公众号 client (``wechatpy.WeChatClient``)."""

    label = "official"

    def __init__(self, appid: str, secret: str, *, storage: SessionStorage, lock: TokenLock,
                 base_url: str = "", timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(appid, secret, session=storage, timeout=timeout, auto_retry=False)
        self._setup(base_url, storage, lock)

    def _token_endpoint(self) -> tuple[str, dict[str, str]]:
        return ("https://api.weixin.qq.com/cgi-bin/token",
                {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


class WeComClient(SharedTokenClient, wechatpy.enterprise.WeChatClient):
    """企业微信 client (``wechatpy.enterprise.WeChatClient``)."""

    label = "wecom"

    def __init__(self, corp_id: str, secret: str, *, storage: SessionStorage, lock: TokenLock,
                 base_url: str = "", timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(corp_id, secret, session=storage, timeout=timeout, auto_retry=False)
        self._setup(base_url, storage, lock)

    @property
    def access_token_key(self) -> str:
        # wechatpy puts secret[:10] in the key; a digest keeps apps apart without it.
        digest = hashlib.sha256(self.secret.encode()).hexdigest()[:12]
        return f"{self.corp_id}_{digest}_access_token"

    def _token_endpoint(self) -> tuple[str, dict[str, str]]:
        return ("https://qyapi.weixin.qq.com/cgi-bin/gettoken",
                {"corpid": self.corp_id, "corpsecret": self.secret})


@dataclass
class WeChatClients:
    """Both clients plus what sending needs; ``close()`` releases sockets."""

    official: OfficialClient
    wecom: WeComClient
    agent_id: int
    redis: Any = None

    def close(self) -> None:
        self.official._http.close()
        self.wecom._http.close()
        if self.redis is not None:
            self.redis.close()


def build_clients(settings: Settings, *, redis_client: Any = None, timeout: float = DEFAULT_TIMEOUT,
                  token_prefix: str = TOKEN_PREFIX) -> WeChatClients:
    """New clients from ``settings``; tokens in Redis when ``REDIS_URL`` is set."""
    install_log_redaction()
    owned = None
    if redis_client is None and settings.REDIS_URL:
        import redis

        redis_client = owned = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2.0)
    if redis_client is not None:
        from wechatpy.session.redisstorage import RedisStorage

        storage: SessionStorage = RedisStorage(redis_client, prefix=token_prefix)
        lock: TokenLock = RedisTokenLock(redis_client, prefix=f"{token_prefix}:lock")
    else:
        storage, lock = ExpiringMemoryStorage(), LocalTokenLock()
    official = OfficialClient(settings.WECHAT_APPID, settings.WECHAT_SECRET, storage=storage,
                              lock=lock, base_url=settings.WECHAT_API_BASE_URL, timeout=timeout)
    wecom = WeComClient(settings.WECOM_CORP_ID, settings.WECOM_SECRET, storage=storage, lock=lock,
                        base_url=settings.WECOM_API_BASE_URL, timeout=timeout)
    return WeChatClients(official, wecom, int(settings.WECOM_AGENT_ID), redis=owned)


_shared: dict[Settings, WeChatClients] = {}
_shared_lock = threading.Lock()


def shared_clients(settings: Settings) -> WeChatClients:
    """The process's clients for ``settings``, built on first use (never at import)."""
    with _shared_lock:
        if settings not in _shared:
            _shared[settings] = build_clients(settings)
        return _shared[settings]


def reset_shared_clients() -> None:
    """Close and forget the process's clients (worker shutdown, tests)."""
    with _shared_lock:
        for clients in _shared.values():
            clients.close()
        _shared.clear()
