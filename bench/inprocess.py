"""In-process harness for the webhook (进程内剖析): CPU per report without gunicorn or wrk.

Drives the real Flask app through its test client with the benchmark's signed callbacks
(demo town imported with ``flask import``, residents bound through ``绑定``), then sends
batches of reports and prints the CPU per report (min over batches), SQL statements per
report, and optionally a cProfile of the last batches::

    .venv/bin/python bench/inprocess.py                       # SQLite + in-process store
    .venv/bin/python bench/inprocess.py --backend postgres    # a scratch PostgreSQL db + Redis
    .venv/bin/python bench/inprocess.py --profile 40          # the 40 costliest functions

CPU is ``time.process_time`` of this one process, so it does not drift with the other
processes on the machine the way wall-clock throughput does.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.backends import BIND_TO, Backend, create_pg_database, drop_pg_database, prepare  # noqa: E402
from bench.callbacks import AES_KEY, APPID, TOKEN, callback, signer  # noqa: E402
from bench.reports import report_pool  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--mode", choices=("plain", "aes"), default="plain")
    p.add_argument("--residents", type=int, default=100)
    p.add_argument("--warmup", type=int, default=400, help="reports before measuring")
    p.add_argument("--batches", type=int, default=6)
    p.add_argument("--batch", type=int, default=60)
    p.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    p.add_argument("--sort", default="tottime")
    p.add_argument("--show-sql", action="store_true", help="print the statements of the last report")
    p.add_argument("--gc-threshold", type=int, default=0, help="gc.set_threshold(N, 10, 10) first")
    p.add_argument("--new-cases", action="store_true",
                   help="merge nothing: every report takes the new-case path (accept, dispatch, pushes)")
    p.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--pg-database", default="wgt_perf_inprocess")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    args = p.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="wgt-inproc-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "FLASK_"))}
    env.update(WECHAT_TOKEN=TOKEN, WECHAT_APPID=APPID, WECHAT_AES_KEY=AES_KEY,
               WECHAT_ENCRYPT_MODE="compatible", LOG_LEVEL="WARNING")
    if args.backend == "sqlite":
        backend = Backend("sqlite", f"sqlite:///{tmp / 'bench.db'}", "")
    else:
        create_pg_database(args.pg_admin_url, args.pg_database)
        pg = args.pg_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        backend = Backend("postgres", f"{pg}/{args.pg_database}", args.redis_url)
    env = prepare(backend, env)
    os.environ.update(env)
    try:
        return run(args, backend)
    finally:
        if args.backend == "postgres":
            drop_pg_database(args.pg_admin_url, args.pg_database)


def run(args: argparse.Namespace, backend: Backend) -> int:
    from sqlalchemy import event

    from bot import nlp
    from bot.app import create_app
    from config import load_settings

    settings = load_settings()
    app = create_app(settings)
    rt = app.extensions["wanggetong"]
    if args.new_cases:
        rt.env.similarity_threshold = 2.0  # above any score
    if backend.redis_url:
        rt.store.client.flushdb()
    nlp.load()
    client = app.test_client()
    s = signer()
    msg_id = [int(time.time()) * 1_000_000]
    residents = [f"o-inproc-{i:05d}" for i in range(args.residents)]

    def send(sender: str, text: str) -> str:
        msg_id[0] += 1
        target, body = callback(s, args.mode, sender, text, msg_id[0], int(time.time()))
        resp = client.post(target, data=body, headers={"Content-Type": "text/xml"})
        assert resp.status_code == 200, resp.status_code
        return s.reply_text(resp.data)

    for i, who in enumerate(residents):
        reply = send(who, f"绑定 {BIND_TO[i % len(BIND_TO)]}")
        assert reply.startswith("绑定成功"), reply
    pool = report_pool(args.warmup + args.batches * args.batch + 10, settings.NLP_CONFIDENCE_THRESHOLD)
    texts = iter(pool * 3)
    n = [0]

    def one() -> None:
        send(residents[n[0] % len(residents)], next(texts))
        n[0] += 1

    for _ in range(args.warmup):
        one()
    if args.gc_threshold:
        import gc

        gc.collect()
        gc.freeze()
        gc.set_threshold(args.gc_threshold, 10, 10)
    statements = [0]
    last: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_a: object) -> None:
        statements[0] += 1
        last.append(" ".join(statement.split())[:160])

    event.listen(rt.engine, "before_cursor_execute", count)
    times = []
    prof = cProfile.Profile() if args.profile else None
    for b in range(args.batches):
        statements[0] = 0
        if prof is not None and b >= args.batches // 2:
            prof.enable()
        t0 = time.process_time()
        for _ in range(args.batch):
            last.clear()
            one()
        times.append((time.process_time() - t0) / args.batch)
        if prof is not None:
            prof.disable()
    per = statements[0] / args.batch
    print(f"{args.backend} {args.mode}{' new cases' if args.new_cases else ''}: CPU per report min {min(times) * 1e3:.2f} ms, "
          f"median {sorted(times)[len(times) // 2] * 1e3:.2f} ms; {per:.1f} SQL statements per report")
    if args.show_sql:
        print("\n".join(last))
    if prof is not None:
        pstats.Stats(prof).sort_stats(args.sort).print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
