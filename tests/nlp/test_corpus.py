"""Figures on labelled sets: the dev corpus (README targets) and our own fresh sets."""

from __future__ import annotations

import pytest

from bot.nlp import classify
from bot.nlp.evaluate import evaluate
from tests.nlp.conftest import DATA, DEV_CORPUS, read_jsonl


@pytest.mark.skipif(not DEV_CORPUS.is_file(), reason="dev corpus not present")
def test_dev_corpus_figures(engine):
    rows = read_jsonl(DEV_CORPUS)
    report = evaluate(rows, classify)
    s = report.summary()
    assert s["rows"] == len(rows) > 400
    assert s["category_accuracy"] >= 0.92, s
    assert s["intent_accuracy"] >= 0.90, s
    assert s["urgent_recall"] == 1.0, s
    assert s["urgent_precision"] >= 0.90, s


@pytest.mark.parametrize("name", ["fresh.jsonl", "fresh2.jsonl", "fresh3.jsonl", "fresh4.jsonl",
                                  "fresh5.jsonl", "blind_a.jsonl", "blind_c.jsonl",
                                  "probe_urgent.jsonl", "blind_n.jsonl", "blind_m.jsonl",
                                  "blind_p.jsonl", "blind_q.jsonl"])
def test_fresh_sets_stay_good(engine, name):
    """Sets written apart from the dev corpus (see docs/nlp.md for their history); the
    tables and the model have been tuned on them since, so these are regression checks —
    test_crossval.py measures generalisation."""
    s = evaluate(read_jsonl(DATA / name), classify).summary()
    assert s["category_accuracy"] >= 0.92, s
    assert s["intent_accuracy"] >= 0.90, s
    assert s["urgent_recall"] == 1.0, s
    assert s["urgent_precision"] >= 0.90, s


# Tuning sets with floors of their own (docs/nlp.md tells each round): all their urgent rows
# stay flagged; category and intent floors sit lower where the wording is made hard.
OWN_FLOORS = [
    # blind_g: half urgent, indirect wording and hard negatives
    pytest.param("blind_g.jsonl", 240, 0.85, 0.83, 0.95, id="blind_g"),
    # blind_t: 45 % urgent, emergencies told sideways (address first, dialect, after small
    # talk), calm rows full of scary words; one false alarm left (a fight story with 今天 … 又)
    pytest.param("blind_t.jsonl", 240, 0.88, 0.92, 0.98, id="blind_t"),
    # blind_s: 400 everyday messages, 48 urgent (held out twice before: 0.919 / 0.948 /
    # urgent 0.854 / 0.932); the category rows left are conventions (street flooding facility
    # vs safety or property, 公积金 other vs labor)
    pytest.param("blind_s.jsonl", 400, 0.95, 0.97, 0.97, id="blind_s"),
    # blind_u: 400 everyday messages, 62 urgent (held out three times: 0.912 / 0.922 / urgent
    # 0.935 / 0.935); the category rows left are conventions (jumpers labelled security, a
    # life-support machine in a power cut facility, a lost toddler by a road welfare)
    pytest.param("blind_u.jsonl", 400, 0.94, 0.96, 0.97, id="blind_u"),
    # blind_w: 300 urgent-focused rows, 120 urgent, 180 look-alikes (first: 0.846 / 0.857 /
    # urgent 0.908 / 0.924); jokes and drills full of category words stay reports, not chitchat
    pytest.param("blind_w.jsonl", 300, 0.92, 0.90, 0.97, id="blind_w"),
    # blind_x: 400 everyday messages, 60 urgent (first: 0.950 / 0.922 / urgent 0.933 / 0.889);
    # the category rows left are conventions (加装电梯 other vs property, 群租房 population vs
    # safety, a missing manhole cover facility vs safety)
    pytest.param("blind_x.jsonl", 400, 0.95, 0.95, 0.97, id="blind_x"),
    # blind_y: 400 everyday messages, 61 urgent (held out once: 0.915 / 0.935 / urgent 0.951 /
    # 0.892); the category rows left are conventions (a scald from a burst pipe property vs
    # safety, a person hit by a car health vs safety, a life-support machine in a power cut)
    pytest.param("blind_y.jsonl", 400, 0.95, 0.97, 0.97, id="blind_y"),
    # blind_aa: 400 messages from a town with villages, building sites and plants, 59 urgent
    # (first: 0.921 / 0.932 / urgent 0.966 / 0.905); its writer files many emergencies (a child
    # in a pond, a man on a roof edge, a crash) under other — conventions left as they are
    pytest.param("blind_aa.jsonl", 400, 0.92, 0.98, 0.97, id="blind_aa"),
    # blind_z: 400 everyday messages from an older district, 60 urgent (held out twice: 0.921 /
    # 0.938 / urgent 0.933 / 0.918, then 0.933 again); the category rows left are conventions (a
    # lone neighbour or a vagrant found still welfare vs health, a burst main or a sinkhole
    # facility vs property/safety, a man on a roof over unpaid wages labor, pigeons dispute vs env)
    pytest.param("blind_z.jsonl", 400, 0.94, 0.96, 0.97, id="blind_z"),
    # blind_ac: 300 rows, 150 emergencies told in many ways + 150 calm look-alikes (first: 0.827 /
    # 0.883 / urgent 0.913 / 0.958); its writer files hit-and-runs and lost children under
    # security, crashes and CO poisoning under safety/health as our groups do not — left as is
    pytest.param("blind_ac.jsonl", 300, 0.90, 0.92, 0.98, id="blind_ac"),
]


@pytest.mark.parametrize(("name", "rows", "category", "intent", "precision"), OWN_FLOORS)
def test_tuning_sets_stay_good(engine, name, rows, category, intent, precision):
    s = evaluate(read_jsonl(DATA / name), classify).summary()
    assert s["rows"] == rows
    assert s["category_accuracy"] >= category, s
    assert s["intent_accuracy"] >= intent, s
    assert s["urgent_recall"] == 1.0, s
    assert s["urgent_precision"] >= precision, s


def test_evaluate_counts_confusions():
    rows = [
        {"text": "路灯坏了", "category": "facility", "intent": "report", "urgent": False},
        {"text": "路灯坏了", "category": "env", "intent": "report", "urgent": True},
        {"text": "你好", "category": "other", "intent": "chitchat", "urgent": False},
    ]
    s = evaluate(rows, classify).summary()
    assert s["category_rows"] == 2
    assert s["category_accuracy"] == 0.5
    assert s["urgent_recall"] == 0.0
    assert s["top_confusions"] == [{"expected": "env", "got": "facility", "count": 1}]
