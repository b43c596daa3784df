"""Substring matching of table terms (词条匹配) without word boundaries.

Chinese has no spaces, so terms are found as substrings. ``TermMatcher.raw`` finds
every occurrence of every term in one pass over the text; the engine does this once
per message and hands the result to all components. For scoring, ``resolve`` keeps
matches sensible and lets an admin override a short word with a longer one:

* a match lying inside a longer match is dropped (养老保险 hides 养老);
* of two partly overlapping matches the longer wins (停电动车: 电动车 beats 停电);
  equally long ones are both kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Match(NamedTuple):
    """One term found at ``start`` (inclusive) to ``end`` (exclusive). A named tuple: a
    message makes a dozen of them, and a tuple is built several times faster than a frozen
    dataclass."""

    term: str
    start: int
    end: int


class TermMatcher:
    """All occurrences of known terms; terms are indexed by their first two characters,
    then grouped by length (one slice and one set lookup per length)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.singles: set[str] = set()
        by_prefix: dict[str, dict[int, set[str]]] = {}
        for term in set(terms):
            if len(term) == 1:
                self.singles.add(term)
            elif term:
                by_prefix.setdefault(term[:2], {}).setdefault(len(term), set()).add(term)
        self._pairs: dict[str, tuple[tuple[int, frozenset[str]], ...]] = {
            prefix: tuple((size, frozenset(group)) for size, group in sorted(lengths.items(), reverse=True))
            for prefix, lengths in by_prefix.items()
        }

    def raw(self, text: str) -> list[Match]:
        """Every occurrence of every term, overlapping or not (longest first per position)."""
        found: list[Match] = []
        pairs, singles = self._pairs, self.singles
        for pos in range(len(text)):
            char = text[pos]
            if char in singles:
                found.append(Match(char, pos, pos + 1))
            bucket = pairs.get(text[pos : pos + 2])
            if bucket is not None:
                for size, group in bucket:
                    piece = text[pos : pos + size]
                    if piece in group:
                        found.append(Match(piece, pos, pos + size))
        return found

    def find(self, text: str) -> list[Match]:
        return resolve(self.raw(text))


def resolve(found: list[Match]) -> list[Match]:
    """Apply the nesting and overlap rules; result in text order."""
    if len(found) < 2:
        return list(found)
    # cover[i]: length of the longest kept match over position i. Candidates come longest
    # first, so a kept one only lies over free positions or ones held by matches of its own
    # length (ties are both kept), and it may claim its whole span.
    cover = [0] * max(m.end for m in found)
    kept: list[Match] = []
    for cand in sorted(found, key=lambda m: (m.start - m.end, m.start)):  # longest first
        start, end = cand.start, cand.end
        size = end - start
        if max(cover[start:end]) > size:
            continue  # inside, or partly under, a longer match
        kept.append(cand)
        cover[start:end] = [size] * size
    kept.sort(key=lambda m: m.start)
    return kept
