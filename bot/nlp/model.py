"""Result types of the classifier (分类结果) and the fixed category codes (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass, field

CATEGORY_LABELS: dict[str, str] = {
    "env": "环境卫生",
    "city": "市容秩序",
    "facility": "市政设施",
    "building": "违法建设",
    "safety": "安全隐患",
    "dispute": "矛盾纠纷",
    "security": "社会治安",
    "welfare": "民政服务",
    "labor": "劳动保障",
    "population": "人口服务",
    "property": "物业管理",
    "health": "卫生健康",
    "other": "其他",
}

INTENTS: tuple[str, ...] = ("report", "consult", "query", "rate", "praise", "chitchat")


@dataclass(frozen=True)
class Candidate:
    """One candidate category (候选类别) with its share of the evidence (0..1)."""

    category: str
    label: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"category": self.category, "label": self.label, "score": self.score}


@dataclass(frozen=True)
class Classification:
    """What a message is about (类别), what the sender wants (意图) and how urgent it is.

    ``confidence`` comes from the margin between the two best categories; ``topic`` is
    the service-guide topic (办事指南) that matched the text, or "".
    """

    category: str
    intent: str
    confidence: float
    urgent: bool
    keywords: tuple[str, ...] = ()
    address: str = ""
    candidates: tuple[Candidate, ...] = ()
    topic: str = ""
    text: str = field(default="", repr=False)

    @property
    def label(self) -> str:
        """中文 name of the category."""
        return CATEGORY_LABELS.get(self.category, self.category)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (``flask classify`` prints this)."""
        return {
            "category": self.category,
            "label": self.label,
            "intent": self.intent,
            "confidence": self.confidence,
            "urgent": self.urgent,
            "keywords": list(self.keywords),
            "address": self.address,
            "topic": self.topic,
            "candidates": [c.to_dict() for c in self.candidates],
        }
