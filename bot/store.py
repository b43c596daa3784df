"""A small key-value store for dedup marks and conversation state (会话存储).

Redis in production (shared by every process); an in-process dict when ``REDIS_URL`` is
unset (one process only). The webhook's calls are batched: claim + conversation in one
round trip, the conversation written once, reply + done mark together. A Redis failure raises :class:`StoreUnavailable` so callers can
fall back (dedup falls back to the database key).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


class StoreUnavailable(RuntimeError):
    """The store could not be reached."""


Maps = dict[str, tuple[dict[str, str], int]]  # key → (whole mapping, ttl), as put_map writes it


class Store(Protocol):
    def set_nx(self, key: str, value: str, ttl: int) -> bool: ...
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl: int) -> None: ...
    def get_map(self, key: str) -> dict[str, str]: ...
    def put_map(self, key: str, mapping: dict[str, str], ttl: int) -> None: ...
    def delete(self, key: str) -> None: ...
    def set_many(self, items: dict[str, str], ttl: int, maps: Maps | None = None) -> None: ...
    def set_nx_get_map(self, key: str, value: str, ttl: int, map_key: str) -> tuple[bool, dict[str, str]]: ...


class MemoryStore:
    """Process-local store with expiry (the embedded default)."""

    def __init__(self, clock: callable = time.monotonic) -> None:  # type: ignore[valid-type]
        self._data: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _live(self, key: str) -> object | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] < self._clock():
            del self._data[key]
            return None
        return item[1]

    def set_nx(self, key: str, value: str, ttl: int) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (self._clock() + ttl, value)
            return True

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._live(key)
            return value if isinstance(value, str) else None

    def set(self, key: str, value: str, ttl: int) -> None:
        with self._lock:
            self._data[key] = (self._clock() + ttl, value)

    def get_map(self, key: str) -> dict[str, str]:
        with self._lock:
            value = self._live(key)
            return dict(value) if isinstance(value, dict) else {}

    def put_map(self, key: str, mapping: dict[str, str], ttl: int) -> None:
        with self._lock:
            self._data[key] = (self._clock() + ttl, dict(mapping))

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def set_many(self, items: dict[str, str], ttl: int, maps: Maps | None = None) -> None:
        for key, (mapping, map_ttl) in (maps or {}).items():
            self.put_map(key, mapping, map_ttl)
        for key, value in items.items():
            self.set(key, value, ttl)

    def set_nx_get_map(self, key: str, value: str, ttl: int, map_key: str) -> tuple[bool, dict[str, str]]:
        return self.set_nx(key, value, ttl), self.get_map(map_key)


def quick_redis(url: str, timeout: float, *, decode: bool = False) -> redis.Redis:
    """A Redis client for the request path: short timeouts and at most one immediate retry.

    redis-py's default retries a timed-out command three times with backoff, so a Redis that
    accepts connections but does not answer cost one call over 6 s — past WeChat's 5 s."""
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                retry=Retry(NoBackoff(), 1), decode_responses=decode)


class CoolDown:
    """After a Redis failure, do not ask again for ``seconds`` (熔断): a hung server costs one
    timeout per process per cool-down, not one per call."""

    def __init__(self, seconds: float = 5.0) -> None:
        self.seconds = seconds
        self._until = 0.0

    def resting(self) -> bool:
        return time.monotonic() < self._until

    def failed(self) -> None:
        self._until = time.monotonic() + self.seconds


class RedisStore:
    """The shared store on Redis; every error becomes :class:`StoreUnavailable`.

    After a failure the store is not asked again for ``cool_down`` seconds (calls fail at
    once): a hung Redis costs one 0.5 s timeout per process per cool-down instead of one
    per call — a report makes about five calls, which would take it near WeChat's 5 s."""

    def __init__(self, url: str, *, prefix: str = "wgt:", cool_down: float = 5.0) -> None:
        self.client = quick_redis(url, 0.5, decode=True)
        self.prefix = prefix
        self.cool_down = CoolDown(cool_down)

    def _call(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.cool_down.resting():
            raise StoreUnavailable("redis: failed moments ago, not asked")
        try:
            return fn(*args, **kwargs)
        except redis.RedisError as exc:
            self.cool_down.failed()
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc

    def set_nx(self, key: str, value: str, ttl: int) -> bool:
        return bool(self._call(self.client.set, self.prefix + key, value, nx=True, ex=ttl))

    def get(self, key: str) -> str | None:
        return self._call(self.client.get, self.prefix + key)

    def set(self, key: str, value: str, ttl: int) -> None:
        self._call(self.client.set, self.prefix + key, value, ex=ttl)

    def get_map(self, key: str) -> dict[str, str]:
        return self._call(self.client.hgetall, self.prefix + key) or {}

    def put_map(self, key: str, mapping: dict[str, str], ttl: int) -> None:
        self.set_many({}, 0, {key: (mapping, ttl)})

    def delete(self, key: str) -> None:
        self._call(self.client.delete, self.prefix + key)

    def set_many(self, items: dict[str, str], ttl: int, maps: Maps | None = None) -> None:
        """Several keys, and whole maps (as :meth:`put_map`), in one round trip; with maps it
        is a MULTI/EXEC transaction, so nobody reads a map half-written."""
        pipe = self.client.pipeline(transaction=bool(maps))
        for key, (mapping, map_ttl) in (maps or {}).items():
            pipe.delete(self.prefix + key)
            if mapping:
                pipe.hset(self.prefix + key, mapping=mapping)
                pipe.expire(self.prefix + key, map_ttl)
        for key, value in items.items():
            pipe.set(self.prefix + key, value, ex=ttl)
        self._call(pipe.execute)

    def set_nx_get_map(self, key: str, value: str, ttl: int, map_key: str) -> tuple[bool, dict[str, str]]:
        """:meth:`set_nx` and :meth:`get_map` in one round trip (the webhook's first call)."""
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self.prefix + key, value, nx=True, ex=ttl)
        pipe.hgetall(self.prefix + map_key)
        fresh, mapping = self._call(pipe.execute)
        return bool(fresh), mapping or {}


def make_store(redis_url: str) -> Store:
    return RedisStore(redis_url) if redis_url else MemoryStore()
