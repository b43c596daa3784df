"""The learned category model (统计模型): naive Bayes over character n-grams.

It backs up the keyword tables: the engine adds ``weight × P(category | text)`` to
every category's table score, so a message whose words are missing from the tables
still leans the right way, while a clear table word keeps deciding. The model is
trained offline by ``python -m bot.nlp.train`` and stored in ``config/nlp/model.json``;
it is read once per process with the tables. Scoring does no I/O.

File format (one JSON document, one feature a line so that errors carry a line)::

    {"format": "wanggetong-nb/1", "classes": ["env", …], "ngram": 3,
     "weight": 4.0, "temperature": 8.0, "bias": {"env": -0.1, …}, "meta": {…},
     "features": {
    "火": {"safety": 1.25, "env": -0.31},
    …
    }}

``bias`` and feature weights are log-probabilities, centred per feature; missing
entries are 0. ``P(c | text) = softmax((bias_c + Σ weight_f,c) / temperature)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from bot.nlp.features import ngrams
from bot.nlp.model import CATEGORY_LABELS
from bot.nlp.yamlnodes import TableError

FORMAT = "wanggetong-nb/1"
HEADER_KEYS = {"format", "classes", "ngram", "weight", "temperature", "bias", "meta", "features"}


@dataclass
class LearnedModel:
    """Sparse per-feature log-weights for every category."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[tuple[int, float], ...]]
    ngram: int = 3
    weight: float = 0.0
    temperature: float = 1.0
    meta: dict[str, object] = field(default_factory=dict)

    def log_scores(self, text: str) -> list[float]:
        """Unnormalised log-scores per class for a normalised ``text``."""
        scores = list(self.bias)
        weights = self.weights
        for feature in ngrams(text, self.ngram):
            entries = weights.get(feature)
            if entries is not None:
                for index, value in entries:
                    scores[index] += value
        return scores

    def posterior(self, text: str, temperature: float | None = None) -> dict[str, float]:
        """P(category | text) with the model's (or the given) temperature."""
        return softmax(self.classes, self.log_scores(text), temperature or self.temperature)

    def to_json(self) -> str:
        """The file text: a header, then one feature a line (sorted, deterministic)."""
        header = {
            "format": FORMAT, "classes": list(self.classes), "ngram": self.ngram,
            "weight": self.weight, "temperature": self.temperature,
            "bias": {c: round(b, 4) for c, b in zip(self.classes, self.bias, strict=True)},
            "meta": self.meta,
        }
        head = json.dumps(header, ensure_ascii=False, sort_keys=True)[:-1]
        lines = []
        for feature in sorted(self.weights):
            entry = {self.classes[i]: round(w, 3) for i, w in self.weights[feature]}
            lines.append(f"{json.dumps(feature, ensure_ascii=False)}: "
                         f"{json.dumps(entry, ensure_ascii=False)}")
        return head + ', "features": {\n' + ",\n".join(lines) + "\n}}\n"


def softmax(classes: tuple[str, ...], scores: list[float], temperature: float) -> dict[str, float]:
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return {c: e / total for c, e in zip(classes, exps, strict=True)}


def _line_of(text: str, needle: str) -> int:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _number(value: object, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{where}: expected a number in {low}..{high}, got {value!r}")
    return float(value)


def parse_model(text: str, path: Path) -> LearnedModel:
    """Check and build a model from the file text; errors read ``FILE:LINE: reason``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TableError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise TableError(f"{path}:1: the model must be a JSON object")
    if data.get("format") != FORMAT:
        raise TableError(f"{path}:1: unknown model format {data.get('format')!r} "
                         f"(expected {FORMAT!r}; retrain with python -m bot.nlp.train)")
    missing = HEADER_KEYS - data.keys()
    if missing:
        raise TableError(f"{path}:1: missing field(s): {', '.join(sorted(missing))}")
    try:
        classes = tuple(data["classes"])
        unknown = [c for c in classes if c not in CATEGORY_LABELS]
        if unknown or not classes or len(set(classes)) != len(classes):
            raise ValueError(f"classes must be distinct category codes, got {unknown or classes}")
        index = {c: i for i, c in enumerate(classes)}
        bias = data["bias"]
        if not isinstance(bias, dict) or set(bias) != set(classes):
            raise ValueError("bias needs one number per class")
        model = LearnedModel(
            classes=classes,
            bias=tuple(_number(bias[c], f"bias {c}", -1e3, 1e3) for c in classes),
            weights={},
            ngram=int(_number(data["ngram"], "ngram", 1, 6)),
            weight=_number(data["weight"], "weight", 0, 50),
            temperature=_number(data["temperature"], "temperature", 0.01, 1000),
            meta=data["meta"] if isinstance(data["meta"], dict) else {},
        )
    except (TypeError, ValueError) as exc:
        raise TableError(f"{path}:1: {exc}") from None
    features = data["features"]
    if not isinstance(features, dict):
        line = _line_of(text, '"features"')
        raise TableError(f"{path}:{line}: features must be an object")
    for feature, entry in features.items():
        try:
            if not isinstance(entry, dict):
                raise ValueError("expected an object {category: weight}")
            pairs = []
            for code, value in entry.items():
                if code not in index:
                    raise ValueError(f"unknown class {code!r}")
                pairs.append((index[code], _number(value, code, -1e3, 1e3)))
            model.weights[feature] = tuple(pairs)
        except ValueError as exc:
            line = _line_of(text, json.dumps(feature, ensure_ascii=False) + ":")
            raise TableError(f"{path}:{line}: feature {feature!r}: {exc}") from None
    return model


def load_model(path: Path) -> LearnedModel:
    """Read ``model.json``; a missing or broken file raises TableError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"{path}:1: cannot read the learned model ({exc}); "
                         "train it with python -m bot.nlp.train") from exc
    return parse_model(text, path)
