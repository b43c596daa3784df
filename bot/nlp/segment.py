"""jieba word segmentation (分词) with the domain user dictionary (用户词典).

A private ``jieba.Tokenizer`` is used so that our words do not leak into other users
of the global jieba instance. Its cache file goes to ``$JIEBA_CACHE_DIR`` or the
system temp directory, and jieba's own log lines are silenced.

The base dictionary is jieba's own ``dict.txt`` cut to the words seen at least
``jieba_min_freq`` times (settings.yaml): loading jieba's full prefix dictionary (349,000
words) took a second of every process's start; the cut copy is written once into the
cache directory, next to jieba's cache of it.
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


def base_dictionary(full: str, min_freq: int) -> str:
    """A copy of jieba's dictionary ``full`` holding its words of frequency ≥ ``min_freq``,
    made once in the cache directory (named after the source's size and time, so a new jieba
    makes a new copy; written to a temporary name first, so processes starting together
    never read half a file)."""
    stat = os.stat(full)
    path = os.path.join(cache_dir(), f"jieba.dict.f{min_freq}.{stat.st_size}.{int(stat.st_mtime)}.txt")
    if not os.path.exists(path):
        with open(full, encoding="utf-8") as source:
            kept = [line for line in source if _frequency(line) >= min_freq]
        handle, partial = tempfile.mkstemp(dir=cache_dir(), prefix="jieba.dict.", suffix=".part")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.writelines(kept)
        os.replace(partial, path)
    return path


def _frequency(line: str) -> int:
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


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

    def __init__(self, min_freq: int = 0) -> None:
        _quiet_jieba()
        import jieba  # imported here: importing jieba is slow and noisy

        _quiet_jieba()
        full = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
        self._tokenizer = jieba.Tokenizer(base_dictionary(full, min_freq) if min_freq > 0 else full)
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
