"""Evaluation on a labelled corpus (评测): the figures ``flask classify --eval`` prints.

Rows are JSON objects with ``text``, ``category``, ``intent``, ``urgent`` and
optionally ``address`` (the format of ``/work/shared/corpus/dev.jsonl``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.nlp.model import Classification


@dataclass
class Report:
    rows: int = 0
    category_rows: int = 0
    category_hits: int = 0
    intent_hits: int = 0
    urgent_tp: int = 0
    urgent_fp: int = 0
    urgent_fn: int = 0
    address_rows: int = 0
    address_hits: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    mistakes: list[dict[str, object]] = field(default_factory=list)

    @staticmethod
    def _ratio(hits: int, total: int) -> float:
        return round(hits / total, 4) if total else 1.0

    def summary(self, top: int = 10) -> dict[str, object]:
        return {
            "rows": self.rows,
            "category_accuracy": self._ratio(self.category_hits, self.category_rows),
            "category_rows": self.category_rows,
            "intent_accuracy": self._ratio(self.intent_hits, self.rows),
            "urgent_recall": self._ratio(self.urgent_tp, self.urgent_tp + self.urgent_fn),
            "urgent_precision": self._ratio(self.urgent_tp, self.urgent_tp + self.urgent_fp),
            "address_exact": self._ratio(self.address_hits, self.address_rows),
            "top_confusions": [
                {"expected": e, "got": g, "count": n} for (e, g), n in self.confusions.most_common(top)
            ],
        }


def read_rows(path: str | Path) -> list[dict[str, object]]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not JSON: {exc}") from None
    return rows


def evaluate(rows: Iterable[dict], classify: Callable[[str], Classification]) -> Report:
    report = Report()
    for row in rows:
        got = classify(str(row["text"]))
        report.rows += 1
        wrong = []
        if row["intent"] in ("report", "consult"):
            report.category_rows += 1
            if got.category == row["category"]:
                report.category_hits += 1
            else:
                report.confusions[(str(row["category"]), got.category)] += 1
                wrong.append("category")
        if got.intent == row["intent"]:
            report.intent_hits += 1
        else:
            wrong.append("intent")
        expected_urgent = bool(row.get("urgent"))
        report.urgent_tp += got.urgent and expected_urgent
        report.urgent_fp += got.urgent and not expected_urgent
        report.urgent_fn += expected_urgent and not got.urgent
        if got.urgent != expected_urgent:
            wrong.append("urgent")
        if "address" in row:
            report.address_rows += 1
            report.address_hits += got.address == row["address"]
        if wrong:
            report.mistakes.append({"text": row["text"], "wrong": wrong, "expected": {
                k: row.get(k) for k in ("category", "intent", "urgent")}, "got": {
                "category": got.category, "intent": got.intent, "urgent": got.urgent,
                "confidence": got.confidence}})
    return report
