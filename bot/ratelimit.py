"""Per-sender rate limit for the callbacks (限流): a flood from one openid is answered once,
politely, and costs nothing after that.

The rule is a token bucket written as GCRA (generic cell rate algorithm): a sender may send
``RATE_LIMIT_BURST`` messages at once, then one every ``60 / RATE_LIMIT_PER_MINUTE`` seconds.
It behaves like a sliding window (no double burst at a window edge, as a fixed window has)
and keeps one number per sender: the "theoretical arrival time" (TAT) of its next message.

* Redis (``REDIS_URL`` set): one Lua script reads and moves the TAT and, when the message is
  over the limit, sets the "told until" time — atomic, shared by every worker and machine.
  Times come from the caller's clock (keep the web hosts on NTP); the keys' TTLs only
  clean up.
* No Redis: the same rule in a dict in this process (each gunicorn worker counts alone).
* WeChat's retries of one message (same MsgId, within a minute) are not counted again: they
  get the first delivery's decision, so a slow answer never turns into a refusal.
* Redis down: fail open — every message goes through, with a warning at most every 30 s.

What a sender over the limit gets (see docs/operations.md, "Rate limit"): the first message
over the limit in a minute gets :data:`NOTICE` (Chinese, polite, says the message was not
recorded and gives the emergency numbers); the rest of that minute get the plain
``success`` answer — WeChat shows nothing, does not retry, and we do no work (no classify,
no database write). Events that WeChat sends by itself (subscribe, unsubscribe, location
reports, template receipts) are never limited: dropping an unsubscribe would be wrong.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis
from flask import Flask, current_app

from bot.inbound import Inbound
from bot.store import CoolDown, quick_redis
from config import Settings

log = logging.getLogger(__name__)
EXTENSION = "wanggetong.ratelimit"
NOTICE = ("您发送消息太频繁了，请稍等一分钟再发。这一分钟内发来的消息不会被记录；"
          "如有紧急情况，请直接拨打 110/119/120。")
NOTICE_SECONDS = 60  # at most one notice per sender in this time
COUNTED_EVENTS = frozenset({"click", "scancode_push", "scancode_waitmsg"})  # a person pressed
MAX_MEMORY_KEYS = 10_000  # the in-process table prunes itself past this
WARN_EVERY = 30.0

SEEN_SECONDS = 60  # WeChat's retries of one message (same MsgId) get its first decision

_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local seen_ms = tonumber(ARGV[5])
if seen_ms > 0 then
  local earlier = redis.call('GET', KEYS[3])
  if earlier then return {tonumber(earlier), 0, 0} end
end
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
if next_tat - now <= capacity then
  redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil(next_tat - now) + 1)
  if seen_ms > 0 then redis.call('SET', KEYS[3], 1, 'PX', seen_ms) end
  return {1, 0, 0}
end
local notice = tonumber(ARGV[4])
local told = 0
if tonumber(redis.call('GET', KEYS[2]) or 0) <= now then
  redis.call('SET', KEYS[2], now + notice, 'PX', notice)
  told = 1
end
if seen_ms > 0 then redis.call('SET', KEYS[3], 0, 'PX', seen_ms) end
return {0, math.ceil(next_tat - now - capacity), told}
"""


@dataclass(frozen=True)
class Decision:
    """``allowed``; else ``notify`` (the first refusal of the minute) and ``retry_after`` s."""

    allowed: bool
    notify: bool = False
    retry_after: float = 0.0


ALLOW = Decision(True)


class Limiter(Protocol):
    def hit(self, key: str, message: str = "") -> Decision:
        """Count one message from ``key``; a ``message`` id seen before is not counted again
        and gets its first decision (without a second notice)."""
        ...


@dataclass(frozen=True)
class Rate:
    """``per_minute`` sustained, ``burst`` at once; times in milliseconds."""

    per_minute: int
    burst: int

    @property
    def interval_ms(self) -> float:
        return 60_000.0 / self.per_minute

    @property
    def capacity_ms(self) -> float:
        return max(self.burst, 1) * self.interval_ms


class MemoryLimiter:
    """GCRA in this process (no Redis): a dict of TAT and notice time per key."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.time) -> None:
        self.rate, self.clock = rate, clock
        self._tat: dict[str, float] = {}
        self._told: dict[str, float] = {}
        self._seen: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, message: str = "") -> Decision:
        now = self.clock() * 1000.0
        with self._lock:
            if len(self._tat) + len(self._seen) > MAX_MEMORY_KEYS:
                self._prune(now)
            earlier = self._seen.get(message) if message else None
            if earlier is not None and earlier[0] > now:
                return ALLOW if earlier[1] else Decision(False)
            decision = self._decide(key, now)
            if message:
                self._seen[message] = (now + SEEN_SECONDS * 1000.0, decision.allowed)
            return decision

    def _decide(self, key: str, now: float) -> Decision:
        tat = max(self._tat.get(key, now), now)
        next_tat = tat + self.rate.interval_ms
        if next_tat - now <= self.rate.capacity_ms:
            self._tat.pop(key, None)  # re-insert: the table's order is last use
            self._tat[key] = next_tat
            return ALLOW
        notify = self._told.get(key, 0.0) <= now
        if notify:
            self._told[key] = now + NOTICE_SECONDS * 1000.0
        return Decision(False, notify, (next_tat - now - self.rate.capacity_ms) / 1000.0)

    def _prune(self, now: float) -> None:
        """Drop what has expired; past half the cap, forget the oldest too (a forgotten
        sender starts with a full bucket). Runs once per MAX_MEMORY_KEYS / 2 new entries."""
        half = MAX_MEMORY_KEYS // 2
        self._tat = dict(list((k, v) for k, v in self._tat.items() if v > now)[-half // 2:])
        self._told = {k: v for k, v in self._told.items() if v > now and k in self._tat}
        self._seen = dict(list((k, v) for k, v in self._seen.items() if v[0] > now)[-half // 2:])


class RedisLimiter:
    """GCRA in Redis: one atomic script per message; keys ``wgt:rl:…`` expire by themselves."""

    def __init__(self, client: redis.Redis, rate: Rate, clock: Callable[[], float] = time.time,
                 prefix: str = "wgt:rl:") -> None:
        self.client, self.rate, self.clock, self.prefix = client, rate, clock, prefix
        self._script = client.register_script(_SCRIPT)
        self._warned = -math.inf
        self.cool_down = CoolDown()  # a hung Redis: one 0.25 s timeout per 5 s, not per message

    def hit(self, key: str, message: str = "") -> Decision:
        if self.cool_down.resting():
            return ALLOW
        now_ms = int(self.clock() * 1000)
        try:
            allowed, retry_ms, told = self._script(
                keys=[f"{self.prefix}tat:{key}", f"{self.prefix}told:{key}",
                      f"{self.prefix}seen:{message}"],
                args=[now_ms, self.rate.interval_ms, self.rate.capacity_ms, NOTICE_SECONDS * 1000,
                      SEEN_SECONDS * 1000 if message else 0])
        except redis.RedisError as exc:
            self.cool_down.failed()
            self._warn(exc)
            return ALLOW  # fail open: a Redis outage must not silence residents
        if int(allowed):
            return ALLOW
        return Decision(False, bool(int(told)), int(retry_ms) / 1000.0)

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned >= WARN_EVERY:
            self._warned = now
            log.warning("rate limit off: Redis unreachable (%s); letting messages through",
                        type(exc).__name__)


def make_limiter(settings: Settings, clock: Callable[[], float] = time.time, *,
                 per_minute: int | None = None, burst: int | None = None,
                 prefix: str = "wgt:rl:") -> Limiter | None:
    """The limiter the settings ask for (``RATE_LIMIT_*``, or the given rate); None when the
    rate is 0. Redis when ``REDIS_URL`` is set (keys under ``prefix``), else this process."""
    per_minute = settings.RATE_LIMIT_PER_MINUTE if per_minute is None else per_minute
    burst = settings.RATE_LIMIT_BURST if burst is None else burst
    if per_minute <= 0:
        return None
    rate = Rate(per_minute, burst)
    if not settings.REDIS_URL:
        return MemoryLimiter(rate, clock)
    client = quick_redis(settings.REDIS_URL, 0.25)
    return RedisLimiter(client, rate, clock, prefix)


@dataclass
class Gate:
    """The limiter and the channels it guards, kept in ``app.extensions``."""

    limiter: Limiter | None
    channels: frozenset[str]

    def counts(self, inbound: Inbound) -> bool:
        if self.limiter is None or inbound.channel not in self.channels or not inbound.sender:
            return False
        return not inbound.is_event or inbound.event in COUNTED_EVENTS


def init_app(app: Flask, settings: Settings, clock: Callable[[], float] = time.time) -> Gate:
    channels = frozenset(c.strip() for c in settings.RATE_LIMIT_CHANNELS.split(",") if c.strip())
    gate = Gate(make_limiter(settings, clock), channels)
    app.extensions[EXTENSION] = gate
    return gate


def _sender(inbound: Inbound) -> str:
    return inbound.sender if len(inbound.sender) <= 6 else f"{inbound.sender[:6]}…"


def check(inbound: Inbound) -> str | None:
    """Before any work: None → handle the message; a string → answer it instead ("" → success)."""
    gate: Gate | None = current_app.extensions.get(EXTENSION)
    if gate is None or not gate.counts(inbound):
        return None
    decision = gate.limiter.hit(f"{inbound.channel}:{inbound.sender}",  # type: ignore[union-attr]
                                f"{inbound.channel}:{inbound.dedup_key}")
    if decision.allowed:
        return None
    from bot import metrics

    metrics.rate_limited(inbound.channel, "notice" if decision.notify else "dropped")
    if decision.notify:
        log.info("rate limited %s %s: told to wait (next in %.1f s)", inbound.channel,
                 _sender(inbound), decision.retry_after)
        return NOTICE
    return ""
