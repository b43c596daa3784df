"""Generate and load a district: the district rows, then every chunk of cases in order.

Chunks are built by worker processes (fork) while the parent COPYs the finished ones, in
chunk order, so the loaded rows (serial ids included) are the same for any worker count.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bench.scale.district import Shape, build_district
from bench.scale.generate import Chunk, Generator, Plan
from bench.scale.load import Loader
from core.calendar import WorkCalendar
from core.cases.policy import RoutingTable, TimeLimitPolicy
from core.reminders.config import reminder_config

_GENERATOR: Generator | None = None  # set before the workers fork


@dataclass
class Built:
    seconds: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)  # rows per table
    statuses: Counter[str] = field(default_factory=Counter)


def _build(job: tuple) -> Chunk:
    assert _GENERATOR is not None
    return _GENERATOR.build(*job)


def make_generator(plan: Plan, shape: Shape, calendar: WorkCalendar, policy: TimeLimitPolicy,
                   routing: RoutingTable) -> Generator:
    return Generator(plan, build_district(shape, plan.seed), calendar, policy, routing,
                     reminder_config())


def generate_and_load(engine: Engine, gen: Generator, workers: int = 2,
                      progress: bool = True) -> Built:
    """Write the district and all its cases into ``engine``'s (migrated, empty) database."""
    global _GENERATOR
    started = time.perf_counter()
    built = Built()
    loader = Loader(engine)
    try:
        d = gen.d
        loader.district(d)
        built.counts.update(grids=len(d.grids), staff=len(d.staff), staff_grids=len(d.staff_grids),
                            addresses=len(d.addresses), residents=len(d.residents))
        jobs = gen.chunks()
        _GENERATOR = gen
        if workers > 1:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                for chunk in pool.imap(_build, jobs):
                    _take(loader, chunk, built, started, len(jobs), progress)
        else:
            for job in jobs:
                _take(loader, _build(job), built, started, len(jobs), progress)
        loader.finish()
    finally:
        _GENERATOR = None
        loader.close()
    built.seconds = time.perf_counter() - started
    return built


def _take(loader: Loader, chunk: Chunk, built: Built, started: float, total: int,
          progress: bool) -> None:
    loader.chunk(chunk)
    built.counts.update(cases=len(chunk.cases), case_events=len(chunk.events),
                        outbox=len(chunk.outbox), work_logs=len(chunk.work_logs),
                        case_sequences=len(chunk.sequences))
    built.statuses.update(row[2] for row in chunk.cases)
    if progress and (chunk.index % 10 == 9 or chunk.index == total - 1):
        print(f"  chunk {chunk.index + 1}/{total}: {built.counts['cases']:,} cases, "
              f"{built.counts['case_events']:,} events, {time.perf_counter() - started:.0f} s",
              flush=True)
