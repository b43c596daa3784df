"""Signed callbacks over real HTTP, as WeChat sends them (模拟微信回调), and report texts.

WeChat waits 5 s for the passive reply; without one (a timeout or a non-200 answer) it
tries the same MsgId again, three tries in all, then gives up. ``deliver`` plays those
tries; ``Tally`` keeps what came back.
"""

from __future__ import annotations

import http.client
import itertools
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.devtools.signer import Signer

TOKEN, APPID = "tok-faults", "wxFAULTS0000001"
AES_KEY = "FaultsOnlyKey0123456789abcdefghijklmnopqrst"  # 43 characters, as WeChat issues them
WECHAT_PATIENCE = 5.0  # seconds WeChat waits for a passive reply
CODE = re.compile(r"GR\d{12}")
_ids = itertools.count(int(time.time()) * 1000)


def next_msg_id() -> int:
    return next(_ids)


def webhook_settings() -> dict[str, str]:
    return {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY,
            "WECHAT_ENCRYPT_MODE": "compatible"}


def signer() -> Signer:
    return Signer(token=TOKEN, receive_id=APPID, aes_key=AES_KEY)


@dataclass
class Answer:
    """One HTTP try: status (0: no answer), the reply text, how long it took."""

    msg_id: int
    status: int
    reply: str
    seconds: float
    error: str = ""

    @property
    def code(self) -> str:
        found = CODE.search(self.reply)
        return found.group(0) if found else ""


@dataclass
class Tally:
    """Every try of a run, thread-safe."""

    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> Answer:
        with self.lock:
            self.answers.append(answer)
        return answer

    def statuses(self) -> Counter[int]:
        return Counter(a.status for a in self.answers)

    def slowest(self) -> float:
        return max((a.seconds for a in self.answers), default=0.0)

    def by_message(self) -> dict[int, list[Answer]]:
        out: dict[int, list[Answer]] = {}
        for a in self.answers:
            out.setdefault(a.msg_id, []).append(a)
        return out


def post(base_url: str, sender: str, text: str, msg_id: int, *, safe: bool = False,
         timeout: float = 15.0) -> Answer:
    """One signed delivery of a text message over a fresh connection; never raises."""
    s, ts = signer(), int(time.time())
    fields = s.text(sender, text, msg_id, ts)
    query, body = s.safe(fields, ts) if safe else s.plain(fields, ts)
    parts = urlsplit(base_url)
    started = time.monotonic()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", f"/wechat/official?{query}", body=body,
                     headers={"Content-Type": "text/xml"})
        resp = conn.getresponse()
        status, content = resp.status, resp.read()
    except OSError as exc:  # refused, reset, timed out: WeChat saw no answer
        return Answer(msg_id, 0, "", time.monotonic() - started, type(exc).__name__)
    finally:
        conn.close()
    seconds = time.monotonic() - started
    reply = ""
    if status == 200 and content not in (b"", b"success"):
        try:
            reply = s.reply_text(content)
        except Exception as exc:  # noqa: BLE001 - an unreadable reply is recorded, not raised
            return Answer(msg_id, status, "", seconds, f"bad reply: {exc}")
    return Answer(msg_id, status, reply, seconds)


# -- report texts ------------------------------------------------------------------------------
PLACES = ("阳光花园1栋", "阳光花园2栋楼下", "阳光花园3栋门口", "阳光花园4栋", "阳光花园5栋",
          "幸福里小区", "幸福里东门", "和平新村", "和平新村北门", "我家楼下", "小区门口", "")
PROBLEMS = ("垃圾桶满了没人清运", "下水道堵了污水漫出来", "路灯坏了晚上很黑", "楼道堆满杂物",
            "井盖松了车一过就响", "电动车在楼道里充电", "消防通道被车堵住了", "有人乱贴小广告",
            "人行道上有人摆摊", "水管漏水没人修", "工地半夜施工太吵", "绿化带被倒了建筑垃圾",
            "外墙瓷砖往下掉", "健身器材坏了", "单元门禁坏了关不上", "小区里有人烧垃圾冒烟",
            "车棚电瓶被偷了", "化粪池冒水很臭", "树枝断了挂在半空", "有人装地锁占车位")
TAILS = ("", "好几天了", "麻烦尽快处理", "天天这样", "谢谢", "希望派人来看看")


def report_texts(count: int, threshold: float = 0.45) -> list[str]:
    """``count`` distinct texts the real classifier files as a case (a report, confident),
    each with a number so no two are the same words. The margin above the threshold keeps
    them cases when the model is retrained: the point here is faults, not classification."""
    from bot.nlp import classify

    out: list[str] = []
    combos = itertools.product(TAILS, PROBLEMS, PLACES)
    for n, (tail, problem, place) in enumerate(itertools.cycle(combos)):
        text = " ".join(p for p in (place, problem, f"第{n + 1}次反映", tail) if p)
        c = classify(text)
        if c.intent == "report" and c.confidence >= max(threshold + 0.3, 0.8):
            out.append(text)
            if len(out) == count:
                return out
        if n > count * 20:
            raise RuntimeError(f"only {len(out)} of {count} texts file a case")
    return out


# -- bursts -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    sender: str
    text: str
    msg_id: int


def messages(prefix: str, texts: list[str], senders: int) -> list[Message]:
    """One message per text from ``senders`` residents in turn, each with a fresh MsgId."""
    return [Message(f"{prefix}{i % senders:04d}", t, next_msg_id()) for i, t in enumerate(texts)]


def spread(items: list[Message], seconds: float, deliver, workers: int = 32) -> None:  # type: ignore[no-untyped-def]
    """Start ``deliver(message)`` for each message at evenly spaced moments over ``seconds``
    (a burst compressed in time), at most ``workers`` at once; waits for all of them."""
    from concurrent.futures import ThreadPoolExecutor

    start = time.monotonic()
    gap = seconds / max(1, len(items))

    def timed(pair: tuple[int, Message]) -> None:
        i, m = pair
        time.sleep(max(0.0, start + i * gap - time.monotonic()))
        deliver(m)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(timed, enumerate(items)))


def until_answered(base_url: str, m: Message, tally: Tally, *, tries: int = 3,
                   pause: float = 1.0) -> Answer:
    """WeChat's way: try again after a non-200 answer or no answer, ``tries`` in all
    (the pause stands for WeChat's 5 s, compressed)."""
    answer = tally.add(post(base_url, m.sender, m.text, m.msg_id))
    for _ in range(tries - 1):
        if answer.status == 200:
            break
        time.sleep(pause)
        answer = tally.add(post(base_url, m.sender, m.text, m.msg_id))
    return answer


def storm(base_url: str, m: Message, tally: Tally, rng) -> None:  # type: ignore[no-untyped-def]
    """Try 1; try 2 while try 1 is still in flight; try 3 once both answered."""
    first = threading.Thread(target=lambda: tally.add(post(base_url, m.sender, m.text, m.msg_id)))
    first.start()
    time.sleep(rng.uniform(0.0, 0.15))
    tally.add(post(base_url, m.sender, m.text, m.msg_id))
    first.join()
    tally.add(post(base_url, m.sender, m.text, m.msg_id))


class Timeline(threading.Thread):
    """Runs ``(seconds, action)`` pairs at those offsets from ``start()``; records when."""

    def __init__(self, steps) -> None:  # type: ignore[no-untyped-def]
        super().__init__(name="fault-timeline", daemon=True)
        self.steps = sorted(steps, key=lambda s: s[0])
        self.done: list[tuple[float, str]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        start = time.monotonic()
        for at, action in self.steps:
            time.sleep(max(0.0, start + at - time.monotonic()))
            try:
                action()
            except BaseException as exc:  # noqa: BLE001 - re-raised by finish()
                self.error = exc
                return
            self.done.append((time.monotonic() - start, getattr(action, "__name__", "step")))

    def finish(self) -> list[tuple[float, str]]:
        self.join(timeout=120)
        if self.error is not None:
            raise self.error
        return self.done
