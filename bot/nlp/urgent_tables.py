"""The urgency table (突发事件词表): parsing ``config/nlp/urgent.yaml``.

Concepts are named word lists; a phrase such as ``$lift+$stuck`` joins parts, each a
literal word or ``$concept``. Blockers (past, hypothetical, negated …) are named
lists too, merged into one set for the same-clause check; message blockers (resolved,
drill) silence every group. Every mistake is reported as ``FILE:LINE: reason``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yaml.nodes import Node

from bot.nlp.model import CATEGORY_LABELS
from bot.nlp.yamlnodes import Source

TOP_FIELDS = {"concepts", "neutral", "negation", "blockers", "message_blockers", "groups",
              "safety_net_requires_any", "safety_net_quiet_when", "opening_past", "still_now", "worse_now",
              "hearsay", "firsthand", "goes_on"}
GROUP_FIELDS = {"category", "boost", "phrases", "requires_any", "harmless_clause",
                "harmless_message", "defer_to"}
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Part:
    """One part of a phrase: a literal word or a concept (any of its words)."""

    label: str
    words: frozenset[str]


@dataclass(frozen=True)
class UrgentGroup:
    name: str
    category: str  # "" → urgent without a category preference
    boost: float
    phrases: tuple[tuple[Part, ...], ...]
    requires_any: frozenset[str]
    harmless_clause: frozenset[str]
    harmless_message: frozenset[str]
    defer_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class UrgentTable:
    groups: tuple[UrgentGroup, ...]
    neutral: frozenset[str]
    negation: frozenset[str]
    clause_blockers: frozenset[str]
    message_blockers: frozenset[str]
    # The learned model's safety net may only raise an alarm when one of these danger
    # roots (火, 血, 倒 …) occurs; empty: no gate.
    net_requires_any: frozenset[str] = frozenset()
    # … and keeps quiet when one of these occurs anywhere (a worry, a hazard that stands there)
    net_quiet_when: frozenset[str] = frozenset()
    # A message whose first clause is set in the past (前天晚上有人打架 …) tells a story,
    # unless a word of still_now says it goes on (现在还在, 又, 今天).
    opening_past: frozenset[str] = frozenset()
    still_now: frozenset[str] = frozenset()
    # Words saying the danger is worse now (今天特别浓, 比之前浓多了): a past blocker
    # earlier in the message no longer silences the hazard it precedes.
    worse_now: frozenset[str] = frozenset()
    # Second-hand news (听说, 群里说) silences every group, unless a firsthand word
    # (咳嗽, 眼睛睁不开) says the writer suffers the danger right now.
    hearsay: frozenset[str] = frozenset()
    firsthand: frozenset[str] = frozenset()
    # The clause blockers of the list named `past` (上周, 昨天 …): the ones a later
    # "worse now" word overrides.
    past_blockers: frozenset[str] = frozenset()
    # The message blockers of the list named `escaped` (我已经出来了: the writer is out)
    # silence nothing when a word of goes_on (火还在烧, 水还在涨) says the danger itself goes on.
    escaped: frozenset[str] = frozenset()
    goes_on: frozenset[str] = frozenset()

    def words(self) -> set[str]:
        """Every word the detector looks for."""
        words = set(self.neutral | self.negation | self.clause_blockers | self.message_blockers
                    | self.net_requires_any | self.net_quiet_when | self.opening_past | self.still_now
                    | self.worse_now | self.hearsay | self.firsthand | self.goes_on)
        for g in self.groups:
            words.update(w for parts in g.phrases for part in parts for w in part.words)
            words.update(g.requires_any | g.harmless_clause | g.harmless_message)
        return words


def _words(src: Source, node: Node | None) -> frozenset[str]:
    return frozenset(w for w, _ in src.strings(node)) if node is not None else frozenset()


def _named_lists(src: Source, node: Node, what: str) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for name, key_node, value in src.items(node):
        if not _NAME.fullmatch(name):
            raise src.error(key_node, f"{what} names are lower-case ASCII words, got {name!r}")
        out[name] = _words(src, value)
    return out


def _phrase(src: Source, node: Node, text: str, concepts: dict[str, frozenset[str]]) -> tuple[Part, ...]:
    parts = []
    for raw in text.split("+"):
        part = raw.strip()
        if not part:
            raise src.error(node, f"empty part in phrase {text!r}")
        if part.startswith("$"):
            if part[1:] not in concepts:
                raise src.error(node, f"unknown concept {part!r} in phrase {text!r} "
                                      f"(known: {', '.join(sorted(concepts))})")
            parts.append(Part(part, concepts[part[1:]]))
        else:
            parts.append(Part(part, frozenset({part})))
    return tuple(parts)


def parse_urgent(src: Source) -> UrgentTable:
    spec = src.fields(src.root(), TOP_FIELDS, {"groups"})
    concepts = _named_lists(src, spec["concepts"], "concept") if "concepts" in spec else {}
    blockers = _named_lists(src, spec["blockers"], "blocker") if "blockers" in spec else {}
    message = (_named_lists(src, spec["message_blockers"], "blocker")
               if "message_blockers" in spec else {})
    groups: list[UrgentGroup] = []
    defer_nodes: list[tuple[str, Node]] = []
    for name, _key, node in src.items(spec["groups"]):
        group = src.fields(node, GROUP_FIELDS, {"phrases"})
        category = src.text(group["category"]) if "category" in group else ""
        if category and category not in CATEGORY_LABELS:
            raise src.error(group["category"], f"unknown category code {category!r}")
        phrases = tuple(_phrase(src, n, text, concepts) for text, n in src.strings(group["phrases"]))
        defer: tuple[str, ...] = ()
        if "defer_to" in group:
            pairs = src.strings(group["defer_to"])
            defer = tuple(w for w, _ in pairs)
            defer_nodes.extend(pairs)
        groups.append(UrgentGroup(
            name=name, category=category,
            boost=src.number(group["boost"], 0, 50) if "boost" in group else 0.0,
            phrases=phrases,
            requires_any=_words(src, group.get("requires_any")),
            harmless_clause=_words(src, group.get("harmless_clause")),
            harmless_message=_words(src, group.get("harmless_message")),
            defer_to=defer,
        ))
    names = {g.name for g in groups}
    for word, node in defer_nodes:
        if word not in names:
            raise src.error(node, f"defer_to names an unknown group {word!r}")
    return UrgentTable(
        groups=tuple(groups),
        neutral=_words(src, spec.get("neutral")),
        negation=_words(src, spec.get("negation")),
        clause_blockers=frozenset().union(*blockers.values()),
        message_blockers=frozenset().union(*message.values()),
        net_requires_any=_words(src, spec.get("safety_net_requires_any")),
        net_quiet_when=_words(src, spec.get("safety_net_quiet_when")),
        opening_past=_words(src, spec.get("opening_past")),
        still_now=_words(src, spec.get("still_now")),
        worse_now=_words(src, spec.get("worse_now")),
        hearsay=_words(src, spec.get("hearsay")),
        firsthand=_words(src, spec.get("firsthand")),
        past_blockers=blockers.get("past", frozenset()),
        escaped=message.get("escaped", frozenset()),
        goes_on=_words(src, spec.get("goes_on")),
    )
