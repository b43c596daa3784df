"""Hot words (热词) of a day's reports: 2–4 character Chinese phrases several reports share.

No word list and no segmenter: every run of Chinese characters is cut at stop characters
(的, 了, 吗 …), its 2–4 character pieces are counted once per report, and the pieces found
in at least ``min_reports`` reports win, ranked by reports × length (a phrase three
reports share beats its fragments), a piece overlapping an already chosen word dropped
(垃圾堆积 beats 垃圾堆, 圾堆积 and 垃圾).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class HotWordRules:
    limit: int = 5
    min_reports: int = 2
    min_length: int = 2
    max_length: int = 4
    stop_chars: str = ""
    stop_words: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, raw: dict) -> HotWordRules:
        return cls(limit=int(raw.get("limit", 5)), min_reports=int(raw.get("min_reports", 2)),
                   min_length=int(raw.get("min_length", 2)),
                   max_length=int(raw.get("max_length", 4)),
                   stop_chars=str(raw.get("stop_chars", "")),
                   stop_words=frozenset(raw.get("stop_words") or ()))


def pieces(text: str, rules: HotWordRules) -> set[str]:
    """Every 2–4 character piece of ``text`` that holds no stop character or stop word."""
    found: set[str] = set()
    splitter = re.compile(f"[{re.escape(rules.stop_chars)}]") if rules.stop_chars else None
    for run in CJK_RUN.findall(text):
        for part in (splitter.split(run) if splitter else [run]):
            for n in range(rules.min_length, rules.max_length + 1):
                for i in range(len(part) - n + 1):
                    piece = part[i:i + n]
                    if not any(w in piece for w in rules.stop_words):
                        found.add(piece)
    return found


def _overlap(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` share two characters in a row (路灯不亮 / 楼道路灯)."""
    return any(a[i:i + 2] in b for i in range(len(a) - 1))


def hot_words(texts: Iterable[str], rules: HotWordRules) -> list[tuple[str, int]]:
    """The hot words of ``texts`` with how many texts hold each, most shared first."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(pieces(text, rules))
    candidates = sorted((w for w, n in counts.items() if n >= rules.min_reports),
                        key=lambda w: (-counts[w] * len(w), -len(w), w))
    chosen: list[str] = []
    for word in candidates:
        if any(_overlap(word, c) for c in chosen):
            continue
        chosen.append(word)
        if len(chosen) >= rules.limit:
            break
    return [(w, counts[w]) for w in chosen]
