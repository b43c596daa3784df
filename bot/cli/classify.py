"""``flask classify`` — run the message classifier (消息分类) from the command line.

    flask classify "楼道里有人飞线充电"        one JSON object
    flask classify --file messages.txt        one text a line (or JSONL with "text") → JSONL
    flask classify --eval dev.jsonl           accuracy, urgent recall/precision, confusions
"""

from __future__ import annotations

import json
import sys

import click

from bot.nlp import classify, load
from bot.nlp.evaluate import evaluate, read_rows


def _dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _texts(path: str) -> list[str]:
    texts = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            if line.lstrip().startswith("{"):
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise click.ClickException(f"{path}:{number}: not JSON: {exc}") from None
                if not isinstance(row, dict) or "text" not in row:
                    raise click.ClickException(f"{path}:{number}: a JSON line needs a \"text\" key")
                texts.append(str(row["text"]))
            else:
                texts.append(line)
    return texts


@click.command("classify")
@click.argument("text", required=False)
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False),
              help="One message a line, or JSONL with a \"text\" key; prints JSONL.")
@click.option("--eval", "eval_", type=click.Path(exists=True, dir_okay=False),
              help="Labelled JSONL (text, category, intent, urgent); prints the figures.")
@click.option("--mistakes", is_flag=True, help="With --eval: also list the misclassified rows.")
def classify_command(text: str | None, file_: str | None, eval_: str | None, mistakes: bool) -> None:
    """Classify Chinese text: category, intent, confidence, urgent, keywords, address."""
    chosen = [x for x in (text, file_, eval_) if x is not None]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of TEXT, --file or --eval")
    load()
    if text is not None:
        click.echo(_dump(classify(text).to_dict()))
    elif file_ is not None:
        for line in _texts(file_):
            click.echo(_dump(classify(line).to_dict()))
    else:
        try:
            rows = read_rows(eval_)
        except (ValueError, KeyError) as exc:
            raise click.ClickException(str(exc)) from None
        report = evaluate(rows, classify)
        summary = report.summary()
        click.echo(f"rows: {summary['rows']}")
        click.echo(f"category accuracy (report+consult, {summary['category_rows']} rows): "
                   f"{summary['category_accuracy']:.3f}")
        click.echo(f"intent accuracy: {summary['intent_accuracy']:.3f}")
        click.echo(f"urgent recall: {summary['urgent_recall']:.3f}  "
                   f"precision: {summary['urgent_precision']:.3f}")
        click.echo(f"address exact match: {summary['address_exact']:.3f}")
        click.echo("top confusions (expected → got):")
        for item in summary["top_confusions"] or [{"expected": "-", "got": "-", "count": 0}]:
            click.echo(f"  {item['expected']} → {item['got']}: {item['count']}")
        if mistakes:
            for row in report.mistakes:
                click.echo(_dump(row))
    sys.stdout.flush()
