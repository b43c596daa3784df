"""gunicorn servers for the webhook benchmark: start, wait, measure CPU, stop (服务进程).

CPU time is read from /proc: every live worker's utime + stime plus the master's
cutime + cstime, which holds the workers it has already reaped — so a worker recycled
by ``max_requests`` in the middle of a run is still counted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
CONFIG = ROOT / "gunicorn.conf.py"
TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (index 0 is the state)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return handle.read().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def workers_cpu(master: int) -> float:
    """Seconds of CPU used by the master's workers, live and reaped."""
    fields = _stat(master)
    total = int(fields[13]) + int(fields[14])  # cutime, cstime: reaped children
    for pid in children(master):
        try:
            worker = _stat(pid)
        except OSError:
            continue
        total += int(worker[11]) + int(worker[12])  # utime, stime
    return total / TICKS


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS (shared pages split among the processes sharing them), in MB."""
    found = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss"):
                found[name] = int(rest.split()[0]) / 1024
    return found.get("Rss", 0.0), found.get("Pss", 0.0)


@dataclass
class Server:
    """One gunicorn master under the production configuration."""

    name: str
    app: str  # "wsgi:app" or "bench.floor_app:app"
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        log = self.log_path.open("ab")
        cmd = [str(GUNICORN), "-c", str(CONFIG), "--no-control-socket",
               "--bind", f"127.0.0.1:{self.port}", self.app]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /healthz in {timeout:.0f} s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu(self) -> float:
        return workers_cpu(self.pid)

    def memory(self) -> list[tuple[float, float]]:
        """(RSS, PSS) in MB of the master, then of each worker."""
        return [memory_mb(p) for p in [self.pid, *children(self.pid)]]

    def stop(self) -> None:
        """SIGTERM to the master (graceful), SIGKILL to its group if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
