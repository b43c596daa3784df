"""Fault 3: the WeChat / WeCom API misbehaves while the outbox delivers (SPEC §6): token
rejected or expired (40001/42001, and the token endpoint itself answering 500), the
customer-service window closed or full (45015/45047 → template), quota (45009 → back off),
busy (-1), bare 5xx, connections dropped, answers slower than the client's 3 s timeout,
recipients gone (43004 unsubscribed, 40003 bad openid, 81013 left the corp).

The real worker and wechatpy clients talk to the loopback fake; the injected clock jumps to
each next retry so backoffs take no wall time. Then: every retryable row is sent, every
other row is a dead letter with its reason, tokens were refreshed, and the fake counts
each message's deliveries — once, except where the fake accepted a message after the
client had given up on the answer (the one case no sender can tell from a loss).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.devtools.fakewechat import CUSTOM_SEND, TEMPLATE_SEND, TOKEN, WECOM_SEND
from bot.outbox_worker import OutboxWorker
from bot.wechat import build_clients
from bot.wechat.clients import DEFAULT_TIMEOUT
from bot.wechat.notifier import Notifier
from core.cases.resident import touch_resident
from core.delivery import DeliveryPolicy
from core.outbox import Notification, OutboxStatus, enqueue
from core.registry.models import Resident

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("town")]
MAX_ATTEMPTS = 5


def _queue(uow, clock) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Rows for residents with an open window, residents without one, and staff; each body
    carries a marker. Returns row id → marker."""
    plan = ([("official", f"o-f3-open-{i}", True) for i in range(10)]
            + [("official", f"o-f3-closed-{i}", False) for i in range(5)]
            + [("wecom", f"f3-staff-{i}", False) for i in range(14)]
            + [("official", "o-f3-unsubscribed", True), ("official", "o-f3-bad-openid", True),
               ("wecom", "f3-left-corp", False), ("wecom", "f3-always-busy", False)])
    made: dict[int, str] = {}
    with uow() as tx:
        for _, recipient, window in plan:
            if window:
                touch_resident(tx, recipient)
        for n, (channel, recipient, _) in enumerate(plan):
            marker = f"[F3-{n:02d}]"
            row = enqueue(tx.session, dedup_key=f"fault3:{n}", channel=channel, recipient=recipient,
                          kind="notice", title="进度通知", body=f"您反映的问题有新进展 {marker}",
                          now=clock.now())
            tx.session.flush()
            made[row.id] = marker
    return made


def test_every_wechat_error_is_retried_or_dead_lettered_nothing_lost_nothing_twice(
        env, settings, clock, uow, fake, tmp_path, report):
    rows = _queue(uow, clock)
    fake.unsubscribe("o-f3-unsubscribed")
    fake.remove_wecom_user("f3-left-corp")
    fake.fail_recipient("o-f3-bad-openid", 40003)
    fake.fail_recipient("f3-always-busy", -1)
    slow = f"slow:{DEFAULT_TIMEOUT + 1:g}"  # past the client's timeout
    plans = {  # one step per call to that path, in order (see FakeWeChat.plan)
        CUSTOM_SEND: ["err:40001", "ok", "err:45015", "err:45047", "http:503", f"{slow}+http:504",
                      "ok", "err:-1", "drop", "ok", "err:42001"],
        TEMPLATE_SEND: ["err:45009", "ok", "http:500"],
        WECOM_SEND: ["err:42001", "ok", "err:-1", "http:502", "drop", slow, "err:45033",
                     "http:502", "err:-1", "ok", "err:40014"],
    }
    for path, steps in plans.items():
        fake.plan(path, *steps)
    clients = build_clients(settings)
    notifier = Notifier(clients, templates={"*": "TPL-FAULTS-0001"}, media_dir=tmp_path / "media")
    policy = DeliveryPolicy(max_attempts=MAX_ATTEMPTS, backoff_base=30, lease=120, batch_size=10)
    worker = OutboxWorker(env, notifier, media_dir=tmp_path / "media", policy=policy)
    start, passes, expired = clock.now(), 0, False
    try:
        while passes < 60:
            passes += 1
            worker.run_once()
            if not expired and not any(fake.planned(p) for p in plans):
                expired = True  # every token issued so far expires; the token endpoint
                fake.expire_tokens()  # then fails once
                fake.fail_http(TOKEN, 500)
            with uow() as tx:
                due = tx.session.scalars(select(Notification.next_attempt_at).where(
                    Notification.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))).all()
            if not due:
                break
            clock.set(max(clock.now(), min(due)) + timedelta(seconds=1))
    finally:
        clients.close()

    with uow() as tx:
        final = {r.id: r for r in tx.session.scalars(select(Notification).where(
            Notification.id.in_(list(rows))))}
    assert fake.wait_idle(), "the fake is still answering"
    delivered = fake.delivered()
    per_marker: Counter[str] = Counter()
    for (_, text), times in delivered.items():
        for marker in rows.values():
            if marker in text:
                per_marker[marker] += times
    late_accepts = [c for c in fake.calls if c.delayed > DEFAULT_TIMEOUT and c.status == 200
                    and isinstance(c.response, dict) and c.response.get("errcode") == 0]
    dead = {final[i].recipient: final[i].last_error for i in final if final[i].status == OutboxStatus.DEAD}
    sent = [i for i in final if final[i].status == OutboxStatus.SENT]
    twice = {m: n for m, n in per_marker.items() if n > 1}
    never = [rows[i] for i in sent if per_marker[rows[i]] == 0]
    report(f"{len(rows)} outbox rows (custom, template and WeCom); injected per call: "
           + "; ".join(f"{path.rsplit('/', 2)[-2]}/{path.rsplit('/', 1)[-1]}: {', '.join(steps)}"
                       for path, steps in plans.items())
           + "; then all tokens expired and the token endpoint answered 500 once; recipients "
             "unsubscribed (43004), bad openid (40003), left the corp (81013), always busy (-1)")
    report(f"{passes} passes over {(clock.now() - start).total_seconds() / 60:.0f} simulated minutes; "
           f"{len(sent)} sent, {len(dead)} dead letters: "
           + "; ".join(f"{who}: {why}" for who, why in sorted(dead.items())))
    report(f"token fetches: official {fake.official_token_fetches}, wecom {fake.wecom_token_fetches}; "
           f"{len(fake.calls)} API calls; templates used {len(fake.sent_templates())}")
    report(f"deliveries counted at the fake: {sum(per_marker.values())} for {len(sent)} sent rows; "
           f"sent rows never delivered: {len(never)}; delivered twice: {twice or 'none'} "
           f"(answers accepted after the client's {DEFAULT_TIMEOUT:.0f} s timeout: {len(late_accepts)})")

    assert not [p for p in plans if fake.planned(p)], "a planned failure was never met"
    assert set(dead) == {"o-f3-unsubscribed", "o-f3-bad-openid", "f3-left-corp", "f3-always-busy"}
    assert f"gave up after {MAX_ATTEMPTS} tries" in dead["f3-always-busy"]
    assert len(sent) == len(rows) - 4 and not never
    assert len(twice) == len(late_accepts) == 1 and set(twice.values()) == {2}
    assert not [m for m in per_marker if m not in {rows[i] for i in sent}]  # dead rows never arrived
    assert fake.official_token_fetches >= 2 and fake.wecom_token_fetches >= 2
    assert len(fake.sent_templates()) >= 5  # the residents whose window was closed
    sends = [c for c in fake.calls if c.path in (CUSTOM_SEND, TEMPLATE_SEND)]
    for i, call in enumerate(sends):  # a full or closed window: a template in the same attempt
        answer = call.response if isinstance(call.response, dict) else {}
        if call.path == CUSTOM_SEND and answer.get("errcode") in (45015, 45047):
            assert sends[i + 1].path == TEMPLATE_SEND and sends[i + 1].json["touser"] == call.json["touser"]
    with uow() as tx:  # 43004 is remembered: no more pushes are tried for that resident
        assert tx.session.scalar(select(Resident.subscribed).where(
            Resident.openid == "o-f3-unsubscribed")) is False
