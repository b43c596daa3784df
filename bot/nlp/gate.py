"""Character gates for regular expressions (正则预筛): skip a search that cannot match.

The intent tables hold a few dozen patterns that are searched in every message, and
most of them cannot match most messages: 几点(下班|上班…) needs a 几, 正常吗 a 吗. A
*gate* is a set of characters of which every match of the pattern contains at least
one; when the message holds none of them, the search is skipped. The gate is read off
the compiled pattern's parse tree, so tables stay plain regular expressions:

* a literal gives itself, a class of literals gives its members (a small range too);
* a sequence needs all its parts: their gates all apply (有吗 needs a 有 *and* a 吗);
* an alternation needs one of its branches: the union of one gate of each, or no gate
  when a branch has none;
* a repeat gives its body's gates only when it must occur (``{1,}``, not ``?`` or ``*``);
* anything else (``.``, ``\\w``, negated classes, anchors, lookarounds) gives no gate.

When nothing can be read the pattern has no gate and is always searched: a gate can only
skip searches that would have failed, never change a result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

_MAX_RANGE = 64  # a class range wider than this (一-龥) gates nothing worth having
_MAX_GATES = 3  # the smallest sets of a sequence are checked; more would cost more than a search

Gate = tuple[frozenset[str], ...]  # every set must share a character with the text


def gate_of(pattern: re.Pattern[str]) -> Gate:
    """Sets of characters of which every match of ``pattern`` holds one each (all of
    them); empty when nothing can be read, and then the pattern is always searched."""
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
    except (re.error, TypeError, ValueError):
        return ()
    sets = sorted(_sequence(list(tree)), key=len)[:_MAX_GATES]
    if pattern.flags & re.IGNORECASE:
        sets = [{c for char in chars for c in (char, char.lower(), char.upper())} for chars in sets]
    return tuple(frozenset(chars) for chars in sets)


def passes(gate: Gate, chars: set[str] | frozenset[str]) -> bool:
    """Whether a text made of ``chars`` could match a pattern with this gate."""
    return all(not need.isdisjoint(chars) for need in gate)


def _sequence(items: Iterable[tuple[object, object]]) -> list[set[str]]:
    out: list[set[str]] = []
    for op, arg in items:
        out.extend(_item(op, arg))
    return out


def _item(op: object, arg: object) -> list[set[str]]:
    if op is sre.LITERAL:
        return [{chr(arg)}]  # type: ignore[arg-type]
    if op is sre.IN:
        members = _members(arg)  # type: ignore[arg-type]
        return [members] if members else []
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, body = arg  # type: ignore[misc]
        return [] if add_flags & re.IGNORECASE else _sequence(body)  # (?i:…) gates nothing
    if op is sre.BRANCH:
        union: set[str] = set()
        for branch in arg[1]:  # type: ignore[index]
            found = _sequence(branch)
            if not found:
                return []
            union |= min(found, key=len)
        return [union]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, _high, body = arg  # type: ignore[misc]
        return _sequence(body) if low >= 1 else []
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(arg)  # type: ignore[arg-type]
    return []


def _members(items: list[tuple[object, object]]) -> set[str] | None:
    chars: set[str] = set()
    for op, arg in items:
        if op is sre.LITERAL:
            chars.add(chr(arg))  # type: ignore[arg-type]
        elif op is sre.RANGE and arg[1] - arg[0] < _MAX_RANGE:  # type: ignore[index, operator]
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))  # type: ignore[index, operator]
        else:
            return None  # NEGATE, CATEGORY (\d, \s), a wide range
    return chars


class GatedPatterns:
    """Weighted patterns behind their gates. Each pattern is filed under the characters
    of its smallest gate set, so a message looks up its own characters and searches only
    the patterns filed under one of them (and whose other gate sets it also meets)."""

    def __init__(self, weighted: Iterable[tuple[re.Pattern[str], float]]) -> None:
        self.entries = [(gate_of(p), p.search, w) for p, w in weighted]
        self._always = tuple(i for i, (gate, _, _) in enumerate(self.entries) if not gate)
        by_char: dict[str, list[int]] = {}
        for i, (gate, _, _) in enumerate(self.entries):
            for char in gate[0] if gate else ():
                by_char.setdefault(char, []).append(i)
        self._by_char = {char: tuple(ids) for char, ids in by_char.items()}
        self._chars = frozenset(by_char)

    def _candidates(self, chars: set[str] | frozenset[str]) -> list[int]:
        ids = set(self._always)
        for char in self._chars.intersection(chars):
            ids.update(self._by_char[char])
        return sorted(ids)

    def _matching(self, text: str, chars: set[str] | frozenset[str]) -> Iterator[float]:
        """Weights of the patterns that match ``text`` (whose characters are ``chars``), in
        table order, found lazily."""
        for i in self._candidates(chars):
            gate, search, weight = self.entries[i]
            if passes(gate[1:], chars) and search(text):
                yield weight

    def total(self, text: str, chars: set[str] | frozenset[str]) -> float:
        return sum(self._matching(text, chars))

    def any(self, text: str, chars: set[str] | frozenset[str]) -> bool:
        """Whether any pattern matches (stops at the first)."""
        return next(self._matching(text, chars), None) is not None
