"""jieba's base dictionary cut to its frequent words (bot/nlp/segment.py)."""

from __future__ import annotations

import os

from bot.nlp.segment import Segmenter, base_dictionary


def test_base_dictionary_keeps_the_frequent_words_once(tmp_path, monkeypatch):
    monkeypatch.setenv("JIEBA_CACHE_DIR", str(tmp_path))
    full = tmp_path / "dict.txt"
    full.write_text("小区 900 n\n罕见词 2 n\n路灯 40 n\n坏词\n", encoding="utf-8")
    path = base_dictionary(str(full), 5)
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == "小区 900 n\n路灯 40 n\n"
    made = os.stat(path).st_mtime_ns
    assert base_dictionary(str(full), 5) == path and os.stat(path).st_mtime_ns == made  # made once
    assert base_dictionary(str(full), 50) != path  # another cut, another file
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]


def test_the_cut_dictionary_segments_everyday_and_domain_words(tmp_path, monkeypatch):
    monkeypatch.setenv("JIEBA_CACHE_DIR", str(tmp_path))
    small = Segmenter(5)
    small.add_words(["飞线充电", "消防通道"])
    assert small.cut("小区里有人拨打110报警 楼道飞线充电 消防通道堵了") == [
        "小区", "里", "有人", "拨打", "110", "报警", "楼道", "飞线充电", "消防通道", "堵", "了"]
