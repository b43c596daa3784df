"""Substring matching of table terms (词条匹配) without word boundaries.

Chinese has no spaces, so terms are found as substrings. Two rules keep matches
sensible, and let an admin override a short word with a longer one:

* a match lying inside a longer match is dropped (养老保险 hides 养老);
* of two partly overlapping matches the longer wins (停电动车: 电动车 beats 停电);
  equally long ones are both kept.

Terms are indexed by their first character, so a message is scanned once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Match:
    """One term found at ``start`` (inclusive) to ``end`` (exclusive)."""

    term: str
    start: int
    end: int


class TermMatcher:
    """Finds the non-nested, longest-preferring occurrences of known terms."""

    def __init__(self, terms: Iterable[str]) -> None:
        index: dict[str, list[str]] = {}
        for term in set(terms):
            if term:
                index.setdefault(term[0], []).append(term)
        for bucket in index.values():
            bucket.sort(key=lambda t: (-len(t), t))
        self._index = index

    def __contains__(self, term: str) -> bool:
        return term in self._index.get(term[:1], ())

    def raw(self, text: str) -> list[Match]:
        """Every occurrence of every term, overlapping or not."""
        found: list[Match] = []
        index = self._index
        for pos, char in enumerate(text):
            bucket = index.get(char)
            if bucket is None:
                continue
            for term in bucket:
                if text.startswith(term, pos):
                    found.append(Match(term, pos, pos + len(term)))
        return found

    def find(self, text: str) -> list[Match]:
        """Occurrences after the nesting and overlap rules, in text order."""
        found = self.raw(text)
        if len(found) < 2:
            return found
        found.sort(key=lambda m: (m.start - m.end, m.start))  # longest first
        kept: list[Match] = []
        for cand in found:
            size = cand.end - cand.start
            for other in kept:
                if cand.start < other.end and other.start < cand.end:  # overlap
                    inside = other.start <= cand.start and cand.end <= other.end
                    if inside or other.end - other.start > size:
                        break
            else:
                kept.append(cand)
        kept.sort(key=lambda m: m.start)
        return kept
