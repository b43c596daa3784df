"""The delivery worker (投递进程): claims due outbox rows and hands them to the Notifier.

Residents get a customer-service message while their 48 h window is open and under its cap,
else a template; staff get WeCom app messages through the per-member throttle; ``job`` rows
(``fetch_media``) download a photo into ``MEDIA_DIR``. Each row is claimed, tried once per
pass, and its outcome written in its own short transaction. One log line per delivery,
with the recipient cut short and no token or secret.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from bot.wechat.errors import MediaError, Outcome
from bot.wechat.results import SendResult
from core import delivery, service_window
from core.clock import Clock
from core.delivery import Claim, DeliveryPolicy, Random
from core.outbox import OutboxStatus
from core.uow import Env

log = logging.getLogger("wanggetong.outbox")
QUOTA_ERRCODES = frozenset({45009, 45011})  # 接口调用超过限制: the whole channel backs off
UNSUBSCRIBED = 43004


class Sender(Protocol):
    """What the worker needs of :class:`bot.wechat.Notifier`."""

    def send(self, n: Any, *, window_open: bool = True) -> SendResult: ...

    def fetch_media(self, channel: str, media_id: str, dest_dir: str | Path | None = None) -> Path: ...


def short(recipient: str) -> str:
    return recipient if len(recipient) <= 6 else f"{recipient[:6]}…"


class OutboxWorker:
    """One worker; several may run at once (PostgreSQL), each with its own sessions."""

    def __init__(self, env: Env, notifier: Sender, *, media_dir: str | Path,
                 policy: DeliveryPolicy | None = None, clock: Clock | None = None,
                 rng: Random | None = None, name: str = "outbox") -> None:
        self.env, self.notifier, self.media_dir = env, notifier, Path(media_dir)
        self.policy = policy or DeliveryPolicy()
        self.clock = clock or env.clock
        self.rng = rng or random.Random().random
        self.name = name
        self.paused: dict[str, datetime] = {}  # channel → quota back-off end
        self.stop = threading.Event()
        self.stats: Counter[str] = Counter()

    def run_once(self) -> Counter[str]:
        """Deliver everything due at the clock's present reading, then return the tally."""
        due_by = self.clock.now()
        while not self.stop.is_set() and self.run_pass(due_by):
            pass
        return self.stats

    def run_forever(self, interval: float = 1.0) -> None:
        """Poll until :attr:`stop` is set (SIGTERM); a full batch polls again at once."""
        log.info("%s: started (every %.1f s, batch %d)", self.name, interval, self.policy.batch_size)
        while not self.stop.is_set():
            try:
                full = self.run_pass(self.clock.now()) >= self.policy.batch_size
            except Exception:  # the database went away: keep the process, try again later
                log.exception("%s: pass failed", self.name)
                full = False
            if not full:
                self.stop.wait(interval)
        log.info("%s: stopped", self.name)

    def run_pass(self, due_by: datetime) -> int:
        """Claim one batch and deliver it; the number of rows claimed."""
        now = self.clock.now()
        skip = [ch for ch in self.paused if self._paused(ch)]
        with self.env.session_factory.begin() as session:
            claims = delivery.claim_due(session, now, self.policy, due_by=due_by, skip_channels=skip)
        started = time.monotonic()
        for i, claim in enumerate(claims):
            late = time.monotonic() - started > self.policy.lease / 2
            if self.stop.is_set() or late or self._paused(claim.channel):
                self._release(claims[i:])
                break
            self.deliver(claim)
        return len(claims)

    def _paused(self, channel: str) -> bool:
        """True while ``channel`` backs off after a quota error (45009)."""
        return channel in self.paused and self.paused[channel] > self.clock.now()

    def _release(self, claims: list[Claim]) -> None:
        now = self.clock.now()
        with self.env.session_factory.begin() as session:
            for claim in claims:
                at = max(now, self.paused.get(claim.channel, now))
                delivery.release(session, [claim], at)

    def deliver(self, claim: Claim) -> str:
        """Try one claimed row and record what happened; the row's new status."""
        try:
            if claim.channel == "job":
                return self._job(claim)
            return self._push(claim)
        except Exception as exc:  # a bug or an outage must not lose the row
            log.exception("%s: #%d failed unexpectedly", self.name, claim.id)
            return self._retry(claim, f"worker error ({type(exc).__name__})")

    def _push(self, claim: Claim) -> str:
        window_open, subscribed = False, True
        if claim.channel == "official":
            with self.env.session_factory() as session:
                resident = service_window.find_resident(session, claim.recipient)
                subscribed = resident is None or resident.subscribed
                window_open = service_window.is_open(resident, self.clock.now())
        if not subscribed:
            return self._dead(claim, "resident unsubscribed (取消关注), not sent")
        result = self.notifier.send(claim, window_open=window_open)
        if result.outcome is Outcome.OK:
            return self._sent(claim, result.via, window_open=window_open)
        if result.outcome is Outcome.GIVE_UP:
            return self._dead(claim, result.reason or "gave up", errcode=result.errcode)
        return self._retry(claim, result.reason or "retry", errcode=result.errcode)

    def _job(self, claim: Claim) -> str:
        if claim.kind != "fetch_media":
            return self._dead(claim, f"unknown job {claim.kind!r}")
        source, media_id = claim.data.get("source", ""), claim.data.get("media_id", "")
        try:
            path = self.notifier.fetch_media(source, media_id, self.media_dir)
        except MediaError as exc:
            return self._retry(claim, str(exc))
        return self._sent(claim, "media", data={**claim.data, "path": str(path)})

    def _sent(self, claim: Claim, via: str, *, window_open: bool = False,
              data: dict[str, Any] | None = None) -> str:
        with self.env.session_factory.begin() as session:
            ours = delivery.mark_sent(session, claim, self.clock.now(), data=data)
            if ours and claim.channel == "official" and via == "custom":
                service_window.count_custom_message(session, claim.recipient)
            elif ours and claim.channel == "official" and via == "template" and window_open:
                service_window.close_window(session, claim.recipient)
        return self._log(claim, OutboxStatus.SENT, via)

    def _dead(self, claim: Claim, reason: str, errcode: int | None = None) -> str:
        with self.env.session_factory.begin() as session:
            delivery.mark_dead(session, claim, self.clock.now(), reason)
            if errcode == UNSUBSCRIBED and claim.channel == "official":
                service_window.mark_unsubscribed(session, claim.recipient)
        return self._log(claim, OutboxStatus.DEAD, reason)

    def _retry(self, claim: Claim, reason: str, errcode: int | None = None) -> str:
        now = self.clock.now()
        with self.env.session_factory.begin() as session:
            status, at = delivery.mark_retry(session, claim, now, reason, self.policy, self.rng)
        if errcode in QUOTA_ERRCODES:
            self.paused[claim.channel] = max(at, self.paused.get(claim.channel, now))
        return self._log(claim, status, f"{reason}; next try {at:%m-%d %H:%M:%S}"
                         if status == OutboxStatus.PENDING else reason)

    def _log(self, claim: Claim, status: str, detail: str) -> str:
        self.stats[status] += 1
        level = logging.INFO if status == OutboxStatus.SENT else logging.WARNING
        log.log(level, "%s: #%d %s %s→%s try %d: %s (%s)", self.name, claim.id, claim.kind,
                claim.channel, short(claim.recipient), claim.attempts, status, detail)
        return status
