"""Features of the learned category model (统计模型特征): character n-grams.

The text is the normalised message (half-width, lower case, typos fixed). It is cut
into clauses at punctuation and spaces; runs of ASCII digits become ``0`` (room and
phone numbers say nothing about the category); then every character 1…``n``-gram
inside a clause is a feature. Features are a set: a word said twice counts once.
"""

from __future__ import annotations

import re

from bot.nlp.text import CLAUSE_SPLIT

_DIGITS = re.compile(r"\d+")


def ngrams(text: str, n: int = 3) -> set[str]:
    """Character 1…n-grams of every clause of a normalised ``text``."""
    out: set[str] = set()
    for clause in CLAUSE_SPLIT.split(_DIGITS.sub("0", text)):
        out.update(clause)  # the characters
        for size in range(2, n + 1):
            out.update(clause[i : i + size] for i in range(len(clause) - size + 1))
    return out
