"""EXPLAIN (ANALYZE, BUFFERS) of the statements that dominate the measured paths (查询计划).

    python bench/scale/explain.py --database postgresql+psycopg://…/wgt_scale [--community C001]

Each statement is built the way the core builds it (same SQLAlchemy expressions), compiled
for PostgreSQL and run under EXPLAIN with the measurement's fixed 'now'.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import Select, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from core.cases.models import Case, CaseEvent  # noqa: E402
from core.cases.queries import ACTIVE, cases_query  # noqa: E402
from core.cases.states import Action, Status  # noqa: E402
from core.clock import SHANGHAI  # noqa: E402
from core.db import make_engine, make_session_factory  # noqa: E402
from core.outbox import Notification  # noqa: E402
from core.registry.lookup import subtree  # noqa: E402
from core.registry.models import Grid  # noqa: E402
from core.reminders.digest import _overdue_at  # noqa: E402

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)


def plans(session: Session, community: str) -> dict[str, Select]:
    unit = session.scalar(select(Grid).where(Grid.code == community))
    ids = sorted(subtree(session, [unit.id]))
    until = NOW.replace(hour=17, minute=30)
    day = until.replace(hour=0, minute=0)
    month = day.replace(day=1)
    year = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    in_grids = Case.grid_id.in_(ids)
    base = select(Case).where(in_grids, Case.merged_into_id.is_(None))
    active = [str(s) for s in ACTIVE]
    some = list(session.scalars(select(Case.id).where(Case.status.in_(active),
                                                      Case.deadline < NOW).limit(1000)))
    return {
        "ladder: open cases with a deadline": select(Case).where(
            Case.status.in_(active), Case.deadline.is_not(None), Case.merged_into_id.is_(None))
        .order_by(Case.deadline, Case.id),
        "ladder: queued keys of 1,000 cases": select(Notification.dedup_key).where(
            Notification.case_id.in_(some)),
        "digest: overdue as of 17:30": base.where(_overdue_at(until))
        .order_by(Case.deadline, Case.id),
        "digest: accepted today": base.where(Case.accepted_at >= day, Case.accepted_at < until)
        .order_by(Case.deadline, Case.id),
        "digest: closed today": base.where(Case.status == str(Status.CLOSED),
                                           Case.closed_at >= day, Case.closed_at < until)
        .order_by(Case.deadline, Case.id),
        "digest: month's closures": select(func.count(Case.id), func.avg(Case.rating)).where(
            in_grids, Case.status == str(Status.CLOSED), Case.closed_at >= month,
            Case.closed_at < until),
        "board: closed in 30 days (count)": select(func.count()).select_from(Case).where(
            in_grids, Case.status == str(Status.CLOSED), Case.closed_at >= NOW - timedelta(30)),
        "cases list --overdue": cases_query(session, NOW, overdue=True).limit(500),
        "export: rating events of the year": select(Case.grid_id, CaseEvent.at, CaseEvent.data)
        .join(Case, Case.id == CaseEvent.case_id).where(
            in_grids, CaseEvent.action == str(Action.RATE), CaseEvent.at >= year,
            CaseEvent.at < datetime(2026, 11, 1, tzinfo=SHANGHAI)),
    }


def explain(session: Session, stmt: Select) -> str:
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    rows = session.connection().exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params).all()
    return "\n".join(r[0] for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", required=True)
    ap.add_argument("--community", default="C001")
    ap.add_argument("--only", default="", help="run the plans whose name contains this")
    args = ap.parse_args()
    session = make_session_factory(make_engine(args.database))()
    try:
        for name, stmt in plans(session, args.community).items():
            if args.only in name:
                print(f"== {name}\n{explain(session, stmt)}\n")
    finally:
        session.rollback()
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
