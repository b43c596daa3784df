"""Character gates of regular expressions (bot/nlp/gate.py): a gate may only skip a
search that would have failed."""

from __future__ import annotations

import re

import pytest

from bot.nlp.corpus import labelled_files
from bot.nlp.evaluate import read_rows
from bot.nlp.gate import GatedPatterns, gate_of, passes


def sets(pattern: str, flags: int = 0) -> list[str]:
    return ["".join(sorted(chars)) for chars in gate_of(re.compile(pattern, flags))]


@pytest.mark.parametrize(("pattern", "expected"), [
    ("有吗", ["有", "吗"]),
    ("(可以|能)申请", ["申", "请", "可能"]),  # a branch gives one set of each branch's smallest
    ("(要|需要|得)?(开|带)什么", ["什", "么", "带开"]),  # the optional group gives nothing
    ("几点(下班|上班)", ["几", "点", "上下"]),
    ("[1-5]\\s*分", ["分", "12345"]),
    ("^(请问|咨询)", ["咨请"]),
    ("怎么(认证|用)+", ["怎", "么", "用认"]),  # a repeat that must occur counts
])
def test_gates_read_off_the_pattern(pattern, expected):
    assert sorted(sets(pattern), key=lambda s: (len(s), s)) == sorted(expected, key=lambda s: (len(s), s))[:3]


@pytest.mark.parametrize("pattern", [".*", "\\w+", "[^，。]{2}", "(a|.)", "x?", "[一-龥]+", "(?=吗)", "(?i:ab)"])
def test_no_gate_where_nothing_is_certain(pattern):
    assert gate_of(re.compile(pattern)) == ()


def test_ignore_case_gates_both_cases():
    gate = gate_of(re.compile("gr\\d+", re.IGNORECASE))
    assert passes(gate, set("GR2026")) and passes(gate, set("gr2026"))


def test_weighted_patterns_sum_only_what_matches():
    table = GatedPatterns([(re.compile("有吗$"), 2.5), (re.compile("怎么办"), 3.0), (re.compile(".+吧"), 1.0)])
    text = "低保怎么办 有吗"
    assert table.total(text, set(text)) == 5.5
    assert table.any(text, set(text))
    other = "路灯坏了"
    assert table.total(other, set(other)) == 0.0 and not table.any(other, set(other))


def test_gates_never_hide_a_match_of_the_intent_tables(engine):
    """Every rate, query and consult pattern of config/nlp/intents.yaml, over every
    labelled message: whenever the plain search matches, the gate lets it through."""
    t = engine.intents.t
    patterns = t.rate + t.query_patterns + [p for p, _ in t.consult_patterns]
    texts = [engine.normalise(str(row["text"])) for path in labelled_files() for row in read_rows(path)]
    gates = [(p, gate_of(p)) for p in patterns]
    matched = 0
    for text in texts:
        chars = set(text)
        for pattern, gate in gates:
            if pattern.search(text):
                matched += 1
                assert passes(gate, chars), (pattern.pattern, text)
    assert matched > 500  # the check saw plenty of matches
