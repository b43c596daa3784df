"""WeChat retries: three concurrent deliveries of one message → one case, one reply each.

Runs on SQLite + in-process store, and on PostgreSQL + Redis when TEST_DATABASE_URL and
TEST_REDIS_URL are set (as CI does); the Redis-down case falls back to the database key.
"""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select

from core.cases.models import Case
from core.inbound import InboundMessage

pytestmark = pytest.mark.usefixtures("town")


def _deliver_concurrently(url: str, query: str, body: bytes, times: int = 3) -> list[requests.Response]:
    barrier = threading.Barrier(times)
    results: list[requests.Response] = []
    lock = threading.Lock()

    def post() -> None:
        barrier.wait(timeout=10)
        resp = requests.post(f"{url}?{query}", data=body, timeout=10)
        with lock:
            results.append(resp)

    threads = [threading.Thread(target=post) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    return results


def _counts(uow) -> tuple[int, int]:
    with uow() as tx:
        return (tx.session.scalar(select(func.count(Case.id))),
                tx.session.scalar(select(func.count(InboundMessage.id))))


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "aes"])
def test_three_concurrent_retries_make_one_case(live_server, official, clock, uow, safe):
    ts = int(clock.now().timestamp())
    fields = official.text("o-dup", "阳光花园3栋楼下垃圾桶满了好几天没人清", 88_000_001, ts)
    query, body = (official.safe if safe else official.plain)(fields, ts)
    results = _deliver_concurrently(f"{live_server}/wechat/official", query, body)
    assert [r.status_code for r in results] == [200, 200, 200]
    replies = {official.reply_text(r.content) for r in results}
    assert len(replies) == 1 and "GR20261126" in replies.pop()
    assert _counts(uow) == (1, 1)


def test_later_retry_gets_the_same_reply(client, resident_chat, uow):
    chat = resident_chat("o-late")
    fields = chat.signer.text("o-late", "阳光花园5栋楼下垃圾桶满了三天没人清运", 88_000_002,
                              int(chat.clock.now().timestamp()))
    first = chat.post(fields)
    chat.clock.advance(seconds=5)
    second = chat.post(fields)
    assert first == second and first[0] == 200
    assert _counts(uow) == (1, 1)


def test_store_down_falls_back_to_database_key(app, resident_chat, uow):
    from bot.store import StoreUnavailable

    class DownStore:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise StoreUnavailable("down")
            return fail

    rt = app.extensions["wanggetong"]
    rt.store = rt.pipeline.store = DownStore()
    chat = resident_chat("o-down")
    fields = chat.signer.text("o-down", "阳光花园1栋楼道里堆满杂物", 88_000_003,
                              int(chat.clock.now().timestamp()))
    first, second = chat.post(fields), chat.post(fields)
    assert first[0] == second[0] == 200 and first == second and "GR" in first[1]
    assert _counts(uow) == (1, 1)


def test_a_delivery_whose_worker_died_is_processed_by_the_retry(app, resident_chat, uow):
    """The first delivery set its mark and died: the retry waits, finds nothing, does the work."""
    chat = resident_chat("o-died")
    fields = chat.signer.text("o-died", "阳光花园1栋楼下垃圾桶满了三天没人清运", 88_000_004,
                              int(chat.clock.now().timestamp()))
    rt = app.extensions["wanggetong"]
    rt.store.set_nx("dedup:official:msg:88000004", "pending", 30)  # the dead worker's mark
    rt.pipeline.wait_seconds = 0.2
    status, reply = chat.post(fields)
    assert status == 200 and "GR" in reply
    assert _counts(uow) == (1, 1)
    assert chat.post(fields) == (status, reply)  # and a later retry gets the same answer
