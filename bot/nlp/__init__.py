"""Chinese text understanding for 网格通 (消息理解): category, intent, urgency, address,
privacy masking, service guides and duplicate similarity.

Public API (others code against it)::

    from bot.nlp import classify, answer, mask, similarity, configure, load
    from bot.nlp import Classification, Candidate, CATEGORY_LABELS, SIMILARITY_THRESHOLD

Tables live in ``config/nlp/`` (see ``docs/nlp.md``). jieba and the tables load once
per process: lazily on first use, or eagerly with ``load()`` before a server forks.
"""

from __future__ import annotations

from bot.nlp.engine import configure, get_engine, load
from bot.nlp.model import CATEGORY_LABELS, INTENTS, Candidate, Classification
from bot.nlp.similarity import similarity, similarity_threshold
from bot.nlp.tables import DEFAULT_DIR, Tables, load_tables
from bot.nlp.yamlnodes import TableError

__all__ = [
    "CATEGORY_LABELS",
    "DEFAULT_DIR",
    "INTENTS",
    "SIMILARITY_THRESHOLD",
    "Candidate",
    "Classification",
    "TableError",
    "Tables",
    "answer",
    "classify",
    "configure",
    "load",
    "load_tables",
    "mask",
    "similarity",
    "similarity_threshold",
]


def classify(text: str) -> Classification:
    """Classify one message (分类): category, intent, confidence, urgent, address …"""
    return get_engine().classify(text)


def answer(c: Classification) -> str | None:
    """Service guide (办事指南) for a consult intent, else None."""
    if c.intent != "consult":
        return None
    return get_engine().guides.text_for(c.topic, c.category)


def mask(text: str) -> str:
    """Mask phone, ID, name and room numbers for publicity and digests (脱敏)."""
    return get_engine().mask(text)


def __getattr__(name: str) -> float:
    # SIMILARITY_THRESHOLD is read from config/nlp/settings.yaml on first access.
    if name == "SIMILARITY_THRESHOLD":
        return similarity_threshold()
    raise AttributeError(f"module 'bot.nlp' has no attribute {name!r}")
