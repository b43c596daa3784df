"""Tables as if written without a fold (留出词表) — for honest cross-validation.

The keyword tables were written by people who had read the labelled rows, so on
those rows they look better than they will on new messages, and a blend weight
chosen there would trust them too much. ``held_out_tables`` therefore removes, for
one fold, every table entry that occurs *only* in rows of that fold — the words its
authors could have learned from nothing but those rows — and keeps everything seen
elsewhere too. Category keywords, tokens and phrases, the intent words and patterns
and the words of the urgent phrases and concepts are filtered; blockers, neutral
words, addresses and the rest are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.nlp.category_tables import CategoryTable
from bot.nlp.intent import IntentTable
from bot.nlp.matcher import TermMatcher
from bot.nlp.tables import Tables
from bot.nlp.urgent_tables import Part, UrgentTable


class Occurrences:
    """Which rows (normalised texts) contain each table word or match each pattern."""

    def __init__(self, tables: Tables, texts: Sequence[str]) -> None:
        self.texts = texts
        words = set(_intent_words(tables.intents))
        words.update(w for g in tables.urgent.groups for parts in g.phrases for p in parts
                     for w in p.words)
        for table in tables.categories:
            words.update(table.keywords)
            words.update(table.tokens)
            words.update(part for parts, _ in table.phrases for part in parts)
        scanner = TermMatcher(words)
        self.rows: dict[str, set[int]] = {}
        for index, text in enumerate(texts):
            for term in {m.term for m in scanner.raw(text)}:
                self.rows.setdefault(term, set()).add(index)
        self._patterns: dict[str, set[int]] = {}

    def of(self, parts: Iterable[str]) -> set[int]:
        """Rows holding every part."""
        found: set[int] | None = None
        for part in parts:
            rows = self.rows.get(part, set())
            found = set(rows) if found is None else found & rows
        return found or set()

    def of_pattern(self, pattern: re.Pattern[str]) -> set[int]:
        if pattern.pattern not in self._patterns:
            self._patterns[pattern.pattern] = {i for i, t in enumerate(self.texts) if pattern.search(t)}
        return self._patterns[pattern.pattern]


def _intent_words(t: IntentTable) -> list[str]:
    return (t.query_strong + t.query_refs + t.query_status + t.praise_words + t.praise_done
            + t.compliments + t.chitchat_words + t.about_bot + [w for w, _ in t.consult]
            + [w for w, _ in t.report])


def held_out_tables(tables: Tables, seen: Occurrences, inside: set[int]) -> Tables:
    """``tables`` without the entries found only in the rows ``inside`` (one fold)."""

    def only_inside(rows: set[int]) -> bool:
        return bool(rows) and rows <= inside

    def keep(word: str) -> bool:
        return not only_inside(seen.of([word]))

    categories = [
        CategoryTable(
            code=t.code,
            keywords={w: v for w, v in t.keywords.items() if keep(w)},
            tokens={w: v for w, v in t.tokens.items() if keep(w)},
            phrases=[(p, v) for p, v in t.phrases if not only_inside(seen.of(p))],
        )
        for t in tables.categories
    ]
    i = tables.intents
    intents = replace(
        i,
        query_strong=[w for w in i.query_strong if keep(w)],
        query_refs=[w for w in i.query_refs if keep(w)],
        query_status=[w for w in i.query_status if keep(w)],
        query_patterns=[p for p in i.query_patterns if not only_inside(seen.of_pattern(p))],
        praise_words=[w for w in i.praise_words if keep(w)],
        praise_done=[w for w in i.praise_done if keep(w)],
        compliments=[w for w in i.compliments if keep(w)],
        consult=[(w, v) for w, v in i.consult if keep(w)],
        consult_patterns=[(p, v) for p, v in i.consult_patterns
                          if not only_inside(seen.of_pattern(p))],
        report=[(w, v) for w, v in i.report if keep(w)],
    )
    return replace(tables, categories=categories, intents=intents,
                   urgent=_urgent(tables.urgent, keep))


def _urgent(table: UrgentTable, keep) -> UrgentTable:
    groups = []
    for g in table.groups:
        phrases = tuple(tuple(Part(p.label, frozenset(w for w in p.words if keep(w))) for p in parts)
                        for parts in g.phrases)
        groups.append(replace(g, phrases=tuple(ps for ps in phrases if all(p.words for p in ps))))
    return replace(table, groups=tuple(groups))
