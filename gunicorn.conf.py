"""Production gunicorn settings for 网格通: ``gunicorn -c gunicorn.conf.py`` (serves wsgi:app).

Why each value is what it is (figures in docs/performance.md):

* sync workers, 2 × cores: the webhook is CPU-bound (signature, AES, jieba, one short
  transaction); gthread workers measured slower than sync on 2 cores.
* ``preload_app``: the app and jieba's dictionary (0.6 s, ~80 MB) are loaded once in the
  master and shared copy-on-write by the forked workers; ``gc.freeze()`` keeps the
  collector from touching (and so copying) those pages in every worker. The price: new
  code needs a restart (``systemctl restart``); ``kill -HUP`` re-forks the old code.
* ``post_fork`` drops the database pool inherited from the master, so no connection is
  ever shared by two processes (the master opens none, but nothing may rely on that).
* ``timeout``: see the comment at the setting.
* the access log leaves out the query string: it carries signatures, nonces and the
  sender's openid. Errors that would quote a request URI are redacted the same way.

Environment overrides: ``GUNICORN_BIND``, ``GUNICORN_WORKERS`` (or ``WEB_CONCURRENCY``),
``GUNICORN_TIMEOUT``, ``GUNICORN_MAX_REQUESTS``, ``GUNICORN_ACCESSLOG`` (a path, ``-`` for
stdout, ``off`` for none), ``GUNICORN_LOGLEVEL``, ``GUNICORN_GC_GEN0`` (the collector's
first-generation threshold in the workers, default 10,000).
"""

from __future__ import annotations

import gc
import logging
import os
import re
import sys
import traceback

_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2 * _cores()))
preload_app = True
proc_name = "wanggetong"

# WeChat waits 5 s for the passive reply, then retries the same MsgId (three tries in all).
# A request normally takes a few milliseconds; the slow paths are bounded by the app
# itself and end in a commit or a 503: SQLite waits at most busy_timeout (10 s) for the
# write lock, PostgreSQL at most pool_timeout + connect_timeout (3 + 3 s), Redis 0.5 s a
# call, a retry waits 3 s for the first delivery's reply. The master must not kill a
# worker before those bounds run out: a killed worker's transaction rolls back, but a
# dedup mark it already set in Redis would make WeChat's retries look like duplicates
# (see docs/performance.md, "Timeouts"). So the kill is only for a truly hung worker.
timeout = _int("GUNICORN_TIMEOUT", 15)
graceful_timeout = timeout + 5  # a restart lets the request in hand finish (and commit)

# Recycle workers now and then (a leak stays bounded); the jitter keeps them from all
# restarting at once. A restart is cheap: the new worker forks from the preloaded master.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = max_requests // 10

_access = os.environ.get("GUNICORN_ACCESSLOG", "-")
accesslog = None if _access == "off" else _access
# %(U)s is the path without the query string; %(M)s the duration in milliseconds.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
limit_request_line = 4094
limit_request_fields = 50


class RedactQuery(logging.Filter):
    """Cut the query string out of any URI in a log line (signatures, nonce, openid)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = _QUERY.sub(r"\1?…", message), ()
        return True


def _runtime(server):  # type: ignore[no-untyped-def]
    """The project's runtime when the app being served is 网格通 (None for another app)."""
    app = server.app.wsgi()
    return getattr(app, "extensions", {}).get("wanggetong")


def on_starting(server) -> None:  # type: ignore[no-untyped-def]
    server.log.error_log.addFilter(RedactQuery())


def when_ready(server) -> None:  # type: ignore[no-untyped-def]
    """In the master, after the app is imported and before the first fork."""
    rt = _runtime(server)
    if rt is not None:
        from bot import nlp
        from bot.store import MemoryStore

        nlp.load()  # jieba's dictionary and the tables, once, shared by every worker
        if isinstance(rt.store, MemoryStore) and server.cfg.workers > 1:
            server.log.warning(
                "REDIS_URL is not set: each of the %d workers keeps its own conversation "
                "state, so a follow-up (menu choice, address answer) may reach a worker that "
                "never asked. Dedup still holds (database key). Set REDIS_URL, or "
                "GUNICORN_WORKERS=1.", server.cfg.workers)
    gc.collect()
    gc.freeze()  # everything loaded so far is permanent: no copy-on-write by the collector
    # A report allocates thousands of short-lived ORM objects: with the default first-
    # generation threshold (700) the collector runs several times a request. 10,000 cut
    # the CPU per report by 6-10 % in-process (bench/inprocess.py --gc-threshold); the
    # workers inherit the setting.
    gc.set_threshold(_int("GUNICORN_GC_GEN0", 10000), 10, 10)


def post_fork(server, worker) -> None:  # type: ignore[no-untyped-def]
    """In each new worker: never use a connection inherited from the master."""
    rt = _runtime(server)
    if rt is not None:
        rt.engine.dispose(close=False)  # forget the parent's pool without closing its sockets


def worker_abort(worker) -> None:  # type: ignore[no-untyped-def]
    """On a timeout kill (SIGABRT): log where the worker was stuck before it goes."""
    stacks = "".join(traceback.format_stack(frame) for frame in sys._current_frames().values())
    worker.log.critical("worker %s timed out; stack:\n%s", worker.pid, stacks)
