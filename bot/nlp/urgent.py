"""Urgency (突发事件) detection: urgent phrases and their harmless contexts.

``config/nlp/urgent.yaml`` lists groups (fire, gas, lift, violence …). A group fires
when one of its phrases occurs (``a+b``: every part occurs in the message) and

* no harmless word (无害语境) sits in the same clause as the phrase
  ("上次着火的那家", "万一着火", "不是着火"), and
* no message-wide harmless word occurs ("人员已救出", 烧垃圾 for smoke).

A firing group also adds ``boost`` to its category's score.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.nlp.model import CATEGORY_LABELS
from bot.nlp.text import clauses
from bot.nlp.yamlnodes import Source

GROUP_FIELDS = {"category", "boost", "phrases", "requires_any", "harmless_clause",
                "harmless_message"}


@dataclass(frozen=True)
class UrgentGroup:
    name: str
    category: str  # "" → urgent without a category preference
    boost: float
    phrases: tuple[tuple[str, ...], ...]
    requires_any: tuple[str, ...]
    harmless_clause: tuple[str, ...]
    harmless_message: tuple[str, ...]


@dataclass(frozen=True)
class UrgentHit:
    group: str
    phrase: str
    category: str
    boost: float


def _words(src: Source, spec: dict, key: str) -> tuple[str, ...]:
    return tuple(w for w, _ in src.strings(spec[key])) if key in spec else ()


def parse_urgent(src: Source) -> tuple[list[UrgentGroup], tuple[str, ...], tuple[str, ...]]:
    root = src.root()
    spec = src.fields(root, {"harmless_clause", "harmless_message", "groups"}, {"groups"})
    groups = []
    for name, _key, node in src.items(spec["groups"]):
        group = src.fields(node, GROUP_FIELDS, {"phrases"})
        category = src.text(group["category"]) if "category" in group else ""
        if category and category not in CATEGORY_LABELS:
            raise src.error(group["category"], f"unknown category code {category!r}")
        boost = src.number(group["boost"], 0, 50) if "boost" in group else 0.0
        phrases = []
        for phrase, phrase_node in src.strings(group["phrases"]):
            parts = tuple(p.strip() for p in phrase.split("+"))
            if not all(parts):
                raise src.error(phrase_node, f"empty part in phrase {phrase!r}")
            phrases.append(parts)
        groups.append(UrgentGroup(
            name, category, boost, tuple(phrases), _words(src, group, "requires_any"),
            _words(src, group, "harmless_clause"), _words(src, group, "harmless_message"),
        ))
    return groups, _words(src, spec, "harmless_clause"), _words(src, spec, "harmless_message")


class UrgencyDetector:
    """Finds urgent groups in a normalised text."""

    def __init__(self, groups: list[UrgentGroup], clause_words: tuple[str, ...],
                 message_words: tuple[str, ...]) -> None:
        self.groups = groups
        self.clause_words = clause_words
        self.message_words = frozenset(message_words)
        self._firsts = [frozenset(parts[0] for parts in g.phrases) for g in groups]

    def vocabulary(self) -> set[str]:
        return {part for g in self.groups for parts in g.phrases for part in parts if len(part) > 1}

    def presence_words(self) -> set[str]:
        words = set(self.message_words) | set(self.clause_words)
        for g in self.groups:
            words.update(p for parts in g.phrases for p in parts)
            words.update(g.requires_any + g.harmless_clause + g.harmless_message)
        return words

    def detect(self, text: str, present: set[str]) -> list[UrgentHit]:
        """Urgent groups firing in ``text``; ``present`` is the set of words occurring in it."""
        if not present.isdisjoint(self.message_words):
            return []
        hits: list[UrgentHit] = []
        parts_of_text: list[tuple[int, str]] | None = None
        for group, firsts in zip(self.groups, self._firsts, strict=True):
            if present.isdisjoint(firsts):
                continue
            if group.requires_any and present.isdisjoint(group.requires_any):
                continue
            if not present.isdisjoint(group.harmless_message):
                continue
            harmless = self.clause_words + group.harmless_clause
            for parts in group.phrases:
                if not all(p in present for p in parts):
                    continue
                if parts_of_text is None:
                    parts_of_text = clauses(text)
                if any(parts[0] in clause and not any(w in clause for w in harmless)
                       for _, clause in parts_of_text):
                    hits.append(UrgentHit(group.name, "+".join(parts), group.category, group.boost))
                    break
        return hits
