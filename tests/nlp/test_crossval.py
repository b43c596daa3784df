"""Generalisation, measured: 5-fold cross-validation over every labelled row.

Each fold is classified by a model trained on the other folds and by the tables minus
the entries found only in that fold's rows (bot/nlp/holdout.py), so the figures are
about messages the classifier has not seen. The thresholds sit a little under what
the committed tables and model reach (docs/nlp.md, "Figures") — a drop means a change
made the classifier worse on new messages, not just on one sentence.
"""

from __future__ import annotations

import pytest

from bot.nlp import load_tables
from bot.nlp.corpus import DEV_CORPUS, labelled_files, read_labelled
from bot.nlp.crossval import fold_engines, fold_models, fold_of, run_folds
from bot.nlp.holdout import Occurrences, held_out_tables


@pytest.fixture(scope="module")
def cross_validated(engine):
    rows = read_labelled(labelled_files())
    committed = load_tables().model
    rules = engine.with_model(None)
    folds, models = fold_models(rules, rows)
    engines = fold_engines(rules, rows, folds)
    blended = [m.blended((committed.category.weight, committed.category.temperature),
                         (committed.intent.weight, committed.intent.temperature),
                         committed.urgent.threshold) for m in models]
    report, _ = run_folds(engines, rows, folds, blended)
    return report.summary(), len(rows)


@pytest.mark.skipif(not DEV_CORPUS.is_file(), reason="dev corpus not present")
def test_cross_validated_figures(cross_validated):
    s, rows = cross_validated
    assert rows > 1500
    assert s["category_accuracy"] >= 0.90, s
    assert s["intent_accuracy"] >= 0.95, s
    assert s["urgent_recall"] >= 0.91, s
    assert s["urgent_precision"] >= 0.97, s


def test_folds_are_fixed_and_balanced():
    folds = fold_of(103)
    assert folds == fold_of(103)
    assert sorted(folds.count(k) for k in range(5)) == [20, 20, 21, 21, 21]


def test_held_out_tables_drop_only_fold_words(engine):
    texts = [engine.normalise(t) for t in ("路灯不亮 井盖也没了", "井盖被偷了", "今天天气不错")]
    seen = Occurrences(engine.tables, texts)
    tables = held_out_tables(engine.tables, seen, {0})
    facility = {t.code: t for t in tables.categories}["facility"]
    assert "路灯" not in facility.keywords  # only row 0, the held-out fold, has it
    assert "井盖" in facility.keywords  # row 1, outside the fold, has it too
    assert "下水道" in facility.keywords  # in no row at all: domain knowledge stays
