"""Callbacks for the webhook benchmark (模拟回调): signed as WeChat signs them, replayed by wrk.

Each message is a distinct MsgId from a resident, with a report text from the checked
pool; the file for wrk has one request a line (``path?query<TAB>body``) and
``bench/replay.lua`` sends each line once.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from bot.devtools.signer import Signer

ROOT = Path(__file__).resolve().parents[1]
LUA = ROOT / "bench" / "replay.lua"
TOKEN, APPID = "bench-token", "wxBENCH000000001"
AES_KEY = "BenchOnlyKey0123456789abcdefghijklmnopqrstu"  # 43 characters, as WeChat issues them


class Traffic:
    """Distinct messages: MsgIds from a counter, texts from the checked pool, senders in turn."""

    def __init__(self, pool: list[str]) -> None:
        self.pool, self.cursor = pool, 0
        self.next_id = int(time.time()) * 1_000_000

    def take(self, senders: list[str], count: int) -> list[tuple[str, str, int]]:
        out = []
        for i in range(count):
            out.append((senders[i % len(senders)], self.pool[self.cursor % len(self.pool)], self.next_id))
            self.cursor += 1
            self.next_id += 1
        return out


def signer() -> Signer:
    return Signer(token=TOKEN, receive_id=APPID, aes_key=AES_KEY)


def callback(s: Signer, mode: str, sender: str, text: str, msg_id: int, ts: int) -> tuple[str, bytes]:
    fields = s.text(sender, text, msg_id, ts)
    query, body = s.safe(fields, ts) if mode == "aes" else s.plain(fields, ts)
    return f"/wechat/official?{query}", body


def write_requests(path: Path, mode: str, messages: list[tuple[str, str, int]]) -> None:
    s, ts = signer(), int(time.time())
    with path.open("w", encoding="utf-8") as handle:
        for sender, text, msg_id in messages:
            target, body = callback(s, mode, sender, text, msg_id, ts)
            handle.write(f"{target}\t{body.decode()}\n")


def run_wrk(url: str, path: Path, conns: int, threads: int, seconds: float) -> dict:
    threads = max(1, min(threads, conns))
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds:g}s", "--timeout", "5s",
           "-s", str(LUA), url, "--", str(path), str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    return json.loads(line.removeprefix("WRKJSON "))
