"""Honest figures for the classifier (交叉验证评测): ``python bench/nlp_cv.py``.

1. **Per file, tables only** — the keyword tables without the learned model. The
   tables were written by people who had read most of these files, so only a file
   measured before anyone tuned on it is an unseen-data figure (see docs/nlp.md).
2. **k-fold cross-validation (k=5, fixed seed)** over all labelled rows
   (``tests/nlp/data/*.jsonl`` + the shared dev corpus when present): for each fold
   the naive Bayes model is trained on the other four folds; figures for the model
   alone, the tables alone and the blend the training script picked, overall and per
   source file, plus how confident the blend is.
3. **Leave one file out** (``--by-file``): the model trained on every other file and
   tested on the file left out — a stricter check, since sets written by different
   people differ more than random folds do.

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
from bot.nlp.crossval import SEED, K, fold_models, search  # noqa: E402
from bot.nlp.evaluate import Report, evaluate  # noqa: E402
from bot.nlp.naive_bayes import train_nb  # noqa: E402
from bot.nlp.train import rules_engine  # noqa: E402

THRESHOLD = 0.45  # NLP_CONFIDENCE_THRESHOLD: below it the bot asks back


def line(name: str, report: Report) -> str:
    s = report.summary()
    return (f"{name:<22} {s['rows']:>5} {s['category_accuracy']:>8.3f} {s['intent_accuracy']:>7.3f} "
            f"{s['urgent_recall']:>7.3f} {s['urgent_precision']:>7.3f}")


HEADER = f"{'set':<22} {'rows':>5} {'category':>8} {'intent':>7} {'urg.R':>7} {'urg.P':>7}"


def _replay(predictions: list):
    """A classify function that hands back ``predictions`` in order."""
    pending = iter(predictions)
    return lambda _text: next(pending)


def per_source(rows: list[dict], predictions: list) -> dict[str, Report]:
    out: dict[str, Report] = {}
    for source in sorted({r["source"] for r in rows}):
        pairs = [(r, p) for r, p in zip(rows, predictions, strict=True) if r["source"] == source]
        out[source] = evaluate([r for r, _ in pairs], _replay([p for _, p in pairs]))
    return out


def model_alone(engine, rows: list[dict], folds: list[int], models: list) -> Report:
    """The fold models' most probable category (intent and urgency from the tables)."""
    pending = iter(folds)

    def classify(text: str) -> object:
        got = engine.classify(text)
        post = models[next(pending)].posterior(engine.normalise(text))
        return replace(got, category=max(post, key=post.__getitem__))
    return evaluate(rows, classify)


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

    print("1. tables only, per file")
    print(HEADER)
    for path in files:
        print(line(path.stem, evaluate([r for r in rows if r["source"] == path.name],
                                       engine.classify)))

    print(f"\n2. {K}-fold cross-validation (seed {SEED})")
    folds, models = fold_models(engine, rows)
    results = search(engine, rows, folds, models)
    best = results[0]
    rules = next(r for r in results if r.weight == 0)
    model_report = model_alone(engine, rows, folds, models)
    print(HEADER)
    print(line("tables only", rules.report))
    print(line("model only (category)", model_report))
    print(line(f"blend w={best.weight:g} T={best.temperature:g}", best.report))
    for source, report in per_source(rows, best.predictions).items():
        print(line(f"  blend on {Path(source).stem}", report))
    print(confidence_line(rows, best.predictions))
    print("runner-up settings:", ", ".join(
        f"w={r.weight:g} T={r.temperature:g} {r.score()[0]:.3f}" for r in results[1:6]))

    if args.by_file:
        print("\n3. leave one file out (model trained on the other files; blend as above)")
        print(HEADER)
        for path in files:
            train = [r for r in rows if r["source"] != path.name]
            test = [r for r in rows if r["source"] == path.name]
            model = train_nb([r["text"] for r in train], [r["category"] for r in train],
                             engine.normalise)
            blended = engine.with_model(replace(model, weight=best.weight,
                                                temperature=best.temperature))
            print(line(f"{path.stem}", evaluate(test, blended.classify)))


if __name__ == "__main__":
    main()
