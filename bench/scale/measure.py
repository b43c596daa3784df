"""Timings at scale (性能测量), with the injected clock fixed inside the data.

Each figure runs the code production runs — the scheduler's job functions, the Flask
command, the public page — in a transaction that is rolled back afterwards, so every
run sees the same data. The slowest SQL statements of each are kept for EXPLAIN.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from core.clock import FixedClock
from core.reminders.digest import digest_text, digest_time
from core.reminders.ladder import remind_verifiers, run_ladder
from core.reminders.people import communities
from core.uow import UnitOfWork


@dataclass
class Figure:
    name: str
    target: float
    runs: list[float] = field(default_factory=list)
    result: str = ""
    statements: int = 0
    slowest: list[tuple[float, str]] = field(default_factory=list)

    @property
    def first(self) -> float:
        return self.runs[0]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def line(self) -> str:
        ok = "ok" if self.median <= self.target else "SLOW"
        runs = ", ".join(f"{r:.3f}" for r in self.runs)
        return (f"{self.name:<44} median {self.median:7.3f} s  [{runs}]  "
                f"(target {self.target:g} s, {ok})  {self.statements} statements  {self.result}")


class StatementLog:
    """Every statement's time on one engine, while switched on."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.rows: list[tuple[float, str]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cursor: Any, _stmt: str, _params: Any, context: Any,
                _many: bool) -> None:
        conn.info["scale_t0"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, stmt: str, params: Any, _context: Any,
               _many: bool) -> None:
        if self.on:
            self.rows.append((time.perf_counter() - conn.info.pop("scale_t0", time.perf_counter()),
                              f"{' '.join(stmt.split())} -- {params!r}"[:1500]))


def _timed(fig: Figure, log: StatementLog, work: Callable[[], str], repeat: int) -> Figure:
    for i in range(repeat):
        log.rows.clear()
        log.on = True
        start = time.perf_counter()
        result = work()
        fig.runs.append(time.perf_counter() - start)
        log.on = False
        if i == 0:
            fig.result = result
            fig.statements = len(log.rows)
            fig.slowest = sorted(log.rows, reverse=True)[:3]
    return fig


def _rolled_back(env, clock: FixedClock, at: datetime, job: Callable[[UnitOfWork, datetime], Any]
                 ) -> Callable[[], str]:
    def work() -> str:
        clock.set(at)
        uow = UnitOfWork(env).__enter__()
        try:
            out = job(uow, clock.now())
            uow.session.flush()
            return f"{out} queued"
        finally:
            uow.session.rollback()
            uow.session.close()
    return work


def measure(app, clock: FixedClock, now: datetime, community: str, month: str, out_dir: Path,
            repeat: int = 3) -> list[Figure]:
    """The figures of docs/performance.md "## Scale", in order."""
    rt = app.extensions["wanggetong"]
    env, log = rt.env, StatementLog(rt.engine)
    runner, client = app.test_cli_runner(), app.test_client()
    evening = digest_time(now.date())
    figures = [
        _timed(Figure("overdue ladder (run_ladder, 09:00)", 2.0), log,
               _rolled_back(env, clock, now, run_ladder), repeat),
        _timed(Figure("pending verification (remind_verifiers)", 2.0), log,
               _rolled_back(env, clock, now, remind_verifiers), repeat),
    ]
    from core.reminders.digest import send_digest

    figures.append(_timed(Figure("all communities' digests (send_digest, 17:30)", 2.0 * 50), log,
                          _rolled_back(env, clock, evening, send_digest), repeat))
    slowest = Figure("slowest single community digest", 2.0)

    def one_by_one() -> str:
        with UnitOfWork(env) as uow:
            times = []
            for unit in communities(uow.session):
                start = time.perf_counter()
                digest_text(uow, unit, evening)
                times.append((time.perf_counter() - start, unit.code))
        worst = max(times)
        slowest_runs.append(worst[0])
        return f"{worst[1]} {worst[0]:.3f} s, mean {statistics.mean(t for t, _ in times):.3f} s"

    slowest_runs: list[float] = []
    _timed(slowest, log, one_by_one, 1)
    slowest.runs = slowest_runs
    figures.append(slowest)

    def cases_list() -> str:
        clock.set(now)
        res = runner.invoke(args=["cases", "list", "--overdue"])
        if res.exit_code != 0:
            raise RuntimeError(res.output)
        printed = res.output.count('"code"')
        return f"{printed} cases printed"

    figures.append(_timed(Figure("flask cases list --overdue", 2.0), log, cases_list, repeat))

    def board_page() -> str:
        clock.set(now)
        resp = client.get(f"/public/{community}")
        if resp.status_code != 200:
            raise RuntimeError(f"GET /public/{community}: {resp.status_code}")
        return f"HTTP 200, {len(resp.data):,} bytes"

    figures.append(_timed(Figure(f"GET /public/{community}", 2.0), log, board_page, repeat))
    if "export" in app.cli.commands:
        target = out_dir / f"ledger-{community}-{month}.xlsx"

        def export() -> str:
            clock.set(now)
            res = runner.invoke(args=["export", "ledger", "--community", community, "--month",
                                      month, "-o", str(target)])
            if res.exit_code != 0:
                raise RuntimeError(res.output)
            return f"{target.stat().st_size:,} bytes"

        figures.append(_timed(Figure(f"flask export ledger {community} {month}", 10.0), log,
                              export, repeat))
    else:
        print("flask export ledger: not in this tree yet — not measured")
    return figures
