"""/metrics under the production gunicorn config with two workers (multiprocess mode):
counts from every worker, living or killed, are merged into each scrape; logs are JSON.

Starts a real gunicorn (``gunicorn -c gunicorn.conf.py``) on a free loopback port with
``PROMETHEUS_MULTIPROC_DIR`` set, against the test database.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _wait_ready(base: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not answer")


@pytest.fixture
def server(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen, Path]]:
    prom = tmp_path / "prom"
    prom.mkdir()
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "PROMETHEUS_MULTIPROC_DIR": str(prom), "GUNICORN_WORKERS": "2",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESSLOG": "off",
           "LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "MEDIA_DIR": str(tmp_path / "media")}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "--no-control-socket"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc)
        yield base, prom, proc, log_path
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _healthz_count(base: str) -> float:
    body = requests.get(f"{base}/metrics", timeout=5).text
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if (s.name == "wanggetong_http_requests_total"
                    and s.labels == {"endpoint": "/healthz", "method": "GET", "status": "200"}):
                return s.value
    return 0.0


def _wait_workers(master: int, n: int, old: set[int]) -> set[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = _children(master)
        if len(now) >= n and not now & old:
            return now
        time.sleep(0.1)
    raise AssertionError("workers were not replaced")


def test_counts_of_all_workers_living_and_killed_are_merged(server):
    base, prom, proc, log_path = server
    before = _healthz_count(base)  # the readiness probe's own requests
    for _ in range(20):
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    first = _children(proc.pid)
    assert len(first) == 2
    for pid in first:  # every worker dies; the master forks new ones
        os.kill(pid, signal.SIGKILL)
    _wait_workers(proc.pid, 2, first)
    for _ in range(20):
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    scrapes = {_healthz_count(base) for _ in range(6)}  # whichever worker answers
    assert scrapes == {before + 40}
    pids = {int(p.stem.rsplit("_", 1)[1]) for p in prom.glob("counter_*.db")}
    assert len(pids & first) >= 1 and len(pids - first) >= 1  # old and new workers' files

    assert requests.get(f"{base}/no-such-page", timeout=5).status_code == 404
    time.sleep(0.3)
    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()
             if line.startswith("{")]
    request_lines = [x for x in lines if x["logger"] == "wanggetong.request"]
    assert any(x["status"] == 404 and "duration_ms" in x and x.get("request_id")
               for x in request_lines)
    assert any(x["logger"] == "gunicorn.error" and "Booting worker" in x["msg"] for x in lines)
