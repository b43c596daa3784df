"""Reading admin-edited tables (词表) with line numbers for every error.

The tables under ``config/nlp/`` are edited by hand. A mistake must be reported as
``FILE:LINE: reason`` so an admin can fix it without reading Python. We therefore
read YAML as a node tree (``yaml.compose``), which keeps the position of every
value, instead of ``yaml.safe_load``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same nodes, faster


class TableError(ValueError):
    """A broken table (词表错误); the message reads ``FILE:LINE: reason``."""


class Source:
    """One table file being read; turns nodes into plain values or raises TableError."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int, reason: str) -> TableError:
        return TableError(f"{self.path}:{line}: {reason}")

    def error(self, node: Node | None, reason: str) -> TableError:
        line = node.start_mark.line + 1 if node is not None else 1
        return self.fail(line, reason)

    def root(self) -> MappingNode:
        """Parse the file; the top level must be a mapping."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise self.fail(1, f"cannot read: {exc}") from exc
        try:
            node = yaml.compose(text, Loader=_LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise self.fail(line, f"YAML syntax: {exc.problem or exc.context}") from exc
        if node is None:
            raise self.fail(1, "file is empty")
        if not isinstance(node, MappingNode):
            raise self.error(node, "top level must be a mapping (key: value)")
        return node

    def items(self, node: Node) -> Iterator[tuple[str, Node, Node]]:
        """Key/value pairs of a mapping node, refusing duplicate or empty keys."""
        if not isinstance(node, MappingNode):
            raise self.error(node, "expected a mapping (key: value)")
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self.text(key_node)
            if key in seen:
                raise self.error(key_node, f"duplicate key {key!r}")
            seen.add(key)
            yield key, key_node, value_node

    def fields(self, node: Node, allowed: set[str], required: set[str] = frozenset()) -> dict:
        """A mapping with known field names → {name: value node}."""
        out: dict[str, Node] = {}
        for key, key_node, value in self.items(node):
            if key not in allowed:
                raise self.error(key_node, f"unknown field {key!r} (allowed: {sorted(allowed)})")
            out[key] = value
        missing = required - out.keys()
        if missing:
            raise self.error(node, f"missing field(s): {', '.join(sorted(missing))}")
        return out

    def text(self, node: Node) -> str:
        """A non-empty scalar as a stripped string."""
        if not isinstance(node, ScalarNode):
            raise self.error(node, "expected a single value, not a list or mapping")
        value = str(node.value).strip()
        if not value:
            raise self.error(node, "empty value")
        return value

    def number(self, node: Node, low: float | None = None, high: float | None = None) -> float:
        raw = self.text(node)
        try:
            value = float(raw)
        except ValueError:
            raise self.error(node, f"expected a number, got {raw!r}") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.error(node, f"number {value} outside {low}..{high}")
        return value

    def strings(self, node: Node) -> list[tuple[str, Node]]:
        """A list of strings (or one string) with their nodes."""
        if isinstance(node, ScalarNode):
            return [(self.text(node), node)]
        if not isinstance(node, SequenceNode):
            raise self.error(node, "expected a list of words")
        return [(self.text(item), item) for item in node.value]

    def weights(self, node: Node, low: float = -20, high: float = 20) -> list[tuple[str, float, int]]:
        """A mapping ``term: weight`` → [(term, weight, line)]."""
        if isinstance(node, ScalarNode) and node.value in ("", None, "~", "null"):
            return []
        return [
            (key, self.number(value, low, high), key_node.start_mark.line + 1)
            for key, key_node, value in self.items(node)
        ]
