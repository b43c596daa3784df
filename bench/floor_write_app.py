"""The write floors of the decomposition (基线+落库): the floor that keeps each message.

``bench/webhook.py --decompose`` serves it twice per backend, beside the project on the same
database: the floor's signature check, parse and reply, plus one durable write per message —
an ``inbound_messages`` row (channel ``floor``) inserted in its own committed transaction
through the project's own engine (``core.db.make_engine``: WAL, ``synchronous=NORMAL`` and
the writer queue on SQLite; the pool settings on PostgreSQL). With ``FLOOR_CLASSIFY=1`` it
classifies each text first, as ``bench/floor_nlp_app.py`` does. No dedup, no case, no
state, no Redis: the least any webhook that keeps reports and classifies them in the request
must spend, so its ratio to the floor bounds what the project's pipeline can reach.
Serve it with ``DATABASE_URL=… gunicorn -c gunicorn.conf.py bench.floor_write_app:app``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import insert

from bench.floor_app import REPLY, make_app
from core.db import make_engine
from core.inbound import InboundMessage

CHANNEL = "floor"  # the rows the write floors keep; the project's own rows are "official"
_INSERT = insert(InboundMessage.__table__)
_engine = None  # made in each worker on its first message (nothing shared across the fork)


def keep(message: object) -> None:
    """One committed row per message, as the pipeline's inbound row (same columns)."""
    global _engine
    if _engine is None:
        _engine = make_engine(os.environ["DATABASE_URL"])
    with _engine.begin() as conn:
        conn.execute(_INSERT, {
            "channel": CHANNEL, "dedup_key": str(message.id), "sender": message.source,  # type: ignore[attr-defined]
            "msg_type": message.type, "content": getattr(message, "content", "")[:4000],  # type: ignore[attr-defined]
            "media_id": "", "received_at": datetime.now(UTC), "reply": REPLY, "case_id": None})


if os.environ.get("FLOOR_CLASSIFY") == "1":
    from bot import nlp

    nlp.load()
    app = make_app(nlp.classify, keep)
else:
    app = make_app(keep=keep)
