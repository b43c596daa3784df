"""The classifier (消息分类器): tables + jieba, loaded once per process.

``Engine.classify`` does no I/O: normalise → jieba tokens → category scores (with
urgent boosts and context shifts) → plus the learned model's weighted probabilities →
margin confidence → intent → address → guide topic. ``get_engine()`` builds the process-wide engine on first use; ``load()`` builds
it eagerly (call it before a server forks).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from pathlib import Path

from bot.nlp.address import AddressFinder
from bot.nlp.categories import CategoryModel, confidence
from bot.nlp.features import ngrams
from bot.nlp.intent import IntentDetector
from bot.nlp.learned import LearnedModel
from bot.nlp.matcher import TermMatcher
from bot.nlp.model import CATEGORY_LABELS, Candidate, Classification
from bot.nlp.privacy import Masker
from bot.nlp.segment import Segmenter
from bot.nlp.tables import Tables, load_tables
from bot.nlp.text import Normaliser
from bot.nlp.urgent import UrgencyDetector

_ORDER = {code: i for i, code in enumerate(CATEGORY_LABELS)}


class Engine:
    """Everything ``classify`` needs, built from one set of tables."""

    def __init__(self, tables: Tables, segmenter: Segmenter) -> None:
        self.tables = tables
        self.settings = tables.settings
        self.normalise = Normaliser(tables.typos)
        self.categories = CategoryModel(tables.categories, tables.neutral, tables.shifts, tables.aside,
                                        tables.denials)
        self.urgency = UrgencyDetector(tables.urgent)
        self.intents = IntentDetector(tables.intents)
        self.addresses = AddressFinder(tables.address)
        self.guides = tables.guides
        self.model = tables.model
        if self.model is not None:
            self.model.posteriors(set())  # build the dense rows now, not on the first message
        self.mask = Masker(tables.privacy)
        settings = self.settings
        self._max_chars, self._tau = int(settings["max_chars"]), settings["confidence_tau"]
        self._lift = settings["model_confidence_lift"]
        self._max_keywords, self._max_candidates = int(settings["max_keywords"]), int(settings["max_candidates"])
        self.segmenter = segmenter
        self.scanner = TermMatcher(self.categories.presence_words() | self.urgency.presence_words()
                                   | self.intents.presence_words())
        segmenter.add_userdict(tables.userdict)
        segmenter.add_words(self.categories.vocabulary() | self.urgency.vocabulary()
                            | self.guides.vocabulary())

    def with_model(self, model: LearnedModel | None) -> Engine:
        """A copy of this engine that blends ``model`` instead (training, cross-validation)."""
        other = copy.copy(self)
        other.model = model
        return other

    def model_input(self, text: str) -> str:
        """What the learned model reads: the normalised text without its address (the
        place says nothing about the problem; estate names would only add noise)."""
        norm = self.normalise(text)
        return _without(norm, self.addresses.find(norm))

    def configure(self, estates: Iterable[str]) -> None:
        names = {name.strip() for name in estates if name and name.strip()}
        new = {self.normalise(n) for n in names} - self.addresses.estates
        if new:
            self.addresses.add_estates(new)
            self.segmenter.add_words(new)

    def classify(self, text: str) -> Classification:
        raw = (text or "")[: self._max_chars]
        norm = self.normalise(raw)
        found = self.scanner.raw(norm)
        present = {m.term for m in found}
        # Token-only entries (tokens: in the category tables) can match a jieba token only
        # where they also occur as a substring, so segment only when one does.
        tokens = self.segmenter.cut(norm) if not present.isdisjoint(self.categories.token_keys) else []
        tokens += self.categories.run_tokens(norm, present)
        scores, terms = self.categories.score(norm, tokens, found, present)
        hits = self.urgency.detect(norm, present, found)
        for hit in hits:
            if hit.category:
                scores[hit.category] += hit.boost
        evidence = max(scores.values())  # the tables' evidence alone gates small talk
        tables_conf = confidence(scores, self._tau)
        lean, alarm = 0.0, 0.0
        model = self.model
        span = self.addresses.find(norm)
        if model is not None:
            head = model.category
            posteriors = model.posteriors(ngrams(_without(norm, span), head.ngram))
            # The model backs its favourite with its own margin: a vague model adds little.
            best_class, margin = _lead(posteriors[0])
            scores[best_class] += head.weight * margin
            if model.intent is not None:
                p = posteriors[1]
                lean = model.intent.weight * (p.get("consult", 0.0) - p.get("report", 0.0))
            if model.urgent is not None and model.urgent.weight > 0:
                alarm = posteriors[-1]["urgent"]
        intent = self.intents.detect(norm, present, evidence, bool(hits), lean, found)
        urgent = bool(hits) and intent == "report"
        if not urgent and intent == "report" and model is not None and model.urgent is not None \
                and alarm >= model.urgent.threshold and not self.urgency.silenced(present) \
                and not self.urgency.knows(present) and self.urgency.net_allowed(present) \
                and not self.urgency.hedged(present) \
                and not self.urgency.told_as_past(norm, present, found):
            urgent = True  # the learned safety net: a danger the tables do not know at all
        ranked = sorted(scores, key=lambda c: (-scores[c], _ORDER[c]))
        best = ranked[0]
        # The model may move the answer, but it may lift the tables' confidence by at most
        # `model_confidence_lift`: a vague message stays vague however sure the model is.
        conf = min(confidence(scores, self._tau), round(tables_conf + self._lift, 3))
        weak = evidence < self.tables.intents.evidence_min
        if scores[best] <= 0 or (weak and intent not in ("report", "consult")):
            best, conf = "other", 0.0  # about nothing in particular
        total = sum(s for s in scores.values() if s > 0)
        candidates = tuple(
            Candidate(c, CATEGORY_LABELS[c], round(scores[c] / total, 3))
            for c in ranked[: self._max_candidates] if scores[c] > 0
        )
        topic = self.guides.pick(norm, best) if intent == "consult" else ""
        return Classification(
            category=best,
            intent=intent,
            confidence=conf,
            urgent=urgent,
            keywords=tuple(terms[: self._max_keywords]),
            address=raw[span[0] : span[1]].strip() if span else "",
            candidates=candidates,
            topic=topic,
            text=raw,
        )


def _lead(probabilities: dict[str, float]) -> tuple[str, float]:
    """The most probable class (the first of equals, in class order) and its margin over the
    runner-up."""
    best, first, second = "", -1.0, -1.0
    for label, p in probabilities.items():
        if p > first:
            best, first, second = label, p, first
        elif p > second:
            second = p
    return best, first - second


def _without(text: str, span: tuple[int, int] | None) -> str:
    return text if span is None else f"{text[: span[0]]} {text[span[1] :]}"


_lock = threading.Lock()
_engine: Engine | None = None
_segmenter: Segmenter | None = None
_estates: set[str] = set()


def load(directory: str | Path | None = None) -> Engine:
    """Load jieba and the tables now (idempotent for the default tables)."""
    global _engine, _segmenter
    with _lock:
        if _engine is not None and directory is None:
            return _engine
        tables = load_tables(directory)
        if _segmenter is None:
            _segmenter = Segmenter(int(tables.settings["jieba_min_freq"]))
        engine = Engine(tables, _segmenter)
        engine.configure(_estates)
        _engine = engine
        return engine


def get_engine() -> Engine:
    engine = _engine
    return engine if engine is not None else load()


def configure(estates: Iterable[str]) -> None:
    """Add estate names (小区名) from the address table; they persist across reloads."""
    names = {n.strip() for n in estates if n and n.strip()}
    with _lock:
        _estates.update(names)
        engine = _engine
    if engine is not None:
        with _lock:
            engine.configure(names)
