"""Train the learned category model: ``python -m bot.nlp.train`` (模型训练).

Reads every labelled file (``tests/nlp/data/*.jsonl`` and, when present, the shared
dev corpus), picks the blend weight and temperature by 5-fold cross-validation of the
whole classifier (tables + a model trained without the fold), trains the final model
on all rows and writes ``config/nlp/model.json``. Deterministic: the same tables and
rows give the same file byte for byte. Run it after adding labelled rows or editing
the tables, then commit the new model.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from bot.nlp.corpus import labelled_files, read_labelled
from bot.nlp.crossval import (
    SEED,
    K,
    fold_engines,
    fold_models,
    search,
    search_intent,
    search_urgent,
)
from bot.nlp.engine import Engine
from bot.nlp.learned import LearnedModel
from bot.nlp.naive_bayes import DEFAULT_OPTIONS, TrainOptions, train_model
from bot.nlp.segment import Segmenter
from bot.nlp.tables import DEFAULT_DIR, MODEL_FILE, load_tables


def data_digest(rows: Sequence[dict]) -> str:
    """sha256 of the (text, category) pairs the model learns from."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps([row["text"], row["category"]], ensure_ascii=False).encode())
    return digest.hexdigest()


def rules_engine(directory: Path = DEFAULT_DIR) -> Engine:
    """The classifier from the tables alone (no learned model)."""
    tables = load_tables(directory, with_model=False)
    return Engine(tables, Segmenter(int(tables.settings["jieba_min_freq"])))


def train(engine: Engine, rows: Sequence[dict], options: TrainOptions = DEFAULT_OPTIONS,
          k: int = K, seed: int = SEED) -> LearnedModel:
    """Cross-validate the blend, then fit the final model on all ``rows``."""
    folds, models = fold_models(engine, rows, options, k, seed)
    engines = fold_engines(engine, rows, folds, k)
    best = search(engines, rows, folds, models)[0]
    category = (best.weight, best.temperature)
    best = search_intent(engines, rows, folds, models, category)[0]
    intent = (best.weight, best.temperature)
    best = search_urgent(engines, rows, folds, models, category, intent)[0]
    summary = best.report.summary()
    model = train_model(rows, engine.model_input, options)
    meta = {
        "rows": len(rows),
        "files": sorted({r["source"] for r in rows}),
        "data_sha256": data_digest(rows),
        "options": asdict(options),
        "cv": {"k": k, "seed": seed, "category_accuracy": summary["category_accuracy"],
               "intent_accuracy": summary["intent_accuracy"],
               "urgent_recall": summary["urgent_recall"],
               "urgent_precision": summary["urgent_precision"]},
    }
    return replace(model.blended(category, intent, best.temperature), meta=meta)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlp.train", description=__doc__.split("\n")[0])
    parser.add_argument("--tables", type=Path, default=DEFAULT_DIR, help="table directory")
    parser.add_argument("--out", type=Path, help="output file (default TABLES/model.json)")
    args = parser.parse_args(argv)
    rows = read_labelled(labelled_files())
    model = train(rules_engine(args.tables), rows)
    out = args.out or args.tables / MODEL_FILE
    out.write_text(model.to_json(), encoding="utf-8")
    cv = model.meta["cv"]
    print(f"{len(rows)} rows from {', '.join(model.meta['files'])}")
    for name, head in (("category", model.category), ("intent", model.intent)):
        if head is not None:
            print(f"{name} head: weight {head.weight:g}, temperature {head.temperature:g}, "
                  f"{len(head.weights)} features")
    if model.urgent is not None:
        state = f"threshold {model.urgent.threshold:g}" if model.urgent.weight > 0 else "off"
        print(f"urgent head: {state}")
    print(f"5-fold CV (held-out tables): category {cv['category_accuracy']:.3f}, "
          f"intent {cv['intent_accuracy']:.3f}, urgent recall {cv['urgent_recall']:.3f} "
          f"precision {cv['urgent_precision']:.3f} → {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
