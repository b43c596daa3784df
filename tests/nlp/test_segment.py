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


def test_a_digit_token_counts_only_standing_alone(engine):
    """110 (the police number) is a token of the security table: 拨打110 counts, a room
    number or a case code that holds the digits does not, and no jieba cut is needed."""
    from bot.nlp import classify

    assert "110" in classify("有人打架 我已经拨打110了").keywords
    for text in ("阳光花园2栋1102 楼上砸门", "请问GR202611030007现在什么状态", "评价 GR202610110007 5"):
        assert "110" not in classify(text).keywords, text
    assert "110" not in engine.categories.vocabulary()  # jieba would cut it out of 1101
