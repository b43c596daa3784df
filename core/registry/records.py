"""Rows read against their header, and what is wrong with them (记录与错误)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Record:
    """A data row read against its header: column name → text (空格已去掉)."""

    line: int
    data: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.data.get(column, "")


@dataclass
class Counts:
    """新增 / 更新 / 未变 of one file."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def tally(self, *, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class Problems:
    """Reasons rows are refused (错误), kept per line number."""

    by_line: dict[int, list[str]] = field(default_factory=dict)

    def add(self, line: int, reason: str) -> None:
        self.by_line.setdefault(line, []).append(reason)

    def __bool__(self) -> bool:
        return bool(self.by_line)

    def messages(self, name: str) -> list[str]:
        """``FILE 第N行: reason；reason`` for every bad row, in file order."""
        return [f"{name} 第{line}行: {'；'.join(reasons)}"
                for line, reasons in sorted(self.by_line.items())]


def text(record: Record, column: str, problems: Problems, *, limit: int,
         required: bool = False) -> str:
    """A cell checked for presence (必填) and length (字数上限)."""
    value = record[column]
    if required and not value:
        problems.add(record.line, f"「{column}」不能为空")
    elif len(value) > limit:
        problems.add(record.line, f"「{column}」太长（最多 {limit} 个字）")
    return value


class FirstSeen:
    """The first row of every key, to refuse duplicates inside one file (重复)."""

    def __init__(self) -> None:
        self.lines: dict[object, int] = {}

    def is_new(self, key: object, line: int, problems: Problems, label: str) -> bool:
        first = self.lines.setdefault(key, line)
        if first != line:
            problems.add(line, f"{label}与第{first}行重复")
        return first == line

    def line_of(self, key: object) -> int | None:
        return self.lines.get(key)
