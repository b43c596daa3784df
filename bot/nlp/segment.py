"""jieba word segmentation (分词) with the domain user dictionary (用户词典).

A private ``jieba.Tokenizer`` is used so that our words do not leak into other users
of the global jieba instance. Its cache file goes to ``$JIEBA_CACHE_DIR`` or the
system temp directory, and jieba's own log lines are silenced.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bot.nlp.yamlnodes import TableError

DOMAIN_FREQ = 50_000  # high enough that domain words win over their pieces


def _quiet_jieba() -> None:
    logging.getLogger("jieba").setLevel(logging.WARNING)


def cache_dir() -> str:
    """Writable directory for jieba's prefix-dictionary cache."""
    path = os.environ.get("JIEBA_CACHE_DIR") or tempfile.gettempdir()
    os.makedirs(path, exist_ok=True)
    return path


def read_userdict(path: Path) -> list[tuple[str, int | None, str | None]]:
    """Parse a jieba-format user dictionary: ``word [freq] [tag]`` per line, # comments."""
    entries: list[tuple[str, int | None, str | None]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"{path}:1: cannot read: {exc}") from exc
    for number, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) > 3:
            raise TableError(f"{path}:{number}: expected 'word [freq] [tag]', got {line!r}")
        freq: int | None = None
        tag: str | None = None
        for extra in parts[1:]:
            if extra.isdigit():
                freq = int(extra)
            elif extra.isalpha() and extra.isascii():
                tag = extra
            else:
                raise TableError(f"{path}:{number}: bad frequency or tag {extra!r}")
        entries.append((parts[0], freq, tag))
    return entries


class Segmenter:
    """Loads jieba once; ``cut`` returns tokens without whitespace."""

    def __init__(self) -> None:
        _quiet_jieba()
        import jieba  # imported here: importing jieba is slow and noisy

        _quiet_jieba()
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.tmp_dir = cache_dir()
        self._tokenizer.initialize()
        self._words: set[str] = set()

    def add_words(self, words: Iterable[str], freq: int = DOMAIN_FREQ) -> None:
        for word in words:
            if word and word not in self._words and not word.isspace():
                self._tokenizer.add_word(word, freq)
                self._words.add(word)

    def add_userdict(self, entries: Iterable[tuple[str, int | None, str | None]]) -> None:
        for word, freq, tag in entries:
            if word not in self._words:
                self._tokenizer.add_word(word, freq or DOMAIN_FREQ, tag)
                self._words.add(word)

    def cut(self, text: str) -> list[str]:
        return [tok for tok in self._tokenizer.lcut(text, HMM=False) if tok.strip()]
