"""k-fold cross-validation of the learned model blended with the tables (交叉验证).

Rows are shuffled once with a fixed seed and dealt into ``k`` folds. For each fold
the naive Bayes model is trained on the other folds and the full classifier (tables
+ that model) is run on the fold, so every row is classified by a model that never
saw it. The tables themselves are fixed: they were written by people who had read
most of these rows, so their own figures are reported per file, not here.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.nlp.engine import Engine
from bot.nlp.evaluate import Report, evaluate
from bot.nlp.learned import LearnedModel
from bot.nlp.model import Classification
from bot.nlp.naive_bayes import DEFAULT_OPTIONS, TrainOptions, train_nb

K = 5
SEED = 20261126
WEIGHTS = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0)
TEMPERATURES = (2.0, 4.0, 8.0, 16.0, 32.0)


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
    models = []
    for fold in range(k):
        train = [r for r, f in zip(rows, folds, strict=True) if f != fold]
        models.append(train_nb([r["text"] for r in train], [r["category"] for r in train],
                               engine.normalise, options))
    return folds, models


@dataclass
class CvResult:
    weight: float
    temperature: float
    report: Report
    predictions: list[Classification]

    def score(self) -> tuple[float, float]:
        s = self.report.summary()
        return (float(s["category_accuracy"]), float(s["intent_accuracy"]))


def run_folds(engine: Engine, rows: Sequence[dict], folds: list[int],
              models: list[LearnedModel | None]) -> tuple[Report, list[Classification]]:
    """Classify each row with the engine blending the model of its fold."""
    engines = [engine.with_model(m) for m in models]
    predictions = [engines[f].classify(r["text"]) for r, f in zip(rows, folds, strict=True)]
    pending = iter(predictions)
    report = evaluate(rows, lambda _text: next(pending))  # evaluate asks in row order
    return report, predictions


def search(engine: Engine, rows: Sequence[dict], folds: list[int], models: list[LearnedModel],
           weights: Sequence[float] = WEIGHTS,
           temperatures: Sequence[float] = TEMPERATURES) -> list[CvResult]:
    """Cross-validated figures for every (weight, temperature); best first.

    Best = highest category accuracy, then intent accuracy, then the smaller weight
    and temperature (the tables keep the say when the model adds nothing).
    """
    results = []
    for weight in weights:
        for temperature in temperatures if weight > 0 else temperatures[:1]:
            blended = [replace(m, weight=weight, temperature=temperature) for m in models]
            report, predictions = run_folds(engine, rows, folds, blended)
            results.append(CvResult(weight, temperature, report, predictions))
    results.sort(key=lambda r: (-r.score()[0], -r.score()[1], r.weight, r.temperature))
    return results
