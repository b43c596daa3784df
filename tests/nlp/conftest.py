"""Fixtures for the NLP tests: the shared engine and the dev corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bot.nlp as nlp

DEV_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "dev.jsonl"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def engine():
    return nlp.load()


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def assert_emergency(text: str, category: str) -> None:
    """``text`` is an urgent report of ``category``."""
    c = nlp.classify(text)
    assert c.urgent, (text, c.to_dict())
    assert c.intent == "report", (text, c.to_dict())
    assert c.category == category, (text, c.to_dict())


def assert_urgency(text: str, urgent: bool) -> None:
    """``text`` is flagged urgent exactly when ``urgent``."""
    c = nlp.classify(text)
    assert c.urgent is urgent, (text, c.to_dict())
