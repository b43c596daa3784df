"""Loading every table under ``config/nlp/`` (词表加载) into one ``Tables`` object.

``load_tables(directory)`` reads and checks all files and raises ``TableError``
(``FILE:LINE: reason``) on the first mistake. It needs no jieba, so tests can point
it at a temporary copy of the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.nlp.address import AddressTable, parse_address
from bot.nlp.category_tables import CategoryTable, Shift, parse_category, parse_shifts
from bot.nlp.guides import GuideBook, parse_guides
from bot.nlp.intent import IntentTable, parse_intents
from bot.nlp.learned import LearnedModel, load_model
from bot.nlp.model import CATEGORY_LABELS
from bot.nlp.privacy import PrivacyTable, parse_privacy
from bot.nlp.segment import read_userdict
from bot.nlp.urgent_tables import UrgentTable, parse_urgent
from bot.nlp.yamlnodes import Source, TableError

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "config" / "nlp"
MODEL_FILE = "model.json"

SETTING_RANGES: dict[str, tuple[float, float]] = {
    "confidence_tau": (0.1, 100),
    "model_confidence_lift": (0, 1),
    "similarity_threshold": (0, 1),
    "similarity_text_weight": (0, 1),
    "similarity_address_weight": (0, 1),
    "similarity_category_weight": (0, 1),
    "max_keywords": (1, 50),
    "max_candidates": (1, 13),
    "max_chars": (50, 100_000),
    "jieba_min_freq": (0, 1_000_000),
}
# Settings an older settings.yaml may lack, with their defaults.
SETTING_DEFAULTS: dict[str, float] = {"jieba_min_freq": 5}


@dataclass
class Tables:
    directory: Path
    settings: dict[str, float]
    typos: dict[str, str]
    neutral: list[str]
    aside: tuple[tuple[str, ...], float]
    denials: tuple[tuple[str, ...], str, tuple[str, ...]]
    categories: list[CategoryTable]
    shifts: list[Shift]
    intents: IntentTable
    urgent: UrgentTable
    address: AddressTable
    privacy: PrivacyTable
    guides: GuideBook
    userdict: list[tuple[str, int | None, str | None]] = field(default_factory=list)
    model: LearnedModel | None = None


def _settings(src: Source) -> dict[str, float]:
    spec = src.fields(src.root(), set(SETTING_RANGES), set(SETTING_RANGES) - set(SETTING_DEFAULTS))
    values = dict(SETTING_DEFAULTS)
    values.update({key: src.number(node, *SETTING_RANGES[key]) for key, node in spec.items()})
    return values


def _common(src: Source) -> tuple:
    spec = src.fields(src.root(), {"typos", "neutral", "aside", "denials"}, {"typos", "neutral"})
    typos: dict[str, str] = {}
    for wrong, key_node, value in src.items(spec["typos"]):
        right = src.text(value)
        if len(right) != len(wrong):
            raise src.error(key_node, f"typo {wrong!r} → {right!r}: both must have the same length")
        typos[wrong] = right
    aside: tuple[tuple[str, ...], float] = ((), 1.0)
    if "aside" in spec:
        node = src.fields(spec["aside"], {"markers", "factor"}, {"markers", "factor"})
        aside = (tuple(w for w, _ in src.strings(node["markers"])), src.number(node["factor"], 0, 1))
    denials: tuple[tuple[str, ...], str, tuple[str, ...]] = ((), "", ())
    if "denials" in spec:
        node = src.fields(spec["denials"], {"words", "rhetorical", "questions"}, {"words", "rhetorical"})
        denials = (tuple(w for w, _ in src.strings(node["words"])),
                   "".join(w for w, _ in src.strings(node["rhetorical"])),
                   tuple(w for w, _ in src.strings(node["questions"])) if "questions" in node else ())
    return typos, [w for w, _ in src.strings(spec["neutral"])], aside, denials


def load_tables(directory: str | Path | None = None, *, with_model: bool = True) -> Tables:
    """Read and check all NLP tables from ``directory`` (default ``config/nlp``).

    ``model.json`` (the learned model) is required unless ``with_model`` is false
    (training builds the engine from the tables alone).
    """
    root = Path(directory) if directory is not None else DEFAULT_DIR
    if not root.is_dir():
        raise TableError(f"{root}:1: table directory not found")
    categories = []
    for code in CATEGORY_LABELS:
        path = root / "categories" / f"{code}.yaml"
        if not path.is_file():
            raise TableError(f"{path}:1: missing category table for {code!r}")
        categories.append(parse_category(Source(path), code))
    typos, neutral, aside, denials = _common(Source(root / "common.yaml"))
    return Tables(
        directory=root,
        settings=_settings(Source(root / "settings.yaml")),
        typos=typos,
        neutral=neutral,
        aside=aside,
        denials=denials,
        categories=categories,
        shifts=parse_shifts(Source(root / "rules.yaml")),
        intents=parse_intents(Source(root / "intents.yaml")),
        urgent=parse_urgent(Source(root / "urgent.yaml")),
        address=parse_address(Source(root / "address.yaml")),
        privacy=parse_privacy(Source(root / "privacy.yaml")),
        guides=parse_guides(Source(root / "guides.yaml")),
        userdict=read_userdict(root / "userdict.txt"),
        model=load_model(root / MODEL_FILE) if with_model else None,
    )
