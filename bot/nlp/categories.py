"""Category scoring (案件类别打分) from the weighted keyword and phrase tables.

Matched keywords add their weights (longest match wins, see ``matcher``); a keyword
after a denial (不是X) counts nothing and one after an aside marker (顺便 …) counts
less; phrases and negative words are added; then the context shifts of ``rules.yaml``
move score between neighbouring categories ("who must act first").
"""

from __future__ import annotations

import math
import re

from bot.nlp.category_tables import CategoryTable, Shift
from bot.nlp.matcher import Match, resolve
from bot.nlp.model import CATEGORY_LABELS
from bot.nlp.text import CLAUSE_SPLIT


class CategoryModel:
    """Scores every category for a normalised text, its jieba tokens and its term matches."""

    def __init__(self, tables: list[CategoryTable], neutral: list[str], shifts: list[Shift],
                 aside: tuple[tuple[str, ...], float] = ((), 1.0),
                 denials: tuple[tuple[str, ...], str, tuple[str, ...]] = ((), "", ())):
        self.term_weights: dict[str, list[tuple[str, float]]] = {t: [] for t in neutral}
        self.token_weights: dict[str, list[tuple[str, float]]] = {}
        self.phrases: dict[str, list[tuple[frozenset[str], str, float]]] = {}
        for table in tables:
            for term, weight in table.keywords.items():
                self.term_weights.setdefault(term, []).append((table.code, weight))
            for token, weight in table.tokens.items():
                self.token_weights.setdefault(token, []).append((table.code, weight))
            for parts, weight in table.phrases:
                key = max(parts, key=len)  # the rarest part, most likely absent
                self.phrases.setdefault(key, []).append((frozenset(parts), table.code, weight))
        self.phrase_keys = frozenset(self.phrases)
        # A token of letters and digits (110) is a whole run of them, as jieba cuts it: found
        # by a pattern, without jieba, and never given to jieba as a word (it would cut 110
        # out of room 1101). jieba is asked only for the other token-only entries.
        runs = {t for t in self.token_weights if t.isascii() and t.isalnum()}
        self._runs = {t: re.compile(f"(?<![a-z0-9]){re.escape(t)}(?![a-z0-9])") for t in runs}
        self.token_keys = frozenset(self.token_weights) - runs
        self.shifts = [(s, frozenset(s.if_any), frozenset(s.unless_any)) for s in shifts]
        self.aside_markers, self.aside_factor = aside
        self.denials, self.rhetorical, self.questions = denials

    def vocabulary(self) -> set[str]:
        """Words worth giving to jieba as user words."""
        words = {t for t in self.term_weights if len(t) > 1}
        words.update(t for t in self.token_weights if len(t) > 1 and t not in self._runs)
        return words

    def run_tokens(self, text: str, present: set[str]) -> list[str]:
        """The letter-and-digit tokens standing alone in ``text`` (拨打110, not 1101室)."""
        return [t for t, pattern in self._runs.items() if t in present and pattern.search(text)]

    def presence_words(self) -> set[str]:
        """Every substring whose presence the scoring asks about."""
        words = set(self.term_weights) | set(self.aside_markers) | set(self.token_weights)
        for entries in self.phrases.values():
            words.update(part for parts, _, _ in entries for part in parts)
        for shift, _, _ in self.shifts:
            words.update(shift.if_any + shift.unless_any)
        return words

    def score(self, text: str, tokens: list[str], found: list[Match],
              present: set[str]) -> tuple[dict[str, float], list[str]]:
        """Category scores (≥ 0) and the matched terms, strongest first.

        ``found`` holds the raw matches of the engine's scan and ``present`` the set of
        words occurring in ``text``.
        """
        scores = dict.fromkeys(CATEGORY_LABELS, 0.0)
        strength: dict[str, float] = {}
        aside_at = min((text.find(m) for m in self.aside_markers if m in present), default=len(text))
        factors: dict[str, float] = {}
        weights = self.term_weights
        denial = any(word in text for word in self.denials)  # most messages deny nothing
        for match in resolve([m for m in found if m.term in weights]):
            factor = 1.0 if match.start < aside_at else self.aside_factor
            if denial and self._denied(text, match):
                factor = 0.0
            factors[match.term] = max(factors.get(match.term, 0.0), factor)
        for token in tokens:
            if token in self.token_weights:
                factors.setdefault(token, 1.0)
        for term, factor in factors.items():
            for code, weight in weights.get(term, []) + self.token_weights.get(term, []):
                scores[code] += weight * factor
                strength[term] = max(strength.get(term, 0.0), weight * factor)
        for key in present & self.phrase_keys:
            for parts, code, weight in self.phrases[key]:
                if parts <= present:
                    scores[code] += weight
        for shift, if_any, unless_any in self.shifts:
            if not present.isdisjoint(if_any) and present.isdisjoint(unless_any):
                moved = max(scores[shift.source], 0.0) * shift.ratio
                scores[shift.source] -= moved
                scores[shift.target] += moved
        scores = {code: max(value, 0.0) for code, value in scores.items()}
        ranked = sorted((t for t, s in strength.items() if s > 0), key=lambda t: (-strength[t], t))
        return scores, ranked


    def _denied(self, text: str, match: Match) -> bool:
        """不是X (but not the rhetorical 不是X吗, nor the question 是不是X)."""
        before = text[max(0, match.start - 4) : match.start]
        if not any(before.endswith(word) for word in self.denials):
            return False
        if any(before.endswith(word) for word in self.questions):
            return False
        rest = CLAUSE_SPLIT.split(text[match.end :], maxsplit=1)[0]
        return not any(char in rest for char in self.rhetorical)


def confidence(scores: dict[str, float], tau: float) -> float:
    """Margin-based confidence: (s1 − s2) / s1, damped when the evidence is thin."""
    top = sorted(scores.values(), reverse=True)
    best, second = top[0], top[1]
    if best <= 0:
        return 0.0
    return round((best - second) / best * (1.0 - math.exp(-best / tau)), 3)
