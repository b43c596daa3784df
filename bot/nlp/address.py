"""Address spotting (地址识别): the place a message talks about, copied verbatim.

Sources of a span (all words in ``config/nlp/address.yaml``):

* estate names (小区名) given by ``configure()`` from the address table;
* a name before a suffix: 幸福里 + 小区, 建设 + 路, 实验 + 小学 — the name is the run of
  characters before the suffix that are not stop characters (我, 在, 的, 这 …);
* named parts of the sender's compound: 小区 + 门口/围墙/游乐场, 地下车库, 车棚;
* building chains: 3栋2单元502, 12号楼, 三号楼, ３栋 (full width is folded first), 302.

A span grows to the right with building chains, position words (东门, 门口, 交叉口),
``和`` + another road, and place words (菜市场, 工地). The longest span wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlp.yamlnodes import Source

LIST_FIELDS = ("building_units", "unit_units", "room_units", "estate_suffixes", "place_suffixes",
               "road_suffixes", "generic_names", "not_places", "positions", "relations", "place_words",
               "compound_parts", "standalone_parts", "exit_places", "connectors")
TEXT_FIELDS = ("numerals", "stop_chars", "room_not_before", "measure_after", "letter_units")


@dataclass
class AddressTable:
    lists: dict[str, tuple[str, ...]]
    texts: dict[str, str]


def parse_address(src: Source) -> AddressTable:
    spec = src.fields(src.root(), set(LIST_FIELDS + TEXT_FIELDS), set(LIST_FIELDS + TEXT_FIELDS))
    lists = {k: tuple(w for w, _ in src.strings(spec[k])) for k in LIST_FIELDS}
    texts = {k: src.text(spec[k]) for k in TEXT_FIELDS}
    return AddressTable(lists, texts)


def _by_length(words: list[str]) -> tuple[tuple[int, frozenset[str]], ...]:
    """Words grouped by length, longest first: a slice of the text and one set lookup per
    length instead of a loop over every word."""
    groups: dict[int, set[str]] = {}
    for word in words:
        if word:
            groups.setdefault(len(word), set()).add(word)
    return tuple((size, frozenset(group)) for size, group in sorted(groups.items(), reverse=True))


def _alt(words: tuple[str, ...] | set[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


class AddressFinder:
    """Finds the best address span in a normalised text."""

    def __init__(self, table: AddressTable) -> None:
        self.t = table
        self.estates: set[str] = set()
        lists, texts = table.lists, table.texts
        num = f"(?:[0-9]+|[{texts['numerals']}]+)"
        self._cn_digits = set(texts["numerals"])
        rooms = _alt(lists["room_units"])
        # Trailing digits are a room (502) unless a floor or a count follows: in 5栋3楼 the
        # 3楼 is a floor, which is not part of the routing address (corpus README).
        not_room = f"(?![0-9{re.escape(texts['room_not_before'])}])"
        building = f"(?:{num}|[a-z](?=[{re.escape(texts['letter_units'])}]))(?:{_alt(lists['building_units'])})"
        units = (f"(?:{building})*(?:{num}(?:{_alt(lists['unit_units'])}))?"
                 f"(?:[0-9]+(?:{rooms})?{not_room}|[{texts['numerals']}]+(?:{rooms}))?")
        self._chain = re.compile(f"(?=[0-9a-z{texts['numerals']}]){units}")
        self._bare_room = re.compile(
            rf"(?<![0-9a-z.:/\-])[1-9][0-9]?0[1-9](?![0-9a-z.:/\-{re.escape(texts['room_not_before'])}])")
        # 北门外 keeps its 外, but 南门外面 stops before 外面 (README examples)
        self._positions = re.compile(f"(?:{_alt(lists['positions'])})(?<!外(?=[面边头]))")
        self._relations = re.compile(f"(?:{_alt(lists['relations'])})(?:那个|那块|的)?"
                                     f"(?={_alt(lists['place_words'])})")
        self._place_words = re.compile(_alt(lists["place_words"]))
        self._connector = re.compile(_alt(lists["connectors"]))
        compound = (f"小区(?:[东西南北]侧|后面|前面|中间|旁边|外面|里面|里)?(?:那块|那个|的)?"
                    f"(?:{_alt(lists['compound_parts'])})")
        exits = f"(?:{_alt(lists['exit_places'])})[a-z0-9]{{1,2}}号?口"
        self._compound = re.compile(f"{compound}|{exits}|{_alt(lists['standalone_parts'])}")
        self._suffixes = {
            kind: re.compile(_alt(lists[f"{kind}_suffixes"])) for kind in ("estate", "place", "road")
        }
        self._stop = set(texts["stop_chars"])
        self._generic = _by_length(lists["generic_names"])
        self._not_places = _by_length(lists["not_places"])
        self._joins = {c for c in lists["connectors"] if len(c) == 1}
        self._estate_re: re.Pattern[str] | None = None

    def add_estates(self, names: set[str]) -> None:
        self.estates |= {n for n in names if n}
        self._estate_re = re.compile(_alt(self.estates)) if self.estates else None

    def find(self, text: str) -> tuple[int, int] | None:
        spans = self._named(text) + self._chains(text)
        if not spans:
            return None
        spans = [self._extend(text, s, e) for s, e in spans]
        return max(spans, key=lambda span: (span[1] - span[0], -span[0]))

    def _named(self, text: str) -> list[tuple[int, int]]:
        spans = []
        if self._estate_re is not None:
            spans += [m.span() for m in self._estate_re.finditer(text)]
        for match in self._compound.finditer(text):
            spans.append(match.span())
        suffixes = sorted({m.span() for p in self._suffixes.values() for m in p.finditer(text)},
                          key=lambda span: (span[0] - span[1], span[0]))
        taken: list[tuple[int, int]] = []
        for s_start, s_end in suffixes:  # 园 inside 公园 is not a suffix of its own
            if any(t_start <= s_start and s_end <= t_end for t_start, t_end in taken):
                continue
            taken.append((s_start, s_end))
            start = self._name_start(text, s_start)
            if start is not None:
                spans.append((start, s_end))
        return spans

    def _name_start(self, text: str, end: int) -> int | None:
        start = end
        while start > 0 and end - start < 4:
            char = text[start - 1]
            if not ("\u4e00" <= char <= "\u9fff") or char in self._stop:
                break
            start -= 1
        if end - start > 2 and text[start] in self._joins and start > 0 and text[start - 1] in "路街道巷":
            start += 1  # 建设路和人民路: the 和 joins two roads, it is not part of a name
        trimmed = True
        while trimmed:  # 巡查发现锦绣家园 → 锦绣家园; 最近小区 → nothing; the longest word first (整个 before 整)
            trimmed = False
            for size, words in self._generic:
                if start + size <= end and text[start : start + size] in words:
                    start += size
                    trimmed = True
                    break
        name = text[start:end]
        if len(name) < 2 or any(name[-size:] in words for size, words in self._generic):
            return None
        tail = text[start : end + 2]
        if any(tail[i : i + size] in words for size, words in self._not_places
               for i in range(len(tail) - size + 1)):
            return None
        return start

    def _chains(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for match in self._chain.finditer(text):
            start, end = match.span()
            if end == start or not self._is_unit(text, start, end):
                continue
            spans.append((start, end))
        spans += [m.span() for m in self._bare_room.finditer(text)]
        return spans

    def _is_unit(self, text: str, start: int, end: int, after_place: bool = False) -> bool:
        chunk = text[start:end]
        if chunk.isdigit() or all(c in self._cn_digits for c in chunk):
            return False  # a bare number: only the stricter room pattern may take it
        if start > 0 and text[start - 1] in "月第":
            return False  # 11月26号, 第3号
        measure = chunk[-1] in "栋座幢" and all(c in self._cn_digits for c in chunk[:-1])
        if measure and not after_place and end < len(text) and text[end] in self.t.texts["measure_after"]:
            return False  # 两栋楼, 一座桥: measure words, not addresses
        return not (end < len(text) and text[end] in "线机码床车位")

    def _unit_after(self, text: str, start: int, end: int) -> bool:
        """A chain right after a place: a unit (3栋) or a room number (1202), not 12点 or 2000块."""
        if self._is_unit(text, start, end, after_place=True):
            return True
        room = self._bare_room.fullmatch(text, start, end)  # endpos hides what follows: check it
        return room is not None and (end == len(text) or text[end] not in self.t.texts["room_not_before"])

    def _extend(self, text: str, start: int, end: int) -> tuple[int, int]:
        while True:
            for pattern in (self._chain, self._positions, self._relations, self._place_words):
                match = pattern.match(text, end)
                if match and match.end() > end and (pattern is not self._chain or self._unit_after(
                        text, end, match.end())):
                    end = match.end()
                    break
            else:
                joined = self._connector.match(text, end)
                if joined:
                    road = self._suffixes["road"].search(text, joined.end(), joined.end() + 5)
                    if road and self._name_start(text, road.start()) == joined.end():
                        end = road.end()
                        continue
                return start, end
