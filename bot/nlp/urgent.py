"""Urgency (突发事件) detection, composed from concepts (see ``config/nlp/urgent.yaml``).

A group (fire, gas, a person trapped …) fires when one of its phrases matches: every
part — a word or a ``$concept`` — occurs in the message at least once *live*, that is

* not inside a longer neutral word (火锅 hides 火, 困难 hides 困),
* not right after a negation (没冒火, 不是着火), and
* without a blocker in its clause (上次着火, 万一着火, 经常卡住, or a word of the group's
  ``harmless_clause``); a blocker lying inside a longer hazard word does not count
  (没有 in 没有呼吸).

Message blockers (已扑灭, 已救出, 消防演练) and a group's ``harmless_message`` words silence
it anywhere. A firing group adds ``boost`` to its category unless a group it defers to
fires as well.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.nlp.matcher import Match
from bot.nlp.text import CLAUSE_SPLIT
from bot.nlp.urgent_tables import Part, UrgentTable

NEGATION_GAP = 1  # characters allowed between a negation and the word it cancels


@dataclass(frozen=True)
class UrgentHit:
    group: str
    phrase: str
    category: str
    boost: float


class _Reading:
    """Where the hazard, neutral and blocker words of one message lie."""

    def __init__(self, text: str, found: list[Match], detector: UrgencyDetector) -> None:
        self.clause = [0] * (len(text) + 1)
        index, start = 0, 0
        for gap in CLAUSE_SPLIT.finditer(text):
            for i in range(start, gap.end()):
                self.clause[i] = index
            index, start = index + 1, gap.end()
        for i in range(start, len(text) + 1):
            self.clause[i] = index
        neutral = [m for m in found if m.term in detector.neutral]
        hazards = [m for m in found if m.term in detector.hazard_words
                   and not any(_overlap(n, m) and _longer(n, m) for n in neutral)]
        self.by_word: dict[str, list[Match]] = {}
        for m in hazards:
            self.by_word.setdefault(m.term, []).append(m)
        self.blockers = [m for m in found if m.term in detector.blocker_words
                         and not any(_inside(m, h) for h in hazards)
                         and not any(_inside(m, n) for n in neutral)]
        self.negation = detector.negation
        self.clause_blockers = detector.clause_blockers
        self.past = detector.table.opening_past
        self.past_blockers = detector.table.past_blockers | detector.table.opening_past
        self.now_starts = [m.start for m in found if m.term in detector.table.still_now]
        self.worse_starts = [m.start for m in found if m.term in detector.table.worse_now]

    def live(self, part: Part, harmless: frozenset[str]) -> bool:
        """Does some word of ``part`` occur without negation or blocker in its clause?"""
        for word in part.words:
            for m in self.by_word.get(word, ()):
                if not self._blocked(m, harmless):
                    return True
        return False

    def _blocked(self, m: Match, harmless: frozenset[str]) -> bool:
        clause = self.clause[m.start]
        for b in self.blockers:
            if self.clause[b.start] != clause or _overlap(b, m):
                continue
            if b.term in self.negation and m.start - NEGATION_GAP <= b.end <= m.start:
                return True
            if b.term in self.past and any(b.end <= s and self.clause[s] == clause for s in self.now_starts):
                continue  # 上周修过的电梯今天又困人了: a later "now" word in the clause wins
            if b.term in self.past_blockers and any(b.end <= s for s in self.worse_starts):
                continue  # 上周就有煤气味 今天特别浓: "worse now" in any later clause wins
            if b.term in self.clause_blockers or b.term in harmless:
                return True
        return False


def _overlap(a: Match, b: Match) -> bool:
    return a.start < b.end and b.start < a.end


def _longer(a: Match, b: Match) -> bool:
    return a.end - a.start > b.end - b.start


def _inside(a: Match, b: Match) -> bool:
    """``a`` lies within the longer match ``b``."""
    return b.start <= a.start and a.end <= b.end and _longer(b, a)


class UrgencyDetector:
    """Finds the urgent groups firing in a normalised text."""

    def __init__(self, table: UrgentTable) -> None:
        self.table = table
        self.groups = table.groups
        self.neutral = table.neutral
        self.negation = table.negation
        self.clause_blockers = table.clause_blockers
        self.message_blockers = table.message_blockers
        # A story opens with a word of opening_past or of the `past` blockers (昨天地震了 …)
        self._openers = table.opening_past | table.past_blockers
        self.hazard_words = frozenset(
            w for g in table.groups for parts in g.phrases for part in parts for w in part.words)
        harmless = frozenset().union(*(g.harmless_clause for g in table.groups))
        self.blocker_words = table.clause_blockers | table.negation | harmless
        # Each phrase is indexed by the words of its most selective part, so a message
        # only looks at phrases one of whose rare words it contains.
        self._index: dict[str, list[tuple[int, int]]] = {}
        for gi, group in enumerate(table.groups):
            for pi, parts in enumerate(group.phrases):
                for word in min(parts, key=lambda part: len(part.words)).words:
                    self._index.setdefault(word, []).append((gi, pi))

    def vocabulary(self) -> set[str]:
        """Words worth giving to jieba."""
        return {w for w in self.hazard_words if len(w) > 1}

    def presence_words(self) -> set[str]:
        return self.table.words()

    def _occurring(self, present: set[str]) -> dict[int, list[tuple[Part, ...]]]:
        """Phrases (by group) whose parts all occur, before any clause check."""
        keys = sorted({key for word in present for key in self._index.get(word, ())})
        out: dict[int, list[tuple[Part, ...]]] = {}
        for gi, pi in keys:
            group = self.groups[gi]
            if group.requires_any and present.isdisjoint(group.requires_any):
                continue
            parts = group.phrases[pi]
            if all(not present.isdisjoint(part.words) for part in parts):
                out.setdefault(gi, []).append(parts)
        return out

    def knows(self, present: set[str]) -> bool:
        """Some group's phrase occurs (before negation, blockers and harmless words):
        the tables have judged this danger, fired or not."""
        return bool(self._occurring(present))

    def net_allowed(self, present: set[str]) -> bool:
        """May the learned safety net raise an alarm here? Only next to a danger root
        (火, 血, 倒 …): a creepy stranger or a smell alone is not an emergency."""
        roots = self.table.net_requires_any
        return not roots or not present.isdisjoint(roots)

    def hedged(self, present: set[str]) -> bool:
        """A word of ``safety_net_quiet_when`` occurs: a worry (有点担心, 万一), a habit (老在) or
        a hazard that stands there (存放, 马蜂窝) — the safety net keeps quiet. Not every clause
        blocker: frightened people write 怎么办啊 too."""
        return not present.isdisjoint(self.table.net_quiet_when)

    def silenced(self, present: set[str]) -> bool:
        """A message blocker (已救出, 消防演练 …) occurs — the writer's own escape (我已经出来了)
        only while nothing says the danger goes on (火还在烧) —, or the news is second-hand
        (听说, 群里说) and nothing says the writer suffers it now: nothing here is urgent."""
        blockers = present & self.message_blockers
        if blockers and (blockers - self.table.escaped or present.isdisjoint(self.table.goes_on)):
            return True  # 我已经出来了 silences nothing while 火还在烧
        return not present.isdisjoint(self.table.hearsay) and present.isdisjoint(self.table.firsthand)

    def told_as_past(self, text: str, present: set[str], found: list[Match]) -> bool:
        """The message opens in the past (前天晚上有人打架 还见血了) and nothing says the
        danger goes on: a story or a follow-up, not an emergency."""
        table = self.table
        openers = self._openers
        if not openers or present.isdisjoint(openers):
            return False
        if not present.isdisjoint(table.still_now) or not present.isdisjoint(table.worse_now):
            return False
        first_end = next((g.start() for g in CLAUSE_SPLIT.finditer(text) if g.start() > 0), len(text))
        return any(m.term in openers and m.start < first_end for m in found)

    def detect(self, text: str, present: set[str], found: list[Match]) -> list[UrgentHit]:
        """Urgent groups firing in ``text``; ``present``/``found`` come from the engine's scan."""
        if self.silenced(present) or self.told_as_past(text, present, found):
            return []
        occurring = self._occurring(present)
        candidates = [(self.groups[gi], phrases) for gi, phrases in sorted(occurring.items())
                      if present.isdisjoint(self.groups[gi].harmless_message)]
        if not candidates:
            return []
        reading = _Reading(text, found, self)
        hits = []
        for group, phrases in candidates:
            for parts in phrases:
                if all(reading.live(part, group.harmless_clause) for part in parts):
                    label = "+".join(part.label for part in parts)
                    hits.append(UrgentHit(group.name, label, group.category, group.boost))
                    break
        fired = {h.group for h in hits}
        defer = {g.name: g.defer_to for g, _ in candidates}
        return [replace(h, boost=0.0) if fired.intersection(defer[h.group]) else h for h in hits]
