"""Labelled messages (标注语料) for training and cross-validation.

The repository's labelled sets live in ``tests/nlp/data/*.jsonl``; the shared dev
corpus ``../shared/corpus/dev.jsonl`` is added when it is present. Rows have the keys
of the dev corpus (``text``, ``category``, ``intent``, ``urgent`` …); each row read
here also gets ``source`` (the file name) so figures can be split per file.
"""

from __future__ import annotations

from pathlib import Path

from bot.nlp.evaluate import read_rows
from bot.nlp.model import CATEGORY_LABELS, INTENTS

ROOT = Path(__file__).resolve().parents[2]
REPO_DATA = ROOT / "tests" / "nlp" / "data"
DEV_CORPUS = ROOT.parent / "shared" / "corpus" / "dev.jsonl"


def labelled_files(data_dir: Path = REPO_DATA, dev: Path | None = DEV_CORPUS) -> list[Path]:
    """The dev corpus (when present) and every ``*.jsonl`` of ``data_dir``, sorted."""
    files = [dev] if dev is not None and dev.is_file() else []
    return files + sorted(data_dir.glob("*.jsonl"))


def read_labelled(files: list[Path]) -> list[dict]:
    """All rows of ``files``, checked, each with its ``source`` file name."""
    rows: list[dict] = []
    for path in files:
        for number, row in enumerate(read_rows(path), 1):
            text = row.get("text")
            if not isinstance(text, str) or row.get("category") not in CATEGORY_LABELS \
                    or row.get("intent") not in INTENTS:
                raise ValueError(f"{path}: row {number}: needs text, a known category and intent")
            rows.append({**row, "urgent": bool(row.get("urgent")), "source": path.name})
    return rows
