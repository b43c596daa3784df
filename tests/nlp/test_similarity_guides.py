"""Duplicate-report similarity and service guides (办事指南)."""

from __future__ import annotations

import sys

import pytest

import bot.nlp as nlp
from bot.nlp import answer, classify, similarity, similarity_threshold


def test_threshold_comes_from_settings(engine):
    assert similarity_threshold() == engine.settings["similarity_threshold"] == 0.6
    assert nlp.SIMILARITY_THRESHOLD == 0.6


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("阳光花园3栋楼下的垃圾桶满了 好几天没人清", "阳光花园3栋下面垃圾桶都满出来了 没人收"),
        ("建设路的路灯不亮了", "建设路路灯坏了好几天 晚上黑乎乎"),
        ("楼道里有人飞线充电", "楼道里电动车充电 还拉了飞线"),
    ],
)
def test_same_problem_is_similar(engine, a, b):
    assert similarity(a, b) >= similarity_threshold()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("阳光花园3栋楼下的垃圾桶满了", "幸福里小区5栋楼下的垃圾桶满了"),  # same words, other place
        ("建设路的路灯不亮了", "楼上天天漏水 找他们也不开门"),
        ("小区门口有人摆摊", "小区门口的井盖松了"),
    ],
)
def test_different_problems_are_not_similar(engine, a, b):
    assert similarity(a, b) < similarity_threshold()


def test_primed_features_are_those_classify_would_give(engine):
    """The webhook primes the duplicate check with its own classification: same features."""
    module = sys.modules["bot.nlp.similarity"]  # the package re-exports a function of that name

    text, other = "阳光花园3栋楼下垃圾桶满了没人清", "阳光花园3栋垃圾桶都满出来了"
    fresh = module._compute(engine, engine.classify(text))
    module._cache.clear()
    module.prime(text, classify(text))
    assert module._cache[(engine, text)] == fresh
    primed = similarity(text, other)
    module._cache.clear()
    assert similarity(text, other) == primed
    assert len(module._cache) == 2  # both texts remembered after a comparison


def test_similarity_bounds(engine):
    text = "路口的井盖丢了"
    assert similarity(text, text) == pytest.approx(1.0, abs=0.11)
    assert similarity("", text) == 0.0
    assert 0.0 <= similarity("你好", "谢谢") <= 1.0


@pytest.mark.parametrize(
    ("text", "topic", "words"),
    [
        ("办低保要什么材料", "dibao", "低保"),
        ("孩子出生了上户口需要带什么", "household_registration", "户口"),
        ("居住证怎么办", "residence_permit", "居住证"),
        ("失业登记去哪里办", "unemployment", "失业"),
        ("现在生二胎还要办准生证吗", "family_planning", "生育登记"),
        ("经济适用房怎么申请", "affordable_housing", "经济适用房"),
        ("廉租房需要什么条件", "public_rental", "廉租房"),
        ("残疾证在哪办", "disability", "残疾证"),
        ("临时救助的条件是什么", "relief", "临时救助"),
        ("退伍老兵有什么优待政策", "veterans", "优抚"),
        ("社区最近有没有招聘会", "employment", "招聘"),
    ],
)
def test_answer_picks_the_specific_topic(engine, text, topic, words):
    c = classify(text)
    assert c.intent == "consult", c.to_dict()
    assert c.topic == topic
    guide = answer(c)
    assert guide is not None and words in guide
    assert guide.rstrip("。\n").endswith("以社区通知为准")


def test_answer_falls_back_to_category_guide(engine):
    c = classify("请问楼道里的消防设施归哪个部门管")
    assert c.intent == "consult"
    guide = answer(c)
    assert guide is not None and guide.rstrip("。\n").endswith("以社区通知为准")


def test_no_answer_for_reports(engine):
    assert answer(classify("楼道灯坏了 物业不修")) is None


def test_every_category_has_a_guide(engine):
    from bot.nlp import CATEGORY_LABELS

    for code in CATEGORY_LABELS:
        text = engine.guides.text_for("", code)
        assert text.rstrip("。\n").endswith("以社区通知为准"), code
