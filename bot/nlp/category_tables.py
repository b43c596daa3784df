"""Category tables (类别词表): parsing ``config/nlp/categories/*.yaml`` and ``rules.yaml``.

Each ``categories/<code>.yaml`` gives, for one category:

* ``keywords`` — ``term: weight``, matched as substrings (see ``matcher``);
* ``tokens`` — ``word: weight``, matched only as a whole jieba token (short words);
* ``phrases`` — ``part+part: weight``, every part must occur somewhere in the text;
* ``negative`` — ``term: weight``, subtracted when the term occurs.

``rules.yaml`` lists the context shifts (语境转移) such as 小区/物业 moving 市政设施 → 物业管理.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yaml.nodes import SequenceNode

from bot.nlp.model import CATEGORY_LABELS
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
    if not isinstance(node, SequenceNode):
        raise src.error(node, "shifts must be a list of rules")
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
