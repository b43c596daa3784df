"""Negation, harmless scary words, emoji, full width, homophone typos, empty and huge input."""

from __future__ import annotations

import time

import pytest

from bot.nlp import CATEGORY_LABELS, INTENTS, Classification, classify


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("上次着火的那家修好了吗", "safety"),
        ("灭火器过期了 一直没人换", "safety"),
        ("不是着火，是楼下烧烤的烟", "env"),
        ("万一着火了 楼道里这些纸箱子谁负责", "safety"),
        ("对面厂房的烟囱一直冒黑烟 熏得人睁不开眼", "env"),
        ("家里去年失火以后一直借住在亲戚家 能申请救助吗", "welfare"),
        ("我们这片天然气停了一天了 饭都做不了", "facility"),
        ("前天晚上夜市打架的那伙人今天又来了", "security"),
        ("巡查 9栋电梯困人 已救出 人员无受伤", "safety"),
    ],
)
def test_harmless_scary_words_are_not_urgent(engine, text, category):
    c = classify(text)
    assert not c.urgent, (text, c.to_dict())
    assert c.category == category, (text, c.to_dict())


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("着火了 快来人 4栋三楼窗户在冒黑烟", "safety"),
        ("厨房里燃气味特别大 还有嘶嘶的声音", "safety"),
        ("电梯卡在两层中间 我和孩子被困在里面", "safety"),
        ("有人触电了 倒在配电箱旁边", "safety"),
        ("楼下有人持刀砍人 地上都是血", "security"),
        ("有个小孩被锁在车里 太阳底下晒着 车主不在", "safety"),
        ("路口有个人晕倒了 叫不醒", "health"),
        ("独居的陈爷爷在家摔倒了 门反锁着 喊他说起不来", "welfare"),
        ("楼上水管爆了 我家客厅已经淹了", "property"),
    ],
)
def test_urgent_messages(engine, text, category):
    c = classify(text)
    assert c.urgent, (text, c.to_dict())
    assert c.intent == "report"
    assert c.category == category, (text, c.to_dict())


def test_negation_keeps_quarrel_a_dispute(engine):
    c = classify("两家为了晾衣服吵了几句 没动手 就是互相不理")
    assert c.category == "dispute"
    assert not c.urgent


def test_emoji_are_ignored(engine):
    plain = classify("楼下垃圾桶满了 臭死了")
    with_emoji = classify("楼下垃圾桶满了🤮🤮 臭死了😡😡😡")
    assert with_emoji.category == plain.category == "env"
    assert with_emoji.intent == "report"
    assert classify("👍👍").intent == "chitchat"


def test_full_width_characters(engine):
    c = classify("３栋２单元楼道里有人飞线充电！！")
    assert c.category == "safety"
    assert c.address == "３栋２单元"
    assert classify("ＫＴＶ天天唱到半夜").category == "env"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("路登坏了好几天 晚上黑黢黢的", "facility"),
        ("物叶天天不见人 楼道卫生没人管", "property"),
        ("楼道里电瓶车冲电 太吓人了", "safety"),
        ("社保断交了两年 还能补吗", "labor"),
        ("家里老人做轮椅 出门没有坡道", "welfare"),
    ],
)
def test_homophone_typos(engine, text, category):
    assert classify(text).category == category, text


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "。。。", None])
def test_empty_text(engine, text):
    c = classify(text)  # type: ignore[arg-type]
    assert isinstance(c, Classification)
    assert c.intent == "chitchat"
    assert c.category == "other"
    assert c.confidence == 0.0
    assert not c.urgent
    assert c.address == ""
    assert c.candidates == ()


def test_very_long_text_is_bounded(engine):
    text = ("楼道里堆满了杂物 垃圾桶好几天没人清 臭得不行 阳光花园3栋 13912345678 " * 150)[:5000]
    assert len(text) == 5000
    start = time.perf_counter()
    c = classify(text)
    assert time.perf_counter() - start < 1.0
    assert c.category in CATEGORY_LABELS
    assert c.intent in INTENTS


def test_result_shape_and_determinism(engine):
    a = classify("小区门口天天有人摆摊 城管也不管 阳光花园东门")
    b = classify("小区门口天天有人摆摊 城管也不管 阳光花园东门")
    assert a == b
    d = a.to_dict()
    assert set(d) >= {"category", "intent", "confidence", "urgent", "keywords", "address", "candidates"}
    assert 0.0 <= d["confidence"] <= 1.0
    assert len(d["candidates"]) <= 4
    assert d["candidates"][0] == {"category": a.category, "label": CATEGORY_LABELS[a.category],
                                  "score": a.candidates[0].score}
    scores = [c["score"] for c in d["candidates"]]
    assert scores == sorted(scores, reverse=True)
    with pytest.raises(AttributeError):
        a.category = "env"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("居住证到期了怎么续签", "consult"),
        ("上回说的井盖的事处理了没有", "query"),
        ("查询", "query"),
        ("评价 GR202611260007 4", "rate"),
        ("给4分 来得挺快", "rate"),
        ("谢谢你们 垃圾当天就清走了", "praise"),
        ("下午好", "chitchat"),
        ("这个算不算违建啊 你们派人来看看", "report"),
        # 天天 (every day, a complaint) is only a substring of 今天天气 here
        ("今天天气真好", "chitchat"),
        ("隔壁装修天天从早吵到晚", "report"),
    ],
)
def test_intents(engine, text, intent):
    assert classify(text).intent == intent, (text, classify(text).to_dict())
