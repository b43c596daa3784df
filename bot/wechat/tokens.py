"""Access-token cache with one refresher (access_token 中控服务器).

WeChat: "建议公众号开发者使用中控服务器统一获取和刷新 access_token" — every new token
fetched from ``/cgi-bin/token`` retires the previous one, so processes must not race to
refresh. See https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html

The token lives in a wechatpy session storage (``RedisStorage`` shared by every process,
or a per-process memory store). A refresh runs under a lock — Redis ``SET NX PX`` across
processes, a ``threading.Lock`` otherwise; the others wait and read what it stored.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import redis
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage

from bot.wechat.errors import TokenError

# Keep a token this many seconds less than WeChat says, so no one uses a dying token.
EXPIRY_MARGIN = 300
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class ExpiringMemoryStorage(MemoryStorage):
    """wechatpy's ``MemoryStorage`` that honours ``ttl`` (the original ignores it)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._expires: dict[str, float] = {}

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._expires and self._expires[key] <= self._clock():
            self.delete(key)
        return super().get(key, default)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if value is None:
            return
        super().set(key, value, ttl)
        if ttl:
            self._expires[key] = self._clock() + ttl
        else:
            self._expires.pop(key, None)

    def delete(self, key: str) -> None:
        super().delete(key)
        self._expires.pop(key, None)


class TokenLock(Protocol):
    def acquire(self, name: str) -> str | None:
        """Try once; an owner id when taken, None when someone else holds it."""

    def release(self, name: str, owner: str) -> None: ...


class LocalTokenLock:
    """Per-process lock: threads of one process refresh once."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def acquire(self, name: str) -> str | None:
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        return name if lock.acquire(blocking=False) else None

    def release(self, name: str, owner: str) -> None:
        self._locks[name].release()


class RedisTokenLock:
    """Cross-process lock: ``SET key owner NX PX ttl``; released only by its owner."""

    def __init__(self, redis: Any, *, prefix: str = "wanggetong:wechat:lock", ttl: float = 10.0) -> None:
        self._redis, self._prefix, self._ttl_ms = redis, prefix, int(ttl * 1000)
        self._release = redis.register_script(_RELEASE)

    def acquire(self, name: str) -> str | None:
        owner = uuid.uuid4().hex
        taken = self._redis.set(f"{self._prefix}:{name}", owner, nx=True, px=self._ttl_ms)
        return owner if taken else None

    def release(self, name: str, owner: str) -> None:
        self._release(keys=[f"{self._prefix}:{name}"], args=[owner])


class TokenKeeper:
    """Reads the shared token; when missing or rejected, one caller fetches a new one.

    ``fetch`` calls the token endpoint and returns ``(access_token, expires_in)``.
    """

    def __init__(self, storage: SessionStorage, key: str, fetch: Callable[[], tuple[str, int]],
                 lock: TokenLock, *, wait: float = 8.0, poll: float = 0.05) -> None:
        self.storage, self.key, self._fetch, self._lock = storage, key, fetch, lock
        self._wait, self._poll = wait, poll

    def get(self) -> str:
        try:
            token = self.storage.get(self.key)
        except redis.RedisError as exc:
            raise TokenError(None, f"token cache unavailable ({type(exc).__name__})") from None
        return str(token) if token else self.refresh()

    def refresh(self, stale: str | None = None) -> str:
        """A token other than ``stale``: fetched here under the lock, or read once another
        process has stored it. Raises :class:`TokenError` when waiting takes too long."""
        try:
            return self._refresh(stale)
        except redis.RedisError as exc:
            raise TokenError(None, f"token cache unavailable ({type(exc).__name__})") from None

    def _refresh(self, stale: str | None) -> str:
        deadline = time.monotonic() + self._wait
        while True:
            owner = self._lock.acquire(self.key)
            if owner is not None:
                try:
                    return self._refresh_locked(stale)
                finally:
                    self._lock.release(self.key, owner)
            current = self.storage.get(self.key)
            if current and current != stale:
                return str(current)
            if time.monotonic() >= deadline:
                raise TokenError(None, "timed out waiting for the access token refresh")
            time.sleep(self._poll)

    def _refresh_locked(self, stale: str | None) -> str:
        current = self.storage.get(self.key)
        if current and current != stale:
            return str(current)  # someone refreshed while we waited for the lock
        if current:
            self.storage.delete(self.key)  # drop the rejected token
        token, expires_in = self._fetch()
        self.storage.set(self.key, token, ttl_for(expires_in))
        return token


def ttl_for(expires_in: int) -> int:
    """Seconds to cache a token WeChat says lives ``expires_in`` seconds."""
    if expires_in > 2 * EXPIRY_MARGIN:
        return expires_in - EXPIRY_MARGIN
    return max(1, expires_in // 2)
