"""Webhook benchmark (回调性能): the full pipeline under gunicorn, against a floor.

Run from the project root (wrk must be installed; PostgreSQL and Redis on localhost for
the second backend)::

    .venv/bin/python bench/webhook.py            # the whole run, under ~10 minutes
    .venv/bin/python bench/webhook.py --quick    # a one-minute smoke run

Three servers run side by side under the production ``gunicorn.conf.py``: the floor
(``bench/floor_app.py``: signature, AES, parse, text reply — nothing else), and the
project on SQLite + the in-process store and on PostgreSQL + Redis. Residents are bound
to grids first through the real ``绑定`` command. Every measurement replays a freshly
generated file of distinct, correctly signed callbacks (plain or AES; each MsgId once,
timestamps fresh) with wrk (``bench/replay.lua``) at each connection count, round by
round, the floor and the backends interleaved. Printed per measurement: req/s, p50/p99,
errors (non-2xx and socket errors), the workers' CPU per request and the cores they kept
busy (CPU seconds per second: well under the machine's cores means they waited — for the
SQLite write lock, the database, wrk), the ratio to the floor of the same round, and the
check that every message processed made exactly one case.

``--decompose`` adds reference servers, each the floor plus one part of the pipeline:
``bench/floor_nlp_app.py`` classifies each message (no database, no state) — what the
classifier alone takes of the budget; and, per backend, ``bench/floor_write_app.py`` keeps
each message as one committed row on that backend's database (``floor+write``), and with
``FLOOR_CLASSIFY=1`` classifies it first (``floor+nlp+write``) — the least a webhook that
classifies in the request and keeps every report must spend, with no dedup, case, ledger
event, outbox row or state. Their "cases" column checks one kept row per message answered.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.backends import (  # noqa: E402
    Backend,
    bind_residents,
    create_pg_database,
    drop_pg_database,
    prepare,
)
from bench.callbacks import AES_KEY, APPID, TOKEN, Traffic, run_wrk, write_requests  # noqa: E402
from bench.reports import report_pool  # noqa: E402
from bench.servers import Server  # noqa: E402

TARGETS = {"ratio": 0.5, "p99_ms": 50.0}
WRITE_FLOORS = (("floor+write", {}), ("floor+nlp+write", {"FLOOR_CLASSIFY": "1"}))


def is_reference(target: str) -> bool:
    """The floor and the decomposition's floors are measured for comparison; the targets
    are for the project."""
    return target.startswith("floor")


def base_env(args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "FLASK_"))}
    env.update(WECHAT_TOKEN=TOKEN, WECHAT_APPID=APPID, WECHAT_AES_KEY=AES_KEY,
               WECHAT_ENCRYPT_MODE="compatible", LOG_LEVEL="WARNING",
               RATE_LIMIT_PER_MINUTE="0",  # a few simulated residents send far above a person's pace
               GUNICORN_ACCESSLOG=str(tmp / "access.log"))
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    return env


@dataclass
class Options:
    duration: float
    threads: int
    tmp: Path


def measure(opts: Options, server: Server, senders: list[str], traffic: Traffic, mode: str,
            conns: int, expected_rps: float, backend: Backend | None = None,
            keeper: Backend | None = None) -> dict:
    count = int(expected_rps * opts.duration * 1.5) + 500
    path = opts.tmp / "requests.tsv"
    start = traffic.cursor
    write_requests(path, mode, traffic.take(senders, count))
    before = backend.snapshot() if backend else None
    last_kept = keeper.last_kept() if keeper else 0
    cpu0 = server.cpu()
    res = run_wrk(server.url, path, conns, opts.threads, opts.duration)
    traffic.cursor = start + res["sent"]  # texts never sent come next time (MsgIds do not)
    merged = None
    if backend is not None:
        processed, check = backend.check(before, res["requests"] - res["non2xx"], res["sent"])  # type: ignore[arg-type]
        merged = backend.merged_since(before) / max(processed, 1)  # type: ignore[arg-type]
    elif keeper is not None:
        processed, check = keeper.check_kept(last_kept, res["requests"] - res["non2xx"], res["sent"])
    else:
        time.sleep(0.2)
        processed, check = res["requests"], "-"
    cpu = server.cpu() - cpu0
    seconds = res["duration_us"] / 1e6
    kinds = {k: res[k] for k in ("non2xx", "connect", "read", "write", "timeout") if res[k]}
    errors = sum(kinds.values())
    return {"rps": res["requests"] / seconds, "p50_ms": res["p50_us"] / 1000,
            "p99_ms": res["p99_us"] / 1000, "errors": errors, "requests": res["requests"],
            "cpu_us": cpu / max(processed, 1) * 1e6, "cores": cpu / seconds,
            "reused": res["reused"], "check": check,
            "generated": count, "merged": merged, "error_kinds": kinds}


def fmt(row: dict) -> str:
    ratio = f"{row['ratio']:.2f}×" if row.get("ratio") is not None else "  —  "
    warn = f"  REUSED {row['reused']}" if row["reused"] else ""
    if row.get("error_kinds"):
        warn += "  errors: " + ", ".join(f"{k} {v}" for k, v in row["error_kinds"].items())
    if row.get("merged") is not None:
        warn = f" ({row['merged']:.0%} merged)" + warn
    return (f"{row['target']:<22} {row['mode']:<5} c={row['conns']:<3} {row['rps']:8.0f} req/s  "
            f"p50 {row['p50_ms']:6.1f} ms  p99 {row['p99_ms']:6.1f} ms  err {row['errors']:<4} "
            f"cpu {row['cpu_us']:6.0f} µs/req  {row.get('cores', 0):4.2f} cores  {ratio:>6}  "
            f"cases: {row['check']}{warn}")


def summarise(rows: list[dict], conns_list: list[int], modes: list[str], targets: list[str]) -> str:
    lines = ["| target | mode | conns | req/s | p50 ms | p99 ms | errors | CPU µs/req | cores | × floor | cases |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    verdicts = []
    for conns in conns_list:
        for mode in modes:
            for target in targets:
                sel = [r for r in rows if r["target"] == target and r["mode"] == mode and r["conns"] == conns]
                if not sel:
                    continue
                med = {k: statistics.median(r.get(k, 0.0) for r in sel)
                       for k in ("rps", "p50_ms", "p99_ms", "cpu_us", "cores")}
                ratios = [r["ratio"] for r in sel if r.get("ratio") is not None]
                ratio = f"{statistics.median(ratios):.2f}" if ratios else "—"
                errors = sum(r["errors"] for r in sel)
                checks = {r["check"] for r in sel}
                check = "ok" if checks == {"ok"} else ("—" if checks == {"-"} else "; ".join(sorted(checks)))
                lines.append(f"| {target} | {mode} | {conns} | {med['rps']:.0f} | {med['p50_ms']:.1f} | "
                             f"{med['p99_ms']:.1f} | {errors} | {med['cpu_us']:.0f} | {med['cores']:.2f} | "
                             f"{ratio} | {check} |")
                if ratios and not is_reference(target):
                    good = (statistics.median(ratios) >= TARGETS["ratio"] and errors == 0 and check == "ok"
                            and (conns < 32 or med["p99_ms"] < TARGETS["p99_ms"]))
                    verdicts.append(f"{target} {mode} c={conns}: {'meets' if good else 'MISSES'} the target")
    return "\n".join(lines + [""] + verdicts)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    p.add_argument("--connections", default="8,32")
    p.add_argument("--modes", default="plain,aes")
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--workers", type=int, default=0, help="GUNICORN_WORKERS (default: the config's)")
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)), help="wrk threads")
    p.add_argument("--residents", type=int, default=600)
    p.add_argument("--pool", type=int, default=12000, help="distinct report texts")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of reports before the rounds")
    p.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--pg-database", default="wanggetong_bench")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    p.add_argument("--port", type=int, default=18400,
                   help="first of the ports: floor, backends, floor+nlp, then the write floors")
    p.add_argument("--decompose", action="store_true",
                   help="also serve the floor that classifies (bench/floor_nlp_app.py)")
    p.add_argument("--json", type=Path, help="write every measurement here")
    p.add_argument("--keep", action="store_true", help="keep the temp dir and the PostgreSQL database")
    p.add_argument("--quick", action="store_true", help="one short round: a smoke run of about a minute")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.residents, args.pool, args.warmup = 1, 2.0, 100, 2500, 1.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    conns_list = [int(c) for c in args.connections.split(",")]
    modes = args.modes.split(",")
    names = args.backends.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="wgt-bench-"))
    opts = Options(args.duration, args.threads, tmp)
    run = f"{int(time.time()) % 10**6:06d}"
    env = base_env(args, tmp)

    from config import load_settings

    threshold = load_settings(env, dotenv=False).NLP_CONFIDENCE_THRESHOLD
    pool = report_pool(args.pool, threshold)
    print(f"{len(pool)} distinct report texts that each make a case; temp dir {tmp}", flush=True)
    traffic = Traffic(pool)

    backends: list[Backend] = []
    if "sqlite" in names:
        backends.append(Backend("sqlite", f"sqlite:///{tmp / 'bench.db'}", ""))
    if "postgres" in names:
        create_pg_database(args.pg_admin_url, args.pg_database)
        pg = args.pg_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        backends.append(Backend("postgres", f"{pg}/{args.pg_database}", args.redis_url))

    floor = Server("floor", "bench.floor_app:app", args.port, env, tmp / "floor.log")
    servers = [floor]
    nlp_floor = None
    if args.decompose:
        nlp_floor = Server("floor+nlp", "bench.floor_nlp_app:app", args.port + len(backends) + 1, env,
                           tmp / "floor_nlp.log")
        servers.append(nlp_floor)
    write_floors: list[tuple[Backend, Server]] = []
    rows: list[dict] = []
    try:
        for server in servers:
            server.start()
        port = args.port + len(backends) + 2  # past the floor, the backends and floor+nlp
        for i, b in enumerate(backends, start=1):
            benv = prepare(b, env)
            b.server = Server(b.name, "wsgi:app", args.port + i, benv, tmp / f"{b.name}.log")
            servers.append(b.server)
            b.server.start()
            for label, extra in WRITE_FLOORS if args.decompose else ():
                w = Server(f"{label}/{b.name}", "bench.floor_write_app:app", port, dict(benv, **extra),
                           tmp / f"{label}-{b.name}.log")
                port += 1
                servers.append(w)
                w.start()
                write_floors.append((b, w))
            bind_residents(b, run, args.residents)
            warm = measure(Options(args.warmup, args.threads, tmp), b.server, b.residents, traffic,
                           "plain", 8, 1500, b)
            print(f"{b.name}: {args.residents} residents bound through 绑定; warm-up "
                  f"{warm['rps']:.0f} req/s, cases: {warm['check']}", flush=True)
        for server in servers:
            (rss, pss), *workers = server.memory()
            print(f"{server.name}: master RSS {rss:.0f} MB (PSS {pss:.0f}); {len(workers)} workers, "
                  f"RSS {', '.join(f'{w[0]:.0f}' for w in workers)} MB "
                  f"(PSS {', '.join(f'{w[1]:.0f}' for w in workers)})", flush=True)
        expected: dict[tuple[str, str, int], float] = {}
        floor_best = 4000.0
        for rnd in range(1, args.rounds + 1):
            print(f"\n— round {rnd}/{args.rounds} —", flush=True)
            for conns in conns_list:
                for mode in modes:
                    # The floor swings with the neighbours' load: size its file for the best seen.
                    base = measure(opts, floor, [f"o-floor-{i}" for i in range(200)], traffic, mode,
                                   conns, floor_best)
                    floor_best = max(floor_best, base["rps"])
                    base.update(target="floor", mode=mode, conns=conns, round=rnd, ratio=None)
                    rows.append(base)
                    print(fmt(base), flush=True)
                    if nlp_floor is not None:
                        row = measure(opts, nlp_floor, [f"o-floor-{i}" for i in range(200)], traffic,
                                      mode, conns, base["rps"])
                        row.update(target=nlp_floor.name, mode=mode, conns=conns, round=rnd,
                                   ratio=row["rps"] / base["rps"])
                        rows.append(row)
                        print(fmt(row), flush=True)
                    for b, w in write_floors:
                        row = measure(opts, w, [f"o-floor-{i}" for i in range(200)], traffic, mode, conns,
                                      base["rps"], keeper=b)
                        row.update(target=w.name, mode=mode, conns=conns, round=rnd,
                                   ratio=row["rps"] / base["rps"])
                        rows.append(row)
                        print(fmt(row), flush=True)
                    for b in backends:
                        assert b.server is not None
                        k = (b.name, mode, conns)
                        guess = min(base["rps"], expected.get(k, base["rps"] / 1.5) * 1.5)
                        row = measure(opts, b.server, b.residents, traffic, mode, conns, guess, b)
                        expected[k] = row["rps"]
                        row.update(target=b.name, mode=mode, conns=conns, round=rnd,
                                   ratio=row["rps"] / base["rps"])
                        rows.append(row)
                        print(fmt(row), flush=True)
    finally:
        for server in servers:
            server.stop()
        if "postgres" in names and not args.keep:
            for b in backends:
                if b.name == "postgres" and b._engine is not None:
                    b._engine.dispose()  # type: ignore[attr-defined]
            drop_pg_database(args.pg_admin_url, args.pg_database)
    targets = (["floor"] + (["floor+nlp"] if nlp_floor else []) + [w.name for _, w in write_floors]
               + [b.name for b in backends])
    print(f"\nmedians over {args.rounds} round(s) of {args.duration:g} s; "
          f"{time.monotonic() - started:.0f} s in all\n")
    print(summarise(rows, conns_list, modes, targets))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
