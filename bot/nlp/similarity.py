"""Report similarity (相似度) for merging duplicate reports (重复案件合并, SPEC §4).

score = text_weight × text overlap + address_weight × address agreement
      + category_weight × same category, all in 0..1.

Text overlap is the better of (a) the Jaccard overlap of domain keywords and content
words and (b) the Dice overlap of Chinese character bigrams, so that "垃圾桶满了没人清"
and "垃圾桶都满出来了" still look alike. Address agreement is 1 when both name the same
place (or one contains the other), 0 when they name different places, 0.5 when
either has none. Weights and the merge threshold live in ``config/nlp/settings.yaml``.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Set
from dataclasses import dataclass

from bot.nlp.engine import Engine, get_engine
from bot.nlp.model import Classification

_HAN = re.compile(r"[\u4e00-\u9fff0-9a-z]+")


def _bigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for run in _HAN.findall(text):
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _overlap(a: Set[str], b: Set[str], dice: bool = False) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return 2 * common / (len(a) + len(b)) if dice else common / len(a | b)


def _words(engine: Engine, c: Classification, norm: str) -> set[str]:
    words = set(c.keywords)
    words.update(t for t in engine.segmenter.cut(norm) if len(t) > 1 and not t.isdigit())
    return words


def _address(a: str, b: str) -> float:
    if not a or not b:
        return 0.5
    return 1.0 if a in b or b in a else 0.0


@dataclass(frozen=True)
class _Features:
    category: str
    address: str
    words: frozenset[str]
    bigrams: frozenset[str]
    empty: bool


_CACHE_SIZE = 4096
_cache: OrderedDict[tuple[Engine, str], _Features] = OrderedDict()
_cache_lock = threading.Lock()


def _compute(engine: Engine, c: Classification) -> _Features:
    norm = engine.normalise(c.text)
    return _Features(c.category, engine.normalise(c.address), frozenset(_words(engine, c, norm)),
                     frozenset(_bigrams(norm)), not norm.strip())


def _remember(key: tuple[Engine, str], features: _Features) -> _Features:
    with _cache_lock:
        _cache[key] = features
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return features


def _features(engine: Engine, text: str) -> _Features:
    """What similarity compares, computed once per text (a report is compared with up to 50
    open cases; each case's text would otherwise be classified and segmented every time).
    Keyed by the engine too, so reloading the tables starts afresh."""
    key = (engine, text)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    return _remember(key, _compute(engine, engine.classify(text)))


def prime(text: str, c: Classification) -> None:
    """Remember the features of ``text`` from the classification the caller already has
    (the webhook classifies a report once; the duplicate check then need not again)."""
    engine = get_engine()
    _remember((engine, text), _compute(engine, c))


def similarity(a: str, b: str) -> float:
    """0..1: how likely two reports describe the same problem."""
    engine = get_engine()
    s = engine.settings
    fa, fb = _features(engine, a), _features(engine, b)
    if fa.empty or fb.empty:
        return 0.0
    text = max(_overlap(fa.words, fb.words), _overlap(fa.bigrams, fb.bigrams, dice=True))
    address = _address(fa.address, fb.address)
    category = 1.0 if fa.category == fb.category else 0.0
    total = s["similarity_text_weight"] + s["similarity_address_weight"] + s["similarity_category_weight"]
    score = (s["similarity_text_weight"] * text + s["similarity_address_weight"] * address
             + s["similarity_category_weight"] * category) / total
    return round(min(max(score, 0.0), 1.0), 3)


def similarity_threshold() -> float:
    """The configured merge threshold (``similarity_threshold`` in settings.yaml)."""
    return get_engine().settings["similarity_threshold"]
