"""Scale run (规模测试): generate a district on PostgreSQL, load it with COPY, time the queries.

    python bench/scale/run.py --database postgresql+psycopg://postgres@127.0.0.1:5432/wgt_scale \
        --fresh [--cases 1000000] [--seed 7] [--workers 2]

``--fresh`` drops and recreates that database first (use a database of your own), then
migrates it (core.migrate.upgrade). ``--measure-only`` times an already loaded database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.scale.build import generate_and_load, make_generator  # noqa: E402
from bench.scale.district import Shape  # noqa: E402
from bench.scale.generate import Plan  # noqa: E402
from bench.scale.load import is_empty, recreate_database  # noqa: E402
from config import load_settings  # noqa: E402
from core.calendar import WorkCalendar  # noqa: E402
from core.cases.policy import load_policy, load_routing  # noqa: E402
from core.clock import SHANGHAI, FixedClock  # noqa: E402
from core.db import make_engine  # noqa: E402
from core.migrate import upgrade  # noqa: E402

NOW = "2026-11-26T09:00"  # a Thursday, the ladder's hour


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", required=True, help="postgresql+psycopg://… (its own database)")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--now", default=NOW, help="the data's present, Asia/Shanghai (ISO)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    ap.add_argument("--measure-only", action="store_true")
    ap.add_argument("--no-measure", action="store_true")
    ap.add_argument("--community", default="C001")
    ap.add_argument("--month", default="", help="export month YYYY-MM (default: the month before)")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/2")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    now = datetime.fromisoformat(args.now).replace(tzinfo=SHANGHAI)
    settings = load_settings({}, dotenv=False).with_overrides(DATABASE_URL=args.database,
                                                               REDIS_URL=args.redis)
    engine = make_engine(args.database)
    if not args.measure_only:
        if args.fresh:
            engine.dispose()
            recreate_database(engine)
        upgrade(engine)
        if not is_empty(engine):
            print("the database already holds cases: use --fresh (it is dropped) or --measure-only")
            return 2
        calendar = WorkCalendar(settings.HOLIDAY_DIR)
        plan = Plan(cases=args.cases, seed=args.seed, now=now,
                    base_url=settings.PUBLIC_BASE_URL)
        started = time.perf_counter()
        gen = make_generator(plan, Shape(), calendar,
                             load_policy(settings.POLICY_FILE, settings.TIME_LIMIT_POLICY),
                             load_routing(settings.ROUTING_FILE))
        print(f"district: {len(gen.d.grids)} grids, {len(gen.d.staff):,} staff, "
              f"{len(gen.d.residents):,} residents ({time.perf_counter() - started:.1f} s)")
        built = generate_and_load(engine, gen, workers=args.workers)
        print(f"generated and loaded in {built.seconds:.1f} s "
              f"(total with district {time.perf_counter() - started:.1f} s)")
        for table, n in sorted(built.counts.items()):
            print(f"  {table:<16} {n:>12,}")
        print("  statuses: " + ", ".join(f"{s} {n:,}" for s, n in built.statuses.most_common()))
    else:
        upgrade(engine)  # newer migrations (indexes) apply to a loaded database too
    engine.dispose()
    if args.no_measure:
        return 0
    from bench.scale.measure import measure
    from bot.app import create_app

    month = args.month or f"{now.year - (now.month == 1)}-{(now.month - 2) % 12 + 1:02d}"
    clock = FixedClock(now)
    app = create_app(settings, clock=clock)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nmeasured with the clock at {now.isoformat()} (digest at 17:30); "
          f"load average {load} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        for fig in measure(app, clock, now, args.community, month, Path(tmp), args.repeat):
            print(fig.line())
            for seconds, stmt in fig.slowest:
                print(f"    {seconds * 1000:8.1f} ms  {stmt[:300]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
