"""What the database holds after a fault (台账核对): every message one case, every case whole.

"Whole" means what the one transaction of a report writes: the inbound row linked to its
case, the case's ledger events (at least the report), and — for a case the bot accepted and
dispatched itself — its outbox rows. A half-written report would show as a case without
events, a dispatched case without pushes, or an inbound row without its case.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from core.db import make_engine


@dataclass(frozen=True)
class Ledger:
    messages: int  # inbound rows of the senders looked at
    linked: int  # of those, pointing at a case
    distinct_cases: int  # distinct cases they point at
    cases: int  # cases reported by those senders
    without_events: int  # cases with no ledger event
    dispatched_without_push: int  # accepted/dispatched cases with no outbox row
    codes: frozenset[str]

    def whole(self) -> bool:
        return (self.messages == self.linked == self.distinct_cases == self.cases
                and self.without_events == 0 and self.dispatched_without_push == 0)

    def line(self) -> str:
        return (f"{self.messages} messages stored, {self.cases} cases, {self.linked} linked "
                f"({self.distinct_cases} distinct), {self.without_events} cases without ledger "
                f"events, {self.dispatched_without_push} dispatched cases without outbox rows")


def ledger(database_url: str, sender_prefix: str) -> Ledger:
    """The ledger of every message and case of senders whose openid starts with the prefix."""
    like = sender_prefix + "%"
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            def one(sql: str) -> int:
                return int(conn.execute(text(sql), {"p": like}).scalar() or 0)

            messages = one("SELECT count(*) FROM inbound_messages WHERE sender LIKE :p")
            linked = one("SELECT count(case_id) FROM inbound_messages WHERE sender LIKE :p")
            distinct = one("SELECT count(DISTINCT case_id) FROM inbound_messages WHERE sender LIKE :p")
            cases = one("SELECT count(*) FROM cases WHERE reporter_openid LIKE :p")
            no_events = one("SELECT count(*) FROM cases c WHERE c.reporter_openid LIKE :p AND NOT "
                            "EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)")
            no_push = one("SELECT count(*) FROM cases c WHERE c.reporter_openid LIKE :p AND "
                          "c.status IN ('accepted', 'dispatched') AND NOT EXISTS "
                          "(SELECT 1 FROM outbox o WHERE o.case_id = c.id)")
            codes = frozenset(conn.execute(text("SELECT code FROM cases WHERE reporter_openid LIKE :p"),
                                           {"p": like}).scalars())
    finally:
        engine.dispose()
    return Ledger(messages, linked, distinct, cases, no_events, no_push, codes)
