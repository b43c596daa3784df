"""k-fold cross-validation of the learned model blended with the tables (交叉验证).

Rows are shuffled once with a fixed seed and dealt into ``k`` folds. For each fold
the naive Bayes heads are trained on the other folds and the full classifier (tables
+ those heads) is run on the fold, so every row is classified by a model that never
saw it. The tables were written by people who had read most of these rows; so that
they do not look better than they are, each fold is classified with the tables minus
the entries found only in that fold's rows (``holdout.held_out_tables``).

The blend is chosen in three steps: the category head's (weight, temperature) by
cross-validated category accuracy, then the intent head's by intent accuracy, then
the urgent head's threshold: the highest urgent recall whose precision stays at or
above ``PRECISION_FLOOR`` (an emergency must not be missed; a false alarm costs a call).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.nlp.engine import Engine
from bot.nlp.evaluate import Report, evaluate
from bot.nlp.holdout import Occurrences, held_out_tables
from bot.nlp.learned import LearnedModel
from bot.nlp.model import Classification
from bot.nlp.naive_bayes import DEFAULT_OPTIONS, TrainOptions, train_model

K = 5
SEED = 20261126
WEIGHTS = (0.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 20.0, 24.0, 32.0)
TEMPERATURES = (2.0, 4.0, 8.0, 16.0, 32.0)
INTENT_WEIGHTS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0)
INTENT_TEMPERATURES = (2.0, 4.0, 8.0, 16.0)
URGENT_THRESHOLDS = (2.0, 0.9999, 0.999, 0.995, 0.99, 0.95, 0.9)  # 2.0: urgent head off
PRECISION_FLOOR = 0.97
TOLERANCE = 0.003  # ≈ 5 rows of 1,700: within it, category settings count as equally good


def fold_of(n: int, k: int = K, seed: int = SEED) -> list[int]:
    """Fold number of each of ``n`` rows (a seeded shuffle, dealt round-robin)."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    folds = [0] * n
    for position, row in enumerate(order):
        folds[row] = position % k
    return folds


def fold_models(engine: Engine, rows: Sequence[dict], options: TrainOptions = DEFAULT_OPTIONS,
                k: int = K, seed: int = SEED) -> tuple[list[int], list[LearnedModel]]:
    """One model per fold, each trained on the rows outside that fold."""
    folds = fold_of(len(rows), k, seed)
    models = [train_model([r for r, f in zip(rows, folds, strict=True) if f != fold],
                          engine.model_input, options) for fold in range(k)]
    return folds, models


def fold_engines(engine: Engine, rows: Sequence[dict], folds: list[int],
                 k: int = K) -> list[Engine]:
    """One engine per fold, from the tables without the words only that fold contains."""
    seen = Occurrences(engine.tables, [engine.normalise(r["text"]) for r in rows])
    engines = []
    for fold in range(k):
        inside = {i for i, f in enumerate(folds) if f == fold}
        engines.append(Engine(held_out_tables(engine.tables, seen, inside), engine.segmenter))
    return engines


@dataclass
class CvResult:
    weight: float
    temperature: float
    report: Report
    predictions: list[Classification]

    def accuracy(self) -> tuple[float, float]:
        s = self.report.summary()
        return float(s["category_accuracy"]), float(s["intent_accuracy"])


def replay(predictions: Sequence[Classification]) -> Callable[[str], Classification]:
    """A classify function handing back ``predictions`` in order (for ``evaluate``)."""
    pending = iter(predictions)
    return lambda _text: next(pending)


def run_folds(engines: Sequence[Engine], rows: Sequence[dict], folds: list[int],
              models: Sequence[LearnedModel | None]) -> tuple[Report, list[Classification]]:
    """Classify each row with its fold's engine blending its fold's model."""
    blended = [e.with_model(m) for e, m in zip(engines, models, strict=True)]
    predictions = [blended[f].classify(r["text"]) for r, f in zip(rows, folds, strict=True)]
    return evaluate(rows, replay(predictions)), predictions


def search(engines: Sequence[Engine], rows: Sequence[dict], folds: list[int],
           models: list[LearnedModel],
           weights: Sequence[float] = WEIGHTS,
           temperatures: Sequence[float] = TEMPERATURES) -> list[CvResult]:
    """Cross-validated figures for every category (weight, temperature), intent head off.

    Best first: the smallest weight (then temperature) whose category accuracy is within
    ``TOLERANCE`` of the best one — differences of a few rows are noise, and a lighter
    model keeps the tables' say and the confidence of vague messages low.
    """
    results = []
    for weight in weights:
        for temperature in temperatures if weight > 0 else temperatures[:1]:
            blended = [m.blended((weight, temperature), (0.0, 1.0)) for m in models]
            report, predictions = run_folds(engines, rows, folds, blended)
            results.append(CvResult(weight, temperature, report, predictions))
    top = max(r.accuracy()[0] for r in results)
    results.sort(key=lambda r: (r.accuracy()[0] < top - TOLERANCE, r.weight, r.temperature))
    return results


def search_intent(engines: Sequence[Engine], rows: Sequence[dict], folds: list[int],
                  models: list[LearnedModel], category: tuple[float, float],
                  weights: Sequence[float] = INTENT_WEIGHTS,
                  temperatures: Sequence[float] = INTENT_TEMPERATURES) -> list[CvResult]:
    """The same for the intent head, with the category blend fixed; best first."""
    results = []
    for weight in weights:
        for temperature in temperatures if weight > 0 else temperatures[:1]:
            blended = [m.blended(category, (weight, temperature)) for m in models]
            report, predictions = run_folds(engines, rows, folds, blended)
            results.append(CvResult(weight, temperature, report, predictions))
    results.sort(key=lambda r: (-r.accuracy()[1], -r.accuracy()[0], r.weight, r.temperature))
    return results


def search_urgent(engines: Sequence[Engine], rows: Sequence[dict], folds: list[int],
                  models: list[LearnedModel], category: tuple[float, float],
                  intent: tuple[float, float],
                  thresholds: Sequence[float] = URGENT_THRESHOLDS) -> list[CvResult]:
    """The urgent head's threshold (in ``temperature``); best first: precision at or
    above the floor, then the highest recall, then the higher threshold."""
    results = []
    for threshold in thresholds:
        blended = [m.blended(category, intent, threshold) for m in models]
        report, predictions = run_folds(engines, rows, folds, blended)
        results.append(CvResult(1.0 if threshold <= 1 else 0.0, threshold, report, predictions))

    def key(r: CvResult) -> tuple[bool, float, float]:
        s = r.report.summary()
        return (float(s["urgent_precision"]) < PRECISION_FLOOR, -float(s["urgent_recall"]),
                -r.temperature)

    return sorted(results, key=key)
