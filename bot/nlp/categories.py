"""Category scoring (案件类别打分) from weighted keyword and phrase tables.

Each ``config/nlp/categories/<code>.yaml`` gives, for one category:

* ``keywords`` — ``term: weight``, matched as substrings (see ``matcher``);
* ``tokens`` — ``word: weight``, matched only as a whole jieba token (for 1-char words);
* ``phrases`` — ``part+part: weight``, every part must occur somewhere in the text;
* ``negative`` — ``term: weight``, subtracted when the term occurs.

``common.yaml`` adds neutral words (中性词) that only hide shorter terms inside them, and
``rules.yaml`` the context shifts (语境转移) such as 小区/物业 moving 市政设施 → 物业管理.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.nlp.matcher import Match, resolve
from bot.nlp.model import CATEGORY_LABELS
from bot.nlp.text import CLAUSE_SPLIT as CLAUSE_END
from bot.nlp.yamlnodes import Source

CATEGORY_FIELDS = {"code", "label", "keywords", "tokens", "phrases", "negative"}


@dataclass
class CategoryTable:
    code: str
    keywords: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    phrases: list[tuple[tuple[str, ...], float]] = field(default_factory=list)


@dataclass(frozen=True)
class Shift:
    """Move ``ratio`` of ``source``'s score to ``target`` when a context word occurs."""

    source: str
    target: str
    if_any: tuple[str, ...]
    unless_any: tuple[str, ...]
    ratio: float


def parse_category(src: Source, expected_code: str) -> CategoryTable:
    root = src.root()
    spec = src.fields(root, CATEGORY_FIELDS, {"code", "keywords"})
    code = src.text(spec["code"])
    if code not in CATEGORY_LABELS:
        raise src.error(spec["code"], f"unknown category code {code!r}")
    if code != expected_code:
        raise src.error(spec["code"], f"code {code!r} does not match file name {expected_code!r}")
    if "label" in spec and src.text(spec["label"]) != CATEGORY_LABELS[code]:
        raise src.error(spec["label"], f"label must be {CATEGORY_LABELS[code]!r}")
    table = CategoryTable(code)
    for term, weight, line in src.weights(spec["keywords"]):
        if "+" in term:
            raise src.fail(line, f"'+' belongs in phrases, not keywords: {term!r}")
        table.keywords[term] = weight
    if "tokens" in spec:
        table.tokens = {term: w for term, w, _ in src.weights(spec["tokens"])}
    if "phrases" in spec:
        for term, weight, line in src.weights(spec["phrases"]):
            parts = tuple(p.strip() for p in term.split("+"))
            if len(parts) < 2 or not all(parts):
                raise src.fail(line, f"a phrase joins two or more words with '+': {term!r}")
            table.phrases.append((parts, weight))
    if "negative" in spec:
        for term, weight, line in src.weights(spec["negative"], 0, 20):
            if "+" in term:
                raise src.fail(line, f"negative words are single terms: {term!r}")
            table.phrases.append(((term,), -weight))
    return table


def parse_shifts(src: Source) -> list[Shift]:
    root = src.root()
    spec = src.fields(root, {"shifts"}, {"shifts"})
    node = spec["shifts"]
    if not hasattr(node, "value") or not isinstance(node.value, list):
        raise src.error(node, "shifts must be a list")
    shifts = []
    for item in node.value:
        rule = src.fields(item, {"from", "to", "if_any", "unless_any", "ratio"},
                          {"from", "to", "if_any", "ratio"})
        codes = [src.text(rule["from"]), src.text(rule["to"])]
        for code, key in zip(codes, ("from", "to"), strict=True):
            if code not in CATEGORY_LABELS:
                raise src.error(rule[key], f"unknown category code {code!r}")
        unless = rule.get("unless_any")
        shifts.append(Shift(
            codes[0], codes[1],
            tuple(w for w, _ in src.strings(rule["if_any"])),
            tuple(w for w, _ in src.strings(unless)) if unless is not None else (),
            src.number(rule["ratio"], 0, 1),
        ))
    return shifts


class CategoryModel:
    """Scores every category for a normalised text, its jieba tokens and its term matches."""

    def __init__(self, tables: list[CategoryTable], neutral: list[str], shifts: list[Shift],
                 aside: tuple[tuple[str, ...], float] = ((), 1.0),
                 denials: tuple[tuple[str, ...], str] = ((), "")):
        self.term_weights: dict[str, list[tuple[str, float]]] = {t: [] for t in neutral}
        self.token_weights: dict[str, list[tuple[str, float]]] = {}
        self.phrases: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
        for table in tables:
            for term, weight in table.keywords.items():
                self.term_weights.setdefault(term, []).append((table.code, weight))
            for token, weight in table.tokens.items():
                self.token_weights.setdefault(token, []).append((table.code, weight))
            for parts, weight in table.phrases:
                key = max(parts, key=len)  # the rarest part, most likely absent
                self.phrases.setdefault(key, []).append((parts, table.code, weight))
        self.phrase_keys = frozenset(self.phrases)
        self.token_keys = frozenset(self.token_weights)
        self.shifts = [(s, frozenset(s.if_any), frozenset(s.unless_any)) for s in shifts]
        self.aside_markers, self.aside_factor = aside
        self.denials, self.rhetorical = denials

    def vocabulary(self) -> set[str]:
        """Words worth giving to jieba as user words."""
        words = {t for t in self.term_weights if len(t) > 1}
        words.update(t for t in self.token_weights if len(t) > 1)
        return words

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
        for match in resolve([m for m in found if m.term in weights]):
            factor = 1.0 if match.start < aside_at else self.aside_factor
            if self._denied(text, match):
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
                if all(part in present for part in parts):
                    scores[code] += weight
        for shift, if_any, unless_any in self.shifts:
            if not present.isdisjoint(if_any) and present.isdisjoint(unless_any):
                moved = max(scores[shift.source], 0.0) * shift.ratio
                scores[shift.source] -= moved
                scores[shift.target] += moved
        for code, value in scores.items():
            scores[code] = max(value, 0.0)
        ranked = sorted((t for t, s in strength.items() if s > 0), key=lambda t: (-strength[t], t))
        return scores, ranked


    def _denied(self, text: str, match: Match) -> bool:
        """不是X (but not the rhetorical 不是X吗)."""
        before = text[max(0, match.start - 4) : match.start]
        if not any(before.endswith(word) for word in self.denials):
            return False
        rest = CLAUSE_END.split(text[match.end :], maxsplit=1)[0]
        return not any(char in rest for char in self.rhetorical)


def confidence(scores: dict[str, float], tau: float) -> float:
    """Margin-based confidence: (s1 − s2) / s1, damped when the evidence is thin."""
    top = sorted(scores.values(), reverse=True)
    best, second = top[0], top[1]
    if best <= 0:
        return 0.0
    return round((best - second) / best * (1.0 - math.exp(-best / tau)), 3)
