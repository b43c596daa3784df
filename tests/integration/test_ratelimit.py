"""The per-sender rate limit (bot/ratelimit.py): the same rule in process and in real Redis.

Redis runs twice when it can: on ``TEST_REDIS_URL`` when set, and on the local server at
127.0.0.1:6379 db 7 (skipped only when that server cannot be reached). Keys are prefixed
per test and deleted afterwards, so nothing else in those databases is touched.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from bot.ratelimit import NOTICE_SECONDS, MemoryLimiter, Rate, RedisLimiter, make_limiter
from config import load_settings

LOCAL_REDIS = "redis://127.0.0.1:6379/7"


class Ticks:
    """A clock for the limiter: seconds, moved by hand."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t


def _redis_urls() -> list[object]:
    import os

    urls: list[object] = [pytest.param(LOCAL_REDIS, id="local-db7")]
    if os.environ.get("TEST_REDIS_URL"):
        urls.insert(0, pytest.param(os.environ["TEST_REDIS_URL"], id="TEST_REDIS_URL"))
    return urls


@pytest.fixture(params=["memory", *_redis_urls()])
def make(request) -> Iterator:  # type: ignore[no-untyped-def]
    """A factory of limiters of one kind over a :class:`Ticks` clock."""
    if request.param == "memory":
        yield lambda rate, clock: MemoryLimiter(rate, clock)
        return
    client = redis.Redis.from_url(request.param, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        client.close()
        pytest.skip(f"Redis unreachable at {request.param}")
    prefix = f"wgt:test-rl:{uuid.uuid4().hex[:8]}:"
    yield lambda rate, clock: RedisLimiter(client, rate, clock, prefix=prefix)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def test_burst_then_one_notice_then_silence_then_refill(make) -> None:
    clock = Ticks()
    limiter = make(Rate(per_minute=6, burst=3), clock)  # one every 10 s after 3 at once
    assert [limiter.hit("official:o-a").allowed for _ in range(3)] == [True, True, True]
    over = limiter.hit("official:o-a")
    assert not over.allowed and over.notify and 9.9 <= over.retry_after <= 10.0
    quiet = limiter.hit("official:o-a")
    assert not quiet.allowed and not quiet.notify
    assert limiter.hit("official:o-b").allowed  # another sender is not held up

    clock.t += 10  # one token back
    assert limiter.hit("official:o-a").allowed
    again = limiter.hit("official:o-a")
    assert not again.allowed and not again.notify  # told less than a minute ago

    clock.t += NOTICE_SECONDS  # a minute later the bucket is full and the notice may repeat
    assert [limiter.hit("official:o-a").allowed for _ in range(3)] == [True, True, True]
    assert limiter.hit("official:o-a").notify


def test_steady_rate_is_never_refused(make) -> None:
    clock = Ticks()
    limiter = make(Rate(per_minute=30, burst=2), clock)
    for _ in range(40):  # exactly the allowed pace: one every 2 s
        assert limiter.hit("official:o-steady").allowed
        clock.t += 2


def test_concurrent_hits_allow_exactly_the_burst(make) -> None:
    clock = Ticks()
    limiter = make(Rate(per_minute=1, burst=5), clock)
    results: list[bool] = []
    lock = threading.Lock()

    def fire() -> None:
        for _ in range(5):
            ok = limiter.hit("official:o-race").allowed
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=fire) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 40 and results.count(True) == 5


def test_redis_keys_expire_by_themselves() -> None:
    client = redis.Redis.from_url(LOCAL_REDIS, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis unreachable at 127.0.0.1:6379")
    prefix = f"wgt:test-rl:{uuid.uuid4().hex[:8]}:"
    limiter = RedisLimiter(client, Rate(per_minute=60, burst=2), Ticks(), prefix=prefix)
    try:
        for _ in range(3):
            limiter.hit("official:o-ttl")
        ttls = {k.decode(): client.pttl(k) for k in client.scan_iter(f"{prefix}*")}
        assert set(ttls) == {f"{prefix}tat:official:o-ttl", f"{prefix}told:official:o-ttl"}
        assert 0 < ttls[f"{prefix}tat:official:o-ttl"] <= 2_001  # two tokens owed: 2 s
        assert 59_000 < ttls[f"{prefix}told:official:o-ttl"] <= 60_000
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


def test_redis_down_fails_open_with_one_warning(caplog) -> None:
    client = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_timeout=0.2,
                                  socket_connect_timeout=0.2)
    limiter = RedisLimiter(client, Rate(per_minute=1, burst=1), Ticks())
    with caplog.at_level(logging.WARNING, logger="bot.ratelimit"):
        assert all(limiter.hit("official:o-x").allowed for _ in range(5))
    warnings = [r for r in caplog.records if r.name == "bot.ratelimit"]
    assert len(warnings) == 1 and "Redis unreachable" in warnings[0].getMessage()


def test_settings_choose_the_limiter() -> None:
    base = load_settings({}, dotenv=False)
    assert isinstance(make_limiter(base), MemoryLimiter)
    assert isinstance(make_limiter(base.with_overrides(REDIS_URL=LOCAL_REDIS)), RedisLimiter)
    assert make_limiter(base.with_overrides(RATE_LIMIT_PER_MINUTE=0)) is None
    env = load_settings({"RATE_LIMIT_PER_MINUTE": "7", "RATE_LIMIT_BURST": "2"}, dotenv=False)
    assert (env.RATE_LIMIT_PER_MINUTE, env.RATE_LIMIT_BURST) == (7, 2)


def test_retries_of_one_message_count_once_and_keep_their_decision(make) -> None:
    clock = Ticks()
    limiter = make(Rate(per_minute=1, burst=2), clock)
    for _ in range(4):  # WeChat delivers a message up to four times: counted once
        assert limiter.hit("official:o-r", "official:msg:1").allowed
    assert limiter.hit("official:o-r", "official:msg:2").allowed
    refused = limiter.hit("official:o-r", "official:msg:3")
    assert not refused.allowed and refused.notify
    again = limiter.hit("official:o-r", "official:msg:3")  # its retry: same answer, no new notice
    assert not again.allowed and not again.notify
    clock.t += 60  # a new message after the bucket refilled
    assert limiter.hit("official:o-r", "official:msg:4").allowed


def test_in_process_table_stays_bounded_and_cheap() -> None:
    from bot.ratelimit import MAX_MEMORY_KEYS

    clock = Ticks()
    limiter = MemoryLimiter(Rate(per_minute=20, burst=12), clock)
    started = time.perf_counter()
    for i in range(5 * MAX_MEMORY_KEYS):  # many senders and messages inside one minute
        limiter.hit(f"official:o{i % 3000}", f"official:msg:{i}")
    per_hit = (time.perf_counter() - started) / (5 * MAX_MEMORY_KEYS)
    assert len(limiter._tat) + len(limiter._seen) <= MAX_MEMORY_KEYS + 1
    assert per_hit < 100e-6, f"{per_hit * 1e6:.0f} µs a hit"  # a few µs; pruning is amortised
