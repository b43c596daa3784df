"""The learned model (统计模型): naive Bayes over character n-grams, three heads.

It backs up the tables. The **category head** adds ``weight × (P(c | text) − 1/K)``
(only what it favours) to every category's table score, so a message whose words are
missing from the tables still leans the right way while a clear table word keeps
deciding. The **intent head** (consult against report) adds
``weight × (P(consult) − P(report))`` to the consult evidence of ``intents.yaml``. The **urgent head** is a safety net under the
urgency tables: a report they do not flag is still urgent when ``P(urgent) ≥
threshold`` and no message blocker (已救出, 演练 …) occurs. All are trained offline by
``python -m bot.nlp.train`` into ``config/nlp/model.json`` and read once per process
with the tables; scoring does no I/O.

File format (one JSON document, one feature a line so that errors carry a line)::

    {"format": "wanggetong-nb/2", "meta": {…}, "heads": {
    "category": {"classes": ["env", …], "ngram": 3, "weight": 8.0, "temperature": 16.0,
                 "bias": {"env": 0.0, …}, "features": {
    "火": {"safety": 1.25, "env": -0.31},
    …
    }},
    "intent": {…the same…},
    "urgent": {…the same, plus "threshold": 0.999…}
    }}

``bias`` and feature weights are log-probabilities, centred per feature; missing
entries are 0. ``P(c | text) = softmax((bias_c + Σ weight_f,c) / temperature)``.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import repeat
from pathlib import Path

from bot.nlp.features import ngrams
from bot.nlp.model import CATEGORY_LABELS, INTENTS
from bot.nlp.yamlnodes import TableError

FORMAT = "wanggetong-nb/2"
HEAD_KEYS = {"classes", "ngram", "weight", "temperature", "bias", "features"}
URGENT_CLASSES = ("urgent", "calm")
INTENT_CLASSES = ("consult", "report")
HEAD_CLASSES: dict[str, tuple[str, ...]] = {"category": tuple(CATEGORY_LABELS), "intent": INTENTS,
                                            "urgent": URGENT_CLASSES}


@dataclass
class Head:
    """One naive Bayes classifier: sparse per-feature log-weights for its classes."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[tuple[int, float], ...]]
    ngram: int = 3
    weight: float = 0.0
    temperature: float = 1.0
    threshold: float = 0.5

    def log_scores(self, features: set[str]) -> list[float]:
        """Unnormalised log-scores per class for a set of n-gram features."""
        scores = list(self.bias)
        weights = self.weights
        for feature in features:
            entries = weights.get(feature)
            if entries is not None:
                for index, value in entries:
                    scores[index] += value
        return scores

    def posterior_of(self, features: set[str], temperature: float | None = None) -> dict[str, float]:
        return softmax(self.classes, self.log_scores(features), temperature or self.temperature)

    def posterior(self, text: str, temperature: float | None = None) -> dict[str, float]:
        """P(class | normalised text) with the head's (or the given) temperature."""
        return self.posterior_of(ngrams(text, self.ngram), temperature)

    def to_json(self) -> str:
        header = {"classes": list(self.classes), "ngram": self.ngram, "weight": self.weight,
                  "temperature": self.temperature, "threshold": self.threshold,
                  "bias": {c: round(b, 4) for c, b in zip(self.classes, self.bias, strict=True)}}
        lines = []
        for feature in sorted(self.weights):
            entry = {self.classes[i]: round(w, 3) for i, w in self.weights[feature]}
            lines.append(f"{json.dumps(feature, ensure_ascii=False)}: "
                         f"{json.dumps(entry, ensure_ascii=False)}")
        head = json.dumps(header, ensure_ascii=False, sort_keys=True)[:-1]
        return head + ', "features": {\n' + ",\n".join(lines) + "\n}}"


@dataclass
class LearnedModel:
    """The category head, the intent head (optional) and what they were trained on."""

    category: Head
    intent: Head | None = None
    urgent: Head | None = None
    meta: dict[str, object] = field(default_factory=dict)
    # feature → one row of log-weights over all heads' classes, packed into one integer
    # (built on first use, shared by blended copies); see ``_pack``.
    _packed: dict[str, int] | None = field(default=None, repr=False, compare=False)

    def heads(self) -> list[Head]:
        return [h for h in (self.category, self.intent, self.urgent) if h is not None]

    def _rows(self) -> dict[str, int]:
        """Packed rows; a two-class head takes one column (its log-odds)."""
        if self._packed is None:
            heads = self.heads()
            width = sum(_width(h) for h in heads)
            rows: dict[str, list[float]] = {}
            offset = 0
            for head in heads:
                for feature, entries in head.weights.items():
                    row = rows.setdefault(feature, [0.0] * width)
                    for index, value in entries:
                        if _width(head) == 1:
                            row[offset] += value if index == 0 else -value
                        else:
                            row[offset + index] = value
                offset += _width(head)
            self._packed = {f: _pack(r) for f, r in rows.items()}
        return self._packed

    def posteriors(self, features: set[str]) -> list[dict[str, float]]:
        """P(class | text) for every head (category, intent, urgent order), one pass."""
        rows = self._rows()
        sums = _unpack(sum(map(rows.get, features, repeat(0))), sum(_width(h) for h in self.heads()))
        out, offset = [], 0
        for head in self.heads():
            size = _width(head)
            if size == 1:
                odds = head.bias[0] - head.bias[1] + sums[offset]
                first = 1.0 / (1.0 + math.exp(max(-700.0, min(700.0, -odds / head.temperature))))
                out.append({head.classes[0]: first, head.classes[1]: 1.0 - first})
            else:
                scores = [b + v for b, v in zip(head.bias, sums[offset:offset + size], strict=True)]
                out.append(softmax(head.classes, scores, head.temperature))
            offset += size
        return out

    def blended(self, category: tuple[float, float] | None = None,
                intent: tuple[float, float] | None = None,
                urgent: float | None = None) -> LearnedModel:
        """A copy with other (weight, temperature) for the heads and another urgent
        threshold (above 1: the urgent head is off)."""
        cat, itn, urg = self.category, self.intent, self.urgent
        if category is not None:
            cat = replace(cat, weight=category[0], temperature=category[1])
        if intent is not None and itn is not None:
            itn = replace(itn, weight=intent[0], temperature=intent[1])
        if urgent is not None and urg is not None:
            urg = replace(urg, threshold=urgent, weight=1.0 if urgent <= 1 else 0.0)
        return replace(self, category=cat, intent=itn, urgent=urg)



    def to_json(self) -> str:
        """The file text (sorted, deterministic)."""
        heads = [f'"category": {self.category.to_json()}']
        for name, head in (("intent", self.intent), ("urgent", self.urgent)):
            if head is not None:
                heads.append(f'"{name}": {head.to_json()}')
        meta = json.dumps(self.meta, ensure_ascii=False, sort_keys=True)
        return (f'{{"format": "{FORMAT}", "meta": {meta}, "heads": {{\n'
                + ",\n".join(heads) + "\n}}\n")


def _width(head: Head) -> int:
    return 1 if len(head.classes) == 2 else len(head.classes)


# Packed rows (紧凑行): a feature's row of weights is one Python integer holding each weight
# as a whole number of millionths in its own 64-bit lane (lane i counts 2**(64 i) times its
# weight, negative weights included: Python integers are exact at any size). Adding a
# message's rows is then one ``sum`` of integers in C. To read the lanes back, 2**63 is added
# to every lane so that each is a plain unsigned 64-bit number (a lane's total stays far
# below 2**63: a few thousand features of at most 2**28 each), and struct cuts them apart.
# Weights are stored to three decimals (model.json), so the sums are exact for them.
_SCALE = 1_000_000
_LIMIT = 1 << 28  # |weight| < 268 (trained weights stay below 10)
_HALF = 1 << 63


def _pack(row: list[float]) -> int:
    packed = 0
    for lane, value in enumerate(row):
        scaled = round(value * _SCALE)
        if not -_LIMIT < scaled < _LIMIT:
            raise ValueError(f"model weight {value} out of range")
        packed += scaled << (64 * lane)
    return packed


def _unpack(total: int, width: int) -> list[float]:
    """The lanes of a sum of packed rows."""
    lifted = total + _lifts(width)
    return [(lane - _HALF) / _SCALE for lane in struct.unpack(f"<{width}Q", lifted.to_bytes(8 * width, "little"))]


@cache
def _lifts(width: int) -> int:
    """2**63 in each of ``width`` lanes."""
    return sum(_HALF << (64 * lane) for lane in range(width))


def softmax(classes: tuple[str, ...], scores: list[float], temperature: float) -> dict[str, float]:
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return {c: e / total for c, e in zip(classes, exps, strict=True)}


def _number(value: object, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{where}: expected a number in {low}..{high}, got {value!r}")
    return float(value)


class _Reader:
    """Checks one model file; every error reads ``FILE:LINE: reason``."""

    def __init__(self, text: str, path: Path) -> None:
        self.text, self.path = text, path

    def fail(self, reason: str, needle: str | None = None, after: int = 0) -> TableError:
        at = self.text.find(needle, after) if needle else -1
        line = self.text.count("\n", 0, at) + 1 if at >= 0 else 1
        return TableError(f"{self.path}:{line}: {reason}")

    def head(self, name: str, data: object) -> Head:
        start = max(self.text.find(f'"{name}":'), 0)
        if not isinstance(data, dict):
            raise self.fail(f"head {name!r} must be an object", f'"{name}":')
        missing = HEAD_KEYS - data.keys()
        if missing:
            raise self.fail(f"head {name!r}: missing field(s): {', '.join(sorted(missing))}",
                            f'"{name}":')
        try:
            classes = tuple(data["classes"])
            known = HEAD_CLASSES[name]
            if not classes or len(set(classes)) != len(classes) or not set(classes) <= set(known):
                raise ValueError(f"classes must be distinct values of {list(known)}, got {list(classes)}")
            bias = data["bias"]
            if not isinstance(bias, dict) or set(bias) != set(classes):
                raise ValueError("bias needs one number per class")
            head = Head(classes=classes,
                        bias=tuple(_number(bias[c], f"bias {c}", -1e3, 1e3) for c in classes),
                        weights={}, ngram=int(_number(data["ngram"], "ngram", 1, 6)),
                        weight=_number(data["weight"], "weight", 0, 50),
                        temperature=_number(data["temperature"], "temperature", 0.01, 1000),
                        threshold=_number(data.get("threshold", 0.5), "threshold", 0, 2))
        except (TypeError, ValueError) as exc:
            raise self.fail(f"head {name!r}: {exc}", f'"{name}":') from None
        features = data["features"]
        if not isinstance(features, dict):
            raise self.fail(f"head {name!r}: features must be an object", '"features"', start)
        index = {c: i for i, c in enumerate(classes)}
        for feature, entry in features.items():
            try:
                head.weights[feature] = self._entry(entry, index)
            except ValueError as exc:
                needle = json.dumps(feature, ensure_ascii=False) + ":"
                raise self.fail(f"head {name!r}, feature {feature!r}: {exc}", needle, start) from None
        return head

    @staticmethod
    def _entry(entry: object, index: dict[str, int]) -> tuple[tuple[int, float], ...]:
        if not isinstance(entry, dict):
            raise ValueError("expected an object {class: weight}")
        pairs = []
        for code, value in entry.items():
            if code not in index:
                raise ValueError(f"unknown class {code!r}")
            pairs.append((index[code], _number(value, code, -1e3, 1e3)))
        return tuple(pairs)


def parse_model(text: str, path: Path) -> LearnedModel:
    """Check and build a model from the file text."""
    reader = _Reader(text, path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TableError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise reader.fail("the model must be a JSON object")
    if data.get("format") != FORMAT:
        raise reader.fail(f"unknown model format {data.get('format')!r} (expected {FORMAT!r}; "
                          "retrain with python -m bot.nlp.train)")
    heads = data.get("heads")
    if not isinstance(heads, dict) or "category" not in heads:
        raise reader.fail("missing heads.category")
    unknown = set(heads) - set(HEAD_CLASSES)
    if unknown:
        raise reader.fail(f"unknown head(s): {', '.join(sorted(unknown))}", '"heads"')
    meta = data.get("meta")
    model = LearnedModel(
        category=reader.head("category", heads["category"]),
        intent=reader.head("intent", heads["intent"]) if "intent" in heads else None,
        urgent=reader.head("urgent", heads["urgent"]) if "urgent" in heads else None,
        meta=meta if isinstance(meta, dict) else {},
    )
    if len({h.ngram for h in model.heads()}) > 1:
        raise reader.fail("all heads must use the same ngram size", '"heads"')
    return model


def load_model(path: Path) -> LearnedModel:
    """Read ``model.json``; a missing or broken file raises TableError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"{path}:1: cannot read the learned model ({exc}); "
                         "train it with python -m bot.nlp.train") from exc
    return parse_model(text, path)
