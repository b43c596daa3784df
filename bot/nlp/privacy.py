"""Privacy masking (隐私脱敏) for publicity boards and digests (SPEC §9).

Masks mobile and landline numbers, ID numbers (身份证号, checksum-validated), given
names after cues such as 我是/我叫/联系人 (the surname stays: 张伟 → 张*), and room
numbers (the building and unit stay: 3栋2单元502 → 3栋2单元***). Case codes
(GR202611260001), dates, times and money amounts are never touched. Every mask
keeps the length of what it replaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlp.text import fold_width
from bot.nlp.yamlnodes import Source

_PROTECTED = re.compile(
    r"gr\d{6,}"
    r"|\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]?"
    r"|\d{1,2}\s*:\s*\d{2}(?:\s*:\s*\d{2})?"
    r"|\d{1,2}\s*点(?:\s*\d{1,2}\s*分?)?"
    r"|[¥$]\s*\d[\d,]*(?:\.\d+)?"
    r"|\d[\d,]*(?:\.\d+)?\s*(?:元|块|万|千|百|角|毛)",
    re.IGNORECASE,
)
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9](?:[ -]?[0-9]){8}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0[1-9][0-9]{1,2}[ -]?(?P<num>[1-9][0-9]{6,7})(?![0-9])")
_ID18 = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9x](?![0-9a-z])", re.IGNORECASE)
_ID15 = re.compile(r"(?<![0-9])[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}(?![0-9])")
_NUM = r"(?:[0-9]+|[一二三四五六七八九十两]+)"
_ROOM_AFTER_BUILDING = re.compile(rf"({_NUM}(?:号楼|栋|幢|座)(?:{_NUM}单元)?|{_NUM}单元)[-—]?([0-9]{{3,4}})(?![0-9])")
_ROOM_WITH_UNIT = re.compile(r"(?<![0-9])([0-9]{2,4})(室|房间|房)")
_BARE_ROOM = re.compile(r"(?<![0-9a-z.:/\-])[1-9][0-9]?0[1-9](?![0-9a-z.:/\-年月日号点分元块个天岁次斤米平人层楼秒多万千百%度条辆只台张套位])")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id18(number: str) -> bool:
    """GB 11643 checksum of an 18-character resident ID number."""
    digits = number[:17]
    if len(number) != 18 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


@dataclass(frozen=True)
class PrivacyTable:
    cues: tuple[str, ...]
    surnames: frozenset[str]
    compound_surnames: tuple[str, ...]
    titles: tuple[str, ...]
    name_stop_chars: frozenset[str]
    place_endings: frozenset[str]


def parse_privacy(src: Source) -> PrivacyTable:
    keys = {"cues", "surnames", "compound_surnames", "titles", "name_stop_chars", "place_endings"}
    spec = src.fields(src.root(), keys, keys)
    words = {k: tuple(w for w, _ in src.strings(spec[k])) for k in ("cues", "compound_surnames", "titles")}
    chars = {k: frozenset(src.text(spec[k]).replace(" ", "")) for k in ("surnames", "name_stop_chars", "place_endings")}
    return PrivacyTable(words["cues"], chars["surnames"], words["compound_surnames"], words["titles"],
                        chars["name_stop_chars"], chars["place_endings"])


class Masker:
    """``mask(text)`` with the surname and cue tables of ``privacy.yaml``."""

    def __init__(self, table: PrivacyTable) -> None:
        self.t = table
        cues = "|".join(re.escape(c) for c in sorted(table.cues, key=len, reverse=True))
        self._cue = re.compile(rf"(?:{cues})\s*[:：]?\s*")

    def __call__(self, text: str) -> str:
        if not text:
            return text
        folded = fold_width(text)
        out = list(text)
        protected = [m.span() for m in _PROTECTED.finditer(folded)]

        def free(start: int, end: int) -> bool:
            return not any(s < end and start < e for s, e in protected)

        def hide(start: int, end: int, keep_head: int = 0, keep_tail: int = 0) -> None:
            digits = [i for i in range(start, end) if folded[i].isalnum()]
            for i in digits[keep_head : len(digits) - keep_tail]:
                out[i] = "*"
            protected.append((start, end))

        for pattern, head, tail, check in (
            (_ID18, 3, 4, valid_id18), (_ID15, 3, 3, None), (_MOBILE, 3, 4, None), (_LANDLINE, 0, 4, None)
        ):
            for m in pattern.finditer(folded):
                if free(*m.span()) and (check is None or check(m.group(0))):
                    start = m.start("num") if "num" in pattern.groupindex else m.start()
                    hide(start, m.end(), head, tail)
                    protected.append(m.span())
        for m in _ROOM_AFTER_BUILDING.finditer(folded):
            if free(*m.span(2)):
                hide(*m.span(2))
        for pattern in (_ROOM_WITH_UNIT, _BARE_ROOM):
            for m in pattern.finditer(folded):
                span = m.span(1) if m.groups() else m.span()
                if free(*span):
                    hide(*span)
        for start, end in self._names(folded):
            if free(start, end):
                for i in range(start, end):
                    out[i] = "*"
        return "".join(out)

    def _names(self, text: str) -> list[tuple[int, int]]:
        """Spans of given names (名) after a cue; the surname itself stays visible."""
        spans = []
        t = self.t
        for cue in self._cue.finditer(text):
            pos = cue.end()
            surname = next((s for s in t.compound_surnames if text.startswith(s, pos)), "")
            if not surname and text[pos : pos + 1] in t.surnames:
                surname = text[pos]
            if not surname:
                continue
            start = end = pos + len(surname)
            if any(text.startswith(title, start) for title in t.titles):
                continue  # 王女士, 李师傅: surname and title only
            while end < len(text) and end - start < 2 and "\u4e00" <= text[end] <= "\u9fff" \
                    and text[end] not in t.name_stop_chars:
                end += 1
            if end > start and text[end - 1] not in t.place_endings:
                spans.append((start, end))
        return spans
