"""A Redis that accepts connections and never answers (a frozen server, a blackholed route):
the request path gives up within about a second and then stops asking for a while (熔断)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bot.ratelimit import Rate, RedisLimiter
from bot.store import RedisStore, StoreUnavailable, quick_redis


@pytest.fixture
def hung_redis() -> Iterator[tuple[str, list[socket.socket]]]:
    """A listening socket that accepts and never replies; yields its URL and the connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    server.close()
    for conn in accepted:
        conn.close()


def test_a_hung_redis_costs_one_timeout_then_the_store_rests(hung_redis) -> None:
    url, accepted = hung_redis
    store = RedisStore(url)
    started = time.monotonic()
    for _ in range(20):  # a report makes about five calls; four reports' worth
        with pytest.raises(StoreUnavailable):
            store.get("wgt:x")
    assert len(accepted) <= 2  # one call and its single retry; redis-py's default made 11
    assert time.monotonic() - started < 4.5  # under WeChat's 5 s even with one retry on a loaded box


def test_the_rate_limit_lets_messages_through_without_asking_a_hung_redis(hung_redis) -> None:
    url, accepted = hung_redis
    limiter = RedisLimiter(quick_redis(url, 0.2), Rate(per_minute=1, burst=1))
    assert all(limiter.hit(f"official:o-{i}").allowed for i in range(50))  # fails open
    assert len(accepted) <= 2  # asked once (and one immediate retry), then resting
    limiter.cool_down.seconds = 0.0
    limiter.cool_down.failed()  # a zero cool-down is over at once: Redis is asked again
    before = len(accepted)
    assert limiter.hit("official:o-late").allowed
    assert len(accepted) > before
