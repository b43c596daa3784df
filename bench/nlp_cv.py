"""Honest figures for the classifier (交叉验证评测): ``python bench/nlp_cv.py``.

1. **Per file, tables only** — the keyword tables without the learned model. The
   tables were written by people who had read these files, so these are not
   unseen-data figures (see docs/nlp.md for the first measurement of each file).
2. **k-fold cross-validation (k=5, fixed seed)** over all labelled rows
   (``tests/nlp/data/*.jsonl`` + the shared dev corpus when present). For each fold
   the naive Bayes heads are trained on the other four folds, and the tables lose
   every entry found only in that fold's rows (``bot/nlp/holdout.py``) — the closest
   we can get to "tables written without these rows". Figures for the tables as
   written, the held-out tables, the model alone and the blend the training script
   picks, overall and per source file, plus how confident the blend is.
3. **Leave one file out** (``--by-file``): model trained on every other file, tables
   without the words only that file contains — sets written by different people
   differ more than random folds do.

Never point this at the lead's final held-out file.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlp.corpus import labelled_files, read_labelled  # noqa: E402
from bot.nlp.crossval import (  # noqa: E402
    SEED,
    K,
    fold_engines,
    fold_models,
    replay,
    run_folds,
    search,
    search_intent,
    search_urgent,
)
from bot.nlp.engine import Engine  # noqa: E402
from bot.nlp.evaluate import Report, evaluate  # noqa: E402
from bot.nlp.holdout import Occurrences, held_out_tables  # noqa: E402
from bot.nlp.naive_bayes import train_model  # noqa: E402
from bot.nlp.train import rules_engine  # noqa: E402

THRESHOLD = 0.45  # NLP_CONFIDENCE_THRESHOLD: below it the bot asks back
HEADER = f"{'set':<26} {'rows':>5} {'category':>8} {'intent':>7} {'urg.R':>7} {'urg.P':>7}"


def line(name: str, report: Report) -> str:
    s = report.summary()
    return (f"{name:<26} {s['rows']:>5} {s['category_accuracy']:>8.3f} {s['intent_accuracy']:>7.3f} "
            f"{s['urgent_recall']:>7.3f} {s['urgent_precision']:>7.3f}")


def per_source(rows: list[dict], predictions: list) -> dict[str, Report]:
    out: dict[str, Report] = {}
    for source in sorted({r["source"] for r in rows}):
        pairs = [(r, p) for r, p in zip(rows, predictions, strict=True) if r["source"] == source]
        out[source] = evaluate([r for r, _ in pairs], replay([p for _, p in pairs]))
    return out


def model_alone(engines: list[Engine], rows: list[dict], folds: list[int], models: list) -> Report:
    """The fold models' most probable category (and consult/report for those rows)."""
    predictions = []
    for row, fold in zip(rows, folds, strict=True):
        got = engines[fold].with_model(None).classify(row["text"])
        norm = engines[fold].model_input(row["text"])
        cat = models[fold].category.posterior(norm)
        intent = models[fold].intent.posterior(norm)
        predictions.append(replace(got, category=max(cat, key=cat.__getitem__),
                                   intent=max(intent, key=intent.__getitem__)))
    return evaluate(rows, replay(predictions))


def confidence_line(rows: list[dict], predictions: list) -> str:
    pairs = [(r, p) for r, p in zip(rows, predictions, strict=True) if r["intent"] == "report"]
    sure = [(r, p) for r, p in pairs if p.confidence >= THRESHOLD]
    right = sum(r["category"] == p.category for r, p in sure)
    wrong_unsure = sum(r["category"] != p.category for r, p in pairs if p.confidence < THRESHOLD)
    wrong = sum(r["category"] != p.category for r, p in pairs)
    return (f"report rows with confidence ≥ {THRESHOLD}: {len(sure) / len(pairs):.1%} "
            f"({right / max(len(sure), 1):.1%} of them right); "
            f"{wrong_unsure}/{wrong} wrong answers are asked back")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--by-file", action="store_true", help="also leave one file out")
    args = parser.parse_args()
    engine = rules_engine()
    files = labelled_files()
    rows = read_labelled(files)
    print(f"{len(rows)} labelled rows from {', '.join(f.name for f in files)}\n")

    print("1. tables only, per file (tables as written: they have seen these rows)")
    print(HEADER)
    for path in files:
        print(line(path.stem, evaluate([r for r in rows if r["source"] == path.name],
                                       engine.classify)))

    print(f"\n2. {K}-fold cross-validation (seed {SEED})")
    folds, models = fold_models(engine, rows)
    engines = fold_engines(engine, rows, folds)
    best = search(engines, rows, folds, models)[0]
    category = (best.weight, best.temperature)
    chosen = search_intent(engines, rows, folds, models, category)[0]
    intent = (chosen.weight, chosen.temperature)
    final = search_urgent(engines, rows, folds, models, category, intent)[0]
    threshold = final.temperature
    written, _ = run_folds([engine] * K, rows, folds, [None] * K)
    held, _ = run_folds(engines, rows, folds, [None] * K)
    print(HEADER)
    print(line("tables as written", written))
    print(line("tables, held out", held))
    print(line("model alone", model_alone(engines, rows, folds, models)))
    print(line(f"blend c={best.weight:g}/{best.temperature:g} i={intent[0]:g}/{intent[1]:g} "
               f"u={threshold:g}", final.report))
    for source, report in per_source(rows, final.predictions).items():
        print(line(f"  blend on {Path(source).stem}", report))
    print(confidence_line(rows, final.predictions))

    if args.by_file:
        print("\n3. leave one file out (held-out tables + model trained on the other files)")
        print(HEADER)
        texts = [engine.normalise(r["text"]) for r in rows]
        seen = Occurrences(engine.tables, texts)
        for path in files:
            inside = {i for i, r in enumerate(rows) if r["source"] == path.name}
            test = [rows[i] for i in sorted(inside)]
            train = [r for i, r in enumerate(rows) if i not in inside]
            tables = held_out_tables(engine.tables, seen, inside)
            model = train_model(train, engine.model_input).blended(category, intent, threshold)
            held_engine = Engine(tables, engine.segmenter)
            print(line(f"{path.stem} tables", evaluate(test, held_engine.classify)))
            print(line(f"{path.stem} blend", evaluate(test, held_engine.with_model(model).classify)))


if __name__ == "__main__":
    main()
