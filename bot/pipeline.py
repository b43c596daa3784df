"""One delivery's way through (消息处理流水线): dedup → state → handler → one transaction.

The inbound row (unique per channel + MsgId) is written in the same transaction as the
case change it causes, so a retried delivery can never make a second case; the Redis
mark in front of it only saves work. A handler's refusal or crash rolls back what the
handler did: the inbound row and its reply are then the transaction's only write.
Classification runs before the transaction opens.
"""

from __future__ import annotations

import contextlib
import logging
import time

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import InterfaceError as SAInterfaceError

from bot.context import BotContext
from bot.conversation import Conversation, conversation_key
from bot.inbound import Inbound
from bot.nlp import Classification, classify
from bot.nlp.similarity import prime as prime_similarity
from bot.router import first_word
from bot.store import Store, StoreUnavailable
from core.cases.models import Case
from core.db import recall
from core.errors import CoreError
from core.inbound import InboundMessage, stored_reply
from core.prepared import Prepared
from core.uow import UnitOfWork

log = logging.getLogger(__name__)
FALLBACK = "抱歉，系统开小差了，您的消息已记录，我们会尽快处理。紧急情况请拨打 110/119/120。"
MARK_TTL = 600  # how long a finished delivery's reply is kept for retries
PENDING_TTL = 30  # a delivery in progress; a worker that died frees it this soon
WAIT_SECONDS = 3.0


def _case_id(uow: UnitOfWork, code: str) -> int | None:
    """The id of the case a handler touched: known when the case was made in this
    transaction, else one indexed lookup of one column (not a reload of the case)."""
    code = code.strip().upper()
    made = recall(uow.session, "new_case", code)
    if made is not None:
        return made.id
    return _CASE_ID.scalar(uow.session, {"code": code})


_CASE_ID = Prepared(select(Case.id).where(Case.code == bindparam("code")))
_INSERT_INBOUND = Prepared(insert(InboundMessage.__table__))  # values given at execution


class Unavailable(RuntimeError):
    """The database cannot be reached: answer non-200 so WeChat retries later."""


class Pipeline:
    def __init__(self, runtime, store: Store, route) -> None:  # type: ignore[no-untyped-def]
        self.runtime, self.store, self.route = runtime, store, route
        self.wait_seconds = WAIT_SECONDS

    def handle(self, inbound: Inbound) -> str:
        mark = f"dedup:{inbound.channel}:{inbound.dedup_key}"
        state: dict[str, str] | None = None  # the sender's conversation, read with the claim
        try:
            fresh: bool | None
            fresh, state = self.store.set_nx_get_map(
                mark, "pending", PENDING_TTL, conversation_key(inbound.channel, inbound.sender))
        except StoreUnavailable:
            fresh = None  # Redis down: the database key alone decides
        if fresh is False:
            state = None  # read again after the wait
            waited = self._wait_for_reply(inbound)
            if waited is not None:
                return waited
            # the first delivery left no trace (its worker died): this one does the work;
            # the database key still stops a second case
        try:
            reply, conversation = self._process(inbound, state)
        except IntegrityError as exc:
            done = self._reply_of_duplicate(inbound)
            if done is None:  # not a duplicate delivery: some other conflict — let WeChat retry
                self._forget(mark)
                raise Unavailable("conflict") from exc
            return done
        except (OperationalError, SAInterfaceError) as exc:
            self._forget(mark)
            raise Unavailable(str(exc.__class__.__name__)) from exc
        # once committed: what the handler changed in the conversation, the reply for retries
        # and the done mark — one round trip
        with contextlib.suppress(StoreUnavailable):
            self.store.set_many({f"reply:{inbound.channel}:{inbound.dedup_key}": reply,
                                 mark: "done"}, MARK_TTL, conversation.changes())
        return reply

    def _process(self, inbound: Inbound, state: dict[str, str] | None = None) -> tuple[str, Conversation]:
        classification = self._understand(inbound)
        conversation = Conversation(self.store, inbound.channel, inbound.sender, deferred=True,
                                    loaded=state)
        return self._transaction(inbound, conversation, classification), conversation

    def _transaction(self, inbound: Inbound, conversation: Conversation,
                     classification: Classification | None) -> str:
        with UnitOfWork(self.runtime.env) as uow:
            ctx = BotContext(uow=uow, conversation=conversation, settings=self.runtime.settings,
                             inbound=inbound, classification=classification)
            try:
                reply = self.route(inbound, ctx)
                uow.session.flush()  # writes the handler left pending fail here, as its own
            except CoreError as exc:
                uow.session.rollback()
                reply = str(exc)
            except (OperationalError, SAInterfaceError, IntegrityError):
                raise  # outage, or a race with a concurrent transaction: handle() decides
            except Exception:
                log.exception("handler failed for %s %s", inbound.channel, inbound.msg_type)
                uow.session.rollback()
                reply = FALLBACK
            case_id = _case_id(uow, ctx.case_code) if ctx.case_code else None
            # Last, in the same transaction: the unique key makes a second delivery fail here
            # (IntegrityError, everything rolled back) — after a refusal or a crash the
            # handler's writes are gone and only this row and its reply are committed.
            _INSERT_INBOUND.execute(uow.session, {
                "channel": inbound.channel, "dedup_key": inbound.dedup_key, "sender": inbound.sender,
                "msg_type": inbound.msg_type, "content": inbound.text[:4000],
                "media_id": inbound.media_id, "received_at": uow.now(), "reply": reply,
                "case_id": case_id})
            return reply

    def _understand(self, inbound: Inbound) -> Classification | None:
        """A resident's words are classified before the transaction opens (CPU outside the
        database's write lock); the router takes it from ``ctx.classification``. For a report,
        the similarity features of the text are computed here too, for the duplicate check."""
        if inbound.channel != "official" or inbound.is_event or not inbound.text.strip() \
                or inbound.msg_type not in ("text", "voice") or first_word(inbound.text)[0]:
            return None  # not words to classify, or a command (查询, 绑定, 评价 …)
        c = classify(inbound.text)
        if c.intent == "report":
            prime_similarity(inbound.text, c)  # the duplicate check's features, from this classification
        return c

    def _reply_of_duplicate(self, inbound: Inbound) -> str | None:
        """The reply stored with the first delivery; None when there was none."""
        with UnitOfWork(self.runtime.env) as uow:
            return stored_reply(uow.session, inbound.channel, inbound.dedup_key)

    def _wait_for_reply(self, inbound: Inbound) -> str | None:
        """A retry while the first delivery is still working: give the same answer, or None
        when the first left nothing behind."""
        key = f"reply:{inbound.channel}:{inbound.dedup_key}"
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            try:
                reply = self.store.get(key)
            except StoreUnavailable:
                break
            if reply is not None:
                return reply
            time.sleep(0.05)
        return self._reply_of_duplicate(inbound)

    def _forget(self, mark: str) -> None:
        with contextlib.suppress(StoreUnavailable):
            self.store.delete(mark)
