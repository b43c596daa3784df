"""Service guides (办事指南) answering consult intents (咨询).

``config/nlp/guides.yaml`` holds, per category, a ``general`` guide and ``topics``
(低保, 居住证, 失业登记 …), each with the words that select it. The most specific topic
wins: the longest matched word, then topics of the message's own category, then the
order in the file. Every text must end with 以社区通知为准.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.nlp.model import CATEGORY_LABELS
from bot.nlp.yamlnodes import Source

CLOSING = "以社区通知为准"


@dataclass(frozen=True)
class Topic:
    key: str
    category: str
    title: str
    match: tuple[str, ...]
    text: str


@dataclass
class GuideBook:
    general: dict[str, str]
    topics: list[Topic]

    def vocabulary(self) -> set[str]:
        return {w for t in self.topics for w in t.match if len(w) > 1}

    def pick(self, text: str, category: str) -> str:
        """Key of the most specific topic whose words occur in ``text``, or ""."""
        best: tuple[int, int, int] | None = None
        key = ""
        for order, topic in enumerate(self.topics):
            longest = max((len(w) for w in topic.match if w in text), default=0)
            if not longest:
                continue
            rank = (longest, topic.category == category, -order)
            if best is None or rank > best:
                best, key = rank, topic.key
        return key

    def text_for(self, topic: str, category: str) -> str:
        for candidate in self.topics:
            if candidate.key == topic:
                return candidate.text
        return self.general.get(category) or self.general["other"]


def _guide_text(src: Source, node) -> str:
    text = src.text(node)
    if not text.rstrip("。.！! \n").endswith(CLOSING):
        raise src.error(node, f"guide text must end with {CLOSING}")
    return text


def parse_guides(src: Source) -> GuideBook:
    root = src.root()
    general: dict[str, str] = {}
    topics: list[Topic] = []
    keys: set[str] = set()
    for code, code_node, node in src.items(root):
        if code not in CATEGORY_LABELS:
            raise src.error(code_node, f"unknown category code {code!r}")
        spec = src.fields(node, {"general", "topics"}, {"general"})
        general[code] = _guide_text(src, spec["general"])
        if "topics" not in spec:
            continue
        for key, key_node, topic_node in src.items(spec["topics"]):
            if key in keys:
                raise src.error(key_node, f"topic {key!r} is defined twice")
            keys.add(key)
            topic = src.fields(topic_node, {"title", "match", "text"}, {"title", "match", "text"})
            match = tuple(w for w, _ in src.strings(topic["match"]))
            topics.append(Topic(key, code, src.text(topic["title"]), match,
                                _guide_text(src, topic["text"])))
    if "other" not in general:
        raise src.fail(1, "a general guide for 'other' is required")
    return GuideBook(general, topics)
