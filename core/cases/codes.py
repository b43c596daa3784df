"""Case codes (事件编号): ``GR`` + date + 4-digit daily sequence, e.g. GR202611260001."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, bindparam, text
from sqlalchemy.orm import Session

from core.prepared import Prepared

_BUMP = Prepared(text(
    "INSERT INTO case_sequences (day, last) VALUES (:day, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = case_sequences.last + 1 "
    "RETURNING last"
).bindparams(bindparam("day", type_=Date)))


def next_code(session: Session, day: date) -> str:
    """Issue the next code for ``day``.

    One atomic upsert: on PostgreSQL the row lock makes concurrent transactions take
    turns, on SQLite the database write lock does — codes never collide.
    """
    number = _BUMP.scalar(session, {"day": day})
    return f"GR{day:%Y%m%d}{number:04d}"
