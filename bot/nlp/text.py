"""Text normalisation (文本规范化) that keeps every character at its position.

Full-width letters and digits become half-width, letters become lower case, and
admin-listed typos (错别字, e.g. 路登 → 路灯) are replaced by words of the same length.
Because nothing changes length, a span found in the normalised text can be cut from
the original message verbatim (the address field relies on this).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space
for _code in list(_FULLWIDTH) + list(range(0x41, 0x5B)):
    _half = _FULLWIDTH.get(_code, _code)
    if 0x41 <= _half <= 0x5A:  # ASCII lower case only: str.lower() may change length
        _FULLWIDTH[_code] = _half + 0x20
# The few emoji that name a hazard or a score are read as a character (🔥🔥🔥 快 → 火火火 快);
# one code point each, so lengths stay unchanged.
_FULLWIDTH[0x1F525] = ord("火")
# Laughing faces are a laugh (笑死 楼下大爷跟大鹅打架 打输了😂 → …打输了哈; 😂😂 → 哈哈).
for _code in (0x1F602, 0x1F923, 0x1F606, 0x1F639):
    _FULLWIDTH[_code] = ord("哈")
# Stars are a rating (⭐⭐⭐⭐⭐ → 星星星星星).
_FULLWIDTH[0x2B50] = ord("星")
_FULLWIDTH[0x1F31F] = ord("星")

# Clause breaks (分句): punctuation, spaces and emoji-free separators between phrases.
CLAUSE_SPLIT = re.compile(r"[\s,，。.!！?？;；:：、~～…]+")

# Emoji and pictographs; treated as separators, never as words.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]")


def fold_width(text: str) -> str:
    """Full-width → half-width, upper → lower case; length is unchanged."""
    return text.translate(_FULLWIDTH)


class Normaliser:
    """Applies width folding and a same-length typo table (错别字表)."""

    def __init__(self, typos: Mapping[str, str]) -> None:
        self.typos = dict(typos)
        ordered = sorted(self.typos, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        folded = fold_width(text)
        folded = _EMOJI.sub(" ", folded)
        if self._pattern is None:
            return folded
        return self._pattern.sub(lambda m: self.typos[m.group(0)], folded)


def clauses(text: str) -> list[tuple[int, str]]:
    """Split into clauses (分句) with their start offsets."""
    out: list[tuple[int, str]] = []
    start = 0
    for match in CLAUSE_SPLIT.finditer(text):
        if match.start() > start:
            out.append((start, text[start : match.start()]))
        start = match.end()
    if start < len(text):
        out.append((start, text[start:]))
    return out
