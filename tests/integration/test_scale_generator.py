"""The scale generator (bench/scale) on the test database: a small district, 2,000 cases.

The generated rows must keep the core's invariants and be read by the core as if the
use cases had written them: every row is its rebuilt ledger, deadlines follow the real
calendar, the real overdue ladder at 'now' sends exactly the rungs the generator's replay
of earlier runs had not sent yet, and the overdue list, publicity board and digest count
what the rows say. Runs on SQLite, and on PostgreSQL (COPY) with TEST_DATABASE_URL.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from bench.scale.build import Built, generate_and_load, make_generator
from bench.scale.check import check_ledger, ladder_keys
from bench.scale.district import Shape
from bench.scale.finish import CASE_COLUMNS
from bench.scale.generate import Generator, Plan
from core.cases.board import board
from core.cases.models import Case, CaseEvent
from core.cases.policy import load_policy
from core.cases.queries import list_cases
from core.clock import SHANGHAI
from core.outbox import Notification
from core.registry.models import Grid
from core.reminders.digest import digest_text, digest_time
from core.reminders.ladder import run_ladder
from core.uow import UnitOfWork

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
SHAPE = Shape(towns=1, communities=2, grids=10, staff=160, residents_per_grid=30)
COL = {name: i for i, name in enumerate(CASE_COLUMNS)}


def _generator(env, settings, **plan) -> Generator:
    policy = load_policy(settings.POLICY_FILE, settings.TIME_LIMIT_POLICY)
    return make_generator(Plan(cases=2000, seed=11, now=NOW, days=120,
                               base_url=settings.PUBLIC_BASE_URL, **plan),
                          SHAPE, env.calendar, policy, env.routing)


def _rows(gen: Generator) -> list[tuple]:
    return [row for job in gen.chunks() for row in gen.build(*job).cases]


@pytest.fixture
def loaded(env, settings, runtime) -> tuple[Generator, Built]:
    gen = _generator(env, settings)
    built = generate_and_load(runtime.engine, gen, workers=1, progress=False)
    return gen, built


def test_counts_match_the_tables(loaded, uow):
    _gen, built = loaded
    with uow() as tx:
        for table, expected in built.counts.items():
            got = tx.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            assert got == expected, table
    assert built.counts["cases"] == 2000
    assert built.counts["case_events"] > 5 * 2000


def test_the_mix_is_realistic(loaded, uow):
    _gen, built = loaded
    statuses = built.statuses
    assert statuses["closed"] > 0.85 * 2000
    assert statuses["dispatched"] + statuses["accepted"] + statuses["resolved"] > 0
    with uow() as tx:
        s = tx.session
        merged = s.scalar(select(func.count()).where(Case.merged_into_id.is_not(None)))
        overdue = s.scalar(select(func.count()).where(Case.status.in_(["accepted", "dispatched"]),
                                                      Case.deadline < NOW))
        levels = Counter(s.scalars(select(Case.level)))
        rated = s.scalar(select(func.count()).where(Case.rating.is_not(None)))
        categories = Counter(s.scalars(select(Case.category)))
    assert 20 < merged < 150
    assert overdue > 0
    assert levels["community"] > 0 and levels["town"] > 0
    assert rated > 500
    assert categories.most_common(1)[0][0] == "env" and len(categories) == 13


def test_every_row_is_its_rebuilt_ledger(loaded, env, settings):
    policy = load_policy(settings.POLICY_FILE, settings.TIME_LIMIT_POLICY)
    session = env.session_factory()
    try:
        assert check_ledger(session, env.calendar, policy) == []
        # the check can fail: a row that drifts from its ledger is reported
        session.execute(update(Case).where(Case.id == 7).values(rating=1))
        problems = check_ledger(session, env.calendar, policy)
        assert len(problems) == 1 and "differs from its rebuilt ledger" in problems[0]
    finally:
        session.rollback()
        session.close()


def test_real_ladder_sends_exactly_what_the_replay_had_not(loaded, env, settings, clock):
    gen, _built = loaded
    replay = _generator(env, settings, ladder_until=NOW + timedelta(seconds=1))
    through_now = set().union(*(ladder_keys(replay.build(*job).outbox) for job in replay.chunks()))
    clock.set(NOW)
    tx = UnitOfWork(env).__enter__()
    try:
        ladder = select(Notification.dedup_key).where(Notification.kind.like("ladder_%"))
        before = set(tx.session.scalars(ladder))
        queued = run_ladder(tx, NOW)
        tx.session.flush()
        after = set(tx.session.scalars(ladder))
        supervised = tx.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.action == "supervise", CaseEvent.at == NOW))
        # the 督办 lines it wrote continue each ledger (seq, from-status) like any event
        assert check_ledger(tx.session, env.calendar, load_policy(
            settings.POLICY_FILE, settings.TIME_LIMIT_POLICY)) == []
    finally:
        tx.session.rollback()
        tx.session.close()
    assert queued > 0 and before < after and supervised > 0
    assert after == through_now


def test_core_queries_count_what_the_rows_say(loaded, env, uow, clock):
    gen, _built = loaded
    rows = _rows(gen)  # deterministic: the same rows again
    clock.set(NOW)
    overdue = {r[COL["code"]] for r in rows
               if r[COL["status"]] in {"accepted", "dispatched"} and r[COL["deadline"]]
               and r[COL["deadline"]] < NOW}
    with uow() as tx:
        listed = list_cases(tx.session, NOW, overdue=True)
        assert {c["code"] for c in listed} == overdue and all(c["overdue"] for c in listed)
        unit = tx.session.scalar(select(Grid).where(Grid.code == "C001"))
        grids = {g for g, c in gen.d.community_of.items() if c == unit.id}
        since = NOW - timedelta(days=30)
        closed = [r for r in rows if r[COL["grid_id"]] in grids and r[COL["status"]] == "closed"
                  and r[COL["closed_at"]] >= since]
        b = board(tx, "C001")
        assert b.total == len(closed) > 0
        assert sum(b.counts.values()) == len(closed)
        until = digest_time(NOW.date())
        start = until.replace(hour=0, minute=0)
        new = [r for r in rows if r[COL["grid_id"]] in grids and r[COL["merged_into_id"]] is None
               and start <= r[COL["reported_at"]] < until]
        text_ = digest_text(tx, unit, until)
        assert f"新增 {len(new)} ｜" in text_


def test_same_seed_same_rows(env, settings):
    a, b = _generator(env, settings), _generator(env, settings)
    job = a.chunks()[3]
    first, second = a.build(*job), b.build(*job)
    assert first.cases == second.cases and first.events == second.events
    assert first.outbox == second.outbox and first.work_logs == second.work_logs
    other = make_generator(Plan(cases=2000, seed=12, now=NOW, days=120), SHAPE, env.calendar,
                           a.policy, env.routing)
    assert other.build(*other.chunks()[3]).cases != first.cases

