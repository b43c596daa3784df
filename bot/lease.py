"""A lease (租约) that lets exactly one process play a role: here, the scheduler (定时任务进程).

On Redis the lease is one key: ``SET key owner NX PX ttl`` takes it, the holder renews it
about every third of the TTL (only while the key still names it) and deletes it on shutdown
(again only if it is still the owner). A process that is not the holder polls until the key
is free, so a second scheduler started by mistake sends nothing and takes over when the first
stops or dies. Without ``REDIS_URL`` :class:`LocalLease` grants the lease at once and warns:
then only one scheduler process may run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol

import redis

from bot.store import StoreUnavailable

log = logging.getLogger(__name__)
LEASE_KEY = "wgt:scheduler:lease"

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def default_owner() -> str:
    """A name unique to this process and start: host, pid and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Lease(Protocol):
    owner: str
    ttl: float

    def acquire(self) -> bool: ...
    def renew(self) -> bool: ...
    def release(self) -> bool: ...
    def holder(self) -> str | None: ...


class LocalLease:
    """No Redis: the lease is always ours (one scheduler process only)."""

    def __init__(self, owner: str = "", ttl: float = 30.0) -> None:
        self.owner = owner or default_owner()
        self.ttl = ttl

    def acquire(self) -> bool:
        return True

    def renew(self) -> bool:
        return True

    def release(self) -> bool:
        return True

    def holder(self) -> str | None:
        return None


class RedisLease:
    """The lease on a Redis key; Redis errors become :class:`StoreUnavailable`."""

    def __init__(self, client: redis.Redis, *, key: str = LEASE_KEY, owner: str = "",
                 ttl: float = 30.0) -> None:
        self.client, self.key, self.ttl = client, key, ttl
        self.owner = owner or default_owner()
        self._ms = max(int(ttl * 1000), 1)

    def _call(self, fn: Callable[..., object], *args: object, **kwargs: object) -> object:
        try:
            return fn(*args, **kwargs)
        except redis.RedisError as exc:
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc

    def acquire(self) -> bool:
        """Take the lease if nobody holds it (``SET NX PX``)."""
        return bool(self._call(self.client.set, self.key, self.owner, nx=True, px=self._ms))

    def renew(self) -> bool:
        """Extend our lease; False when the key no longer names us (lost)."""
        return bool(self._call(self.client.eval, _RENEW, 1, self.key, self.owner, self._ms))

    def release(self) -> bool:
        """Give the lease back if it is still ours (True when it was); a Redis error only
        logs, the key expires by itself."""
        try:
            return bool(self._call(self.client.eval, _RELEASE, 1, self.key, self.owner))
        except StoreUnavailable as exc:
            log.warning("lease: could not release (%s); it expires in %.0f s", exc, self.ttl)
            return False

    def holder(self) -> str | None:
        value = self._call(self.client.get, self.key)
        return value if isinstance(value, str) else None


def make_lease(redis_url: str, *, ttl: float = 30.0, owner: str = "",
               key: str = LEASE_KEY) -> Lease:
    """The Redis lease when ``redis_url`` is set, else :class:`LocalLease` with a warning."""
    if not redis_url:
        log.warning("lease: REDIS_URL is not set; run a single scheduler process only")
        return LocalLease(owner, ttl)
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2,
                                  decode_responses=True)
    return RedisLease(client, key=key, owner=owner, ttl=ttl)


class LeaseKeeper(threading.Thread):
    """Renews a held lease every ``ttl / 3`` s; calls ``on_lost`` once when it is gone.

    It is lost when Redis says another owner holds it, or when renewals failed for two
    thirds of the TTL (the key may expire and be taken any moment now).
    """

    def __init__(self, lease: Lease, on_lost: Callable[[], None]) -> None:
        super().__init__(name="lease-keeper", daemon=True)
        self.lease, self.on_lost = lease, on_lost
        self.halt = threading.Event()

    def run(self) -> None:
        interval, last_ok = self.lease.ttl / 3, time.monotonic()
        while not self.halt.wait(interval):
            try:
                if self.lease.renew():
                    last_ok = time.monotonic()
                    continue
                log.error("lease: %s lost the lease to %s", self.lease.owner, self._holder())
            except StoreUnavailable as exc:
                if time.monotonic() - last_ok < self.lease.ttl * 2 / 3:
                    log.warning("lease: renewal failed (%s), retrying", exc)
                    continue
                log.error("lease: renewal failing for too long (%s); stepping down", exc)
            self.on_lost()
            return

    def _holder(self) -> str:
        try:
            return self.lease.holder() or "nobody"
        except StoreUnavailable:
            return "unknown"

    def stop(self) -> None:
        self.halt.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=5)
