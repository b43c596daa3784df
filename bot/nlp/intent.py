"""Intent detection (意图识别): report, consult, query, rate, praise or chitchat.

Patterns live in ``config/nlp/intents.yaml``. Words are substrings of the normalised
(half-width, lower-case) text; ``patterns`` are regular expressions. The order of the
decision is fixed here; the words are data:

urgent → report; rate; query; amused small talk (a laugh or a relief and only a little
category evidence, no request to act and no grievance: 笑死 楼下大爷跟大鹅打架 打输了); praise;
consult (information questions that outweigh requests to act); chitchat (greetings without
any category evidence); else report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yaml.nodes import Node

from bot.nlp.gate import GatedPatterns
from bot.nlp.matcher import Match
from bot.nlp.yamlnodes import Source

SECTIONS = {"rate", "query", "praise", "chitchat", "consult", "report", "settings"}


@dataclass
class IntentTable:
    rate: list[re.Pattern[str]] = field(default_factory=list)
    query_exact: set[str] = field(default_factory=set)
    query_strong: list[str] = field(default_factory=list)
    query_refs: list[str] = field(default_factory=list)
    query_status: list[str] = field(default_factory=list)
    query_patterns: list[re.Pattern[str]] = field(default_factory=list)
    praise_words: list[str] = field(default_factory=list)
    praise_done: list[str] = field(default_factory=list)
    compliments: list[str] = field(default_factory=list)
    toil: list[str] = field(default_factory=list)
    chitchat_words: list[str] = field(default_factory=list)
    about_bot: list[str] = field(default_factory=list)
    amused: list[str] = field(default_factory=list)
    relieved: list[str] = field(default_factory=list)
    grievance: list[str] = field(default_factory=list)
    consult: list[tuple[str, float]] = field(default_factory=list)
    consult_patterns: list[tuple[re.Pattern[str], float]] = field(default_factory=list)
    report: list[tuple[str, float]] = field(default_factory=list)
    consult_min: float = 2.0
    consult_strong: float = 3.0
    evidence_min: float = 2.0
    chitchat_max_len: int = 8
    compliment_report_max: float = 2.0
    amused_evidence_max: float = 0.0
    relieved_evidence_max: float = 0.0


_PUNCT = re.compile(r"[\s\W_]+")


def _regex(src: Source, node: Node, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise src.error(node, f"bad regular expression {pattern!r}: {exc}") from None


def parse_intents(src: Source) -> IntentTable:
    spec = src.fields(src.root(), SECTIONS, SECTIONS - {"settings"})
    words = src.strings
    table = IntentTable()
    rate = src.fields(spec["rate"], {"patterns"}, {"patterns"})
    table.rate = [_regex(src, n, p) for p, n in words(rate["patterns"])]
    query = src.fields(spec["query"], {"exact", "strong", "refs", "status", "patterns"})
    table.query_exact = {w for w, _ in words(query["exact"])} if "exact" in query else set()
    for key in ("strong", "refs", "status"):
        if key in query:
            setattr(table, f"query_{key}", [w for w, _ in words(query[key])])
    if "patterns" in query:
        table.query_patterns = [_regex(src, n, p) for p, n in words(query["patterns"])]
    praise = src.fields(spec["praise"], {"words", "done", "compliments", "toil"}, {"words"})
    table.praise_words = [w for w, _ in words(praise["words"])]
    table.praise_done = [w for w, _ in words(praise["done"])] if "done" in praise else []
    table.compliments = [w for w, _ in words(praise["compliments"])] if "compliments" in praise else []
    table.toil = [w for w, _ in words(praise["toil"])] if "toil" in praise else []
    chitchat = src.fields(spec["chitchat"], {"words", "about_bot", "amused", "relieved", "grievance"}, {"words"})
    table.chitchat_words = [w for w, _ in words(chitchat["words"])]
    for key in ("about_bot", "amused", "relieved", "grievance"):
        if key in chitchat:
            setattr(table, key, [w for w, _ in words(chitchat[key])])
    consult = src.fields(spec["consult"], {"words", "patterns"}, {"words"})
    table.consult = [(t, w) for t, w, _ in src.weights(consult["words"])]
    if "patterns" in consult:
        for key, key_node, value in src.items(consult["patterns"]):
            table.consult_patterns.append((_regex(src, key_node, key), src.number(value, -20, 20)))
    report = src.fields(spec["report"], {"words"}, {"words"})
    table.report = [(t, w) for t, w, _ in src.weights(report["words"])]
    if "settings" in spec:
        settings = src.fields(spec["settings"], {"consult_min", "consult_strong", "evidence_min",
                                                 "chitchat_max_len", "compliment_report_max",
                                                 "amused_evidence_max", "relieved_evidence_max"})
        for key, node in settings.items():
            value = src.number(node, 0, 100)
            setattr(table, key, int(value) if key == "chitchat_max_len" else value)
    return table


def _any_of(patterns: list[re.Pattern[str]]) -> GatedPatterns | None:
    """Patterns asked together whether any of them matches."""
    if not patterns:
        return None
    return GatedPatterns((p, 1.0) for p in patterns)


class IntentDetector:
    def __init__(self, table: IntentTable) -> None:
        self.t = table
        self.consult = dict(table.consult)
        self.report = dict(table.report)
        self._consult_keys = frozenset(self.consult)
        self._report_keys = frozenset(self.report)
        # each pattern behind its character gate (gate.py): most are never searched
        self._rate = _any_of(table.rate)
        self._query = _any_of(table.query_patterns)
        self._consult_patterns = GatedPatterns(table.consult_patterns)
        self._presence = frozenset(self.presence_words())
        self._praise_keys = frozenset(table.praise_words)
        self._toil_keys = frozenset(table.toil)
        self._compliment_keys = frozenset(table.compliments)

    def presence_words(self) -> set[str]:
        t = self.t
        return (set(self.consult) | set(self.report) | set(t.query_strong) | set(t.query_refs)
                | set(t.query_status) | set(t.praise_words) | set(t.praise_done) | set(t.compliments) | set(t.toil)
                | set(t.chitchat_words) | set(t.about_bot) | set(t.amused) | set(t.relieved)
                | set(t.grievance))

    def detect(self, text: str, present: set[str], evidence: float, urgent: bool,
               consult_bias: float = 0.0, found: list[Match] | None = None) -> str:
        """Intent of a normalised ``text``; ``evidence`` is the best category score and
        ``consult_bias`` the learned model's lean towards consult (negative: report).
        With ``found`` (the scan's matches) a request-to-act word lying under a longer
        intent word does not count: 天天 (every day) is not read in 今天天气."""
        t = self.t
        report_words = present & self._report_keys
        if found is not None and report_words:
            report_words = self._unshadowed(report_words, found)
        bare = _PUNCT.sub("", text)
        if not bare:
            return "chitchat"
        if urgent:
            return "report"
        chars = set(text)
        if self._rate is not None and self._rate.any(text, chars):
            return "rate"
        if self._is_query(bare, text, present, chars):
            return "query"
        report = sum(self.report[w] for w in report_words)
        consult = sum(self.consult[w] for w in present & self._consult_keys)
        consult += self._consult_patterns.total(text, chars)
        consult += consult_bias
        praised = not present.isdisjoint(t.praise_words)
        for_work = praised and not (present.isdisjoint(t.praise_done)
                                    and (present & self._compliment_keys) <= self._toil_keys)
        if report <= 0 and consult < t.consult_strong and not for_work \
                and self._amused(bare, present, evidence):
            return "chitchat"  # 笑死 楼下大爷跟大鹅打架 打输了: a story told for fun
        if praised and not for_work and report <= 0 and evidence < t.evidence_min \
                and not present.isdisjoint(t.chitchat_words) \
                and (present & self._praise_keys) <= self._toil_keys:
            return "chitchat"  # 早上好 网格员们辛苦了: a greeting, not thanks for a job
        if praised and (
            not present.isdisjoint(t.praise_done)
            or (report <= t.compliment_report_max and not present.isdisjoint(t.compliments))
            or (evidence < t.evidence_min and report <= 0)
        ):
            return "praise"
        idle = evidence < t.evidence_min and report <= 0
        small_talk = not present.isdisjoint(t.chitchat_words) or not present.isdisjoint(t.about_bot)
        if idle and small_talk and (consult < t.consult_strong or not present.isdisjoint(t.about_bot)):
            return "chitchat"  # 请问你是真人吗: small talk, not a question for the guide
        if consult >= t.consult_min and consult > report:
            return "consult"
        if idle and (small_talk or (evidence <= 0 and len(bare) <= t.chitchat_max_len)):
            return "chitchat"
        return "report"

    def _amused(self, bare: str, present: set[str], evidence: float) -> bool:
        """Small talk that names a category in passing: a laugh (哈哈, 笑死, a laughing emoji
        read as 哈 at the end) with category evidence below ``amused_evidence_max``, or a
        relief (虚惊一场, 原来是) below ``relieved_evidence_max`` — and no grievance word (不亮,
        吵死): a resident's complaint with 哈哈 in it stays a report."""
        t = self.t
        if not present.isdisjoint(t.grievance):
            return False
        laughing = not present.isdisjoint(t.amused) or bare.endswith("哈")
        if laughing and evidence < t.amused_evidence_max:
            return True
        return evidence < t.relieved_evidence_max and not present.isdisjoint(t.relieved)

    def _unshadowed(self, words: set[str], found: list[Match]) -> set[str]:
        """``words`` less those whose every occurrence overlaps a longer intent word of
        another kind (two request words overlapping both count: 你们能给 · 能给开)."""
        others = [m for m in found if m.term in self._presence and m.term not in self._report_keys]
        if not others:
            return words
        kept = set()
        for m in found:
            if m.term in words and not any(
                    o.end - o.start > m.end - m.start and o.start < m.end and m.start < o.end
                    for o in others):
                kept.add(m.term)
        return kept

    def _is_query(self, bare: str, text: str, present: set[str], chars: set[str]) -> bool:
        t = self.t
        if bare in t.query_exact or (self._query is not None and self._query.any(text, chars)):
            return True
        if not present.isdisjoint(t.query_strong):
            return True
        return not present.isdisjoint(t.query_refs) and not present.isdisjoint(t.query_status)
