"""Fault 1: Redis dies in the middle of a burst of signed report callbacks, comes back empty,
and later hangs (SIGSTOP) for a while.

Dedup then rests on the database key (inbound_messages: channel + MsgId, written in the
report's own transaction): no second case for any retry, every answer a 200 with the reply
(SPEC §7: never a 500), and once Redis is back its dedup marks are written again.
"""

from __future__ import annotations

import os
import random
import signal

import pytest
import redis

from tests.faults.checks import ledger
from tests.faults.traffic import Tally, Timeline, messages, post, report_texts, spread, storm

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("town")]


def test_redis_killed_during_a_burst_then_back_then_hung(settings, private_redis, gunicorn, report):
    server = gunicorn(settings.with_overrides(REDIS_URL=private_redis.url), workers=2)
    texts = report_texts(100, settings.NLP_CONFIDENCE_THRESHOLD)
    burst = messages("o-redis-", texts[:60], 20)
    after = messages("o-redis-after-", texts[60:80], 20)
    frozen = messages("o-redis-frozen-", texts[80:], 20)
    tally, rng = Tally(), random.Random(1)

    def kill_redis() -> None:
        private_redis.kill()

    def restart_redis() -> None:
        private_redis.start()

    timeline = Timeline([(3.0, kill_redis), (6.5, restart_redis)])
    timeline.start()
    spread(burst, 10.0, lambda m: storm(server.url, m, tally, rng), workers=16)
    steps = timeline.finish()
    during = len(tally.answers)

    # WeChat's late retries of every message: the new Redis has none of the old marks
    spread(burst, 2.0, lambda m: tally.add(post(server.url, m.sender, m.text, m.msg_id)), workers=8)
    # things work again: new reports, and their dedup marks are back in Redis
    after_tally = Tally()
    spread(after, 2.0, lambda m: storm(server.url, m, after_tally, rng), workers=8)
    client = redis.Redis.from_url(private_redis.url)
    marks = [k for k in client.scan_iter("wgt:dedup:official:*")]
    after_marks = [client.get(f"wgt:dedup:official:msg:{m.msg_id}") for m in after]
    client.close()

    # Redis hangs (a stopped process: connections open, no answer) while reports come in
    frozen_tally = Tally()
    assert private_redis.proc is not None
    os.kill(private_redis.proc.pid, signal.SIGSTOP)
    try:
        spread(frozen, 3.0, lambda m: storm(server.url, m, frozen_tally, rng), workers=8)
    finally:
        os.kill(private_redis.proc.pid, signal.SIGCONT)

    found = ledger(settings.DATABASE_URL, "o-redis-")
    statuses = tally.statuses() + after_tally.statuses() + frozen_tally.statuses()
    replies = {**tally.by_message(), **after_tally.by_message(), **frozen_tally.by_message()}
    differing = [mid for mid, tries in replies.items()
                 if len({a.reply for a in tries if a.status == 200}) > 1]
    without_code = [mid for mid, tries in replies.items() if not any(a.code for a in tries)]
    report(f"{len(burst)} reports (3 tries each) over 10 s; Redis SIGKILLed at {steps[0][0]:.1f} s, "
           f"a new empty Redis on the same port at {steps[1][0]:.1f} s; {during} requests, then "
           f"{len(burst)} late retries")
    report(f"after Redis came back: {len(after)} new reports, {len(marks)} dedup marks in the new "
           f"Redis; then Redis frozen (SIGSTOP) during {len(frozen)} more reports: slowest answer "
           f"{frozen_tally.slowest():.2f} s (WeChat waits 5 s)")
    report(f"HTTP statuses {dict(sorted(statuses.items()))}; slowest answer while killed/restarted "
           f"{tally.slowest():.2f} s")
    report(f"database: {found.line()}; messages whose tries got different replies: "
           f"{len(differing)}, without a case code: {len(without_code)}")
    total = len(burst) + len(after) + len(frozen)
    report(f"lost: {total - found.cases} reports; double cases: {found.messages - found.distinct_cases}")

    assert statuses == {200: sum(statuses.values())}, statuses
    assert found.cases == found.messages == total and found.whole(), found.line()
    assert not differing and not without_code
    assert after_marks == [b"done"] * len(after), after_marks
    server.stop()
    assert "Traceback" not in server.log(), server.log()[-3000:]
