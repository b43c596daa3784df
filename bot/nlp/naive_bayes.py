"""Training the learned model (朴素贝叶斯训练), pure Python and deterministic.

Multinomial naive Bayes over *binary* character n-gram features (a feature counts
once per message): ``P(f | c) = (docs of c with f + alpha) / (features of c + alpha·|V|)``.
Features seen in fewer than ``min_df`` messages are dropped. Each feature's
log-probabilities are centred over the classes (this changes no posterior) and
entries closer to 0 than ``prune`` are dropped, so scoring touches few numbers.
Class priors are uniform (the labelled sets over-represent some categories) unless
``empirical_prior`` is set.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.nlp.features import ngrams
from bot.nlp.learned import INTENT_CLASSES, URGENT_CLASSES, Head, LearnedModel
from bot.nlp.model import CATEGORY_LABELS


@dataclass(frozen=True)
class TrainOptions:
    ngram: int = 2
    alpha: float = 0.5
    min_df: int = 2
    prune: float = 0.3
    feature_min: float = 0.0  # drop features none of whose weights reaches this
    empirical_prior: bool = False


DEFAULT_OPTIONS = TrainOptions()


def train_nb(texts: Sequence[str], labels: Sequence[str], normalise: Callable[[str], str],
             options: TrainOptions = DEFAULT_OPTIONS,
             universe: Sequence[str] = tuple(CATEGORY_LABELS)) -> Head:
    """Train one head on raw ``texts`` with ``labels`` (values of ``universe``); weight 0."""
    classes = tuple(c for c in universe if c in set(labels))
    index = {c: i for i, c in enumerate(classes)}
    docs = [(ngrams(normalise(t), options.ngram), index[c]) for t, c in zip(texts, labels, strict=True)]
    df: Counter[str] = Counter(f for feats, _ in docs for f in feats)
    vocab = sorted(f for f, n in df.items() if n >= options.min_df)
    known = set(vocab)
    counts = [Counter() for _ in classes]
    for feats, label in docs:
        counts[label].update(feats & known)
    totals = [sum(c.values()) for c in counts]
    size = len(vocab)
    alpha = options.alpha
    weights: dict[str, tuple[tuple[int, float], ...]] = {}
    for feature in vocab:
        logs = [math.log((counts[i][feature] + alpha) / (totals[i] + alpha * size))
                for i in range(len(classes))]
        mean = sum(logs) / len(logs)
        entries = tuple((i, v - mean) for i, v in enumerate(logs) if abs(v - mean) >= options.prune)
        if entries and max(abs(v) for _, v in entries) >= options.feature_min:
            weights[feature] = entries
    class_docs = Counter(label for _, label in docs)
    if options.empirical_prior:
        bias = [math.log(class_docs[i] / len(docs)) for i in range(len(classes))]
    else:
        bias = [0.0] * len(classes)
    mean = sum(bias) / len(bias)
    return Head(classes=classes, bias=tuple(b - mean for b in bias), weights=weights,
                ngram=options.ngram)


def train_model(rows: Sequence[dict], normalise: Callable[[str], str],
                options: TrainOptions = DEFAULT_OPTIONS) -> LearnedModel:
    """All heads from labelled rows (``text``, ``category``, ``intent``, ``urgent``);
    blend weights 0, urgent head off."""
    texts = [r["text"] for r in rows]
    urgent = [URGENT_CLASSES[0] if r.get("urgent") else URGENT_CLASSES[1] for r in rows]
    asks = [r for r in rows if r["intent"] in INTENT_CLASSES]
    return LearnedModel(
        category=train_nb(texts, [r["category"] for r in rows], normalise, options),
        intent=train_nb([r["text"] for r in asks], [r["intent"] for r in asks], normalise, options,
                        INTENT_CLASSES),
        urgent=train_nb(texts, urgent, normalise, options, URGENT_CLASSES),
    ).blended(urgent=2.0)
