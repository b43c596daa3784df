"""Behaviour added in the blind_x round (docs/nlp.md): emergencies said another way (a lift
named after the verb, a bare shout of 火!, a sign swinging over a crowd, a fight with a blade
in hand or that nobody can break up, water to the chest behind a door that will not open, a
person shut in and calling out), their calm twins (similes and degrees: 跟爆炸一样, 多到要爆炸,
热得要着火; a threat shouted in a quarrel; fish blood at a market; a crack that widens slowly;
a patient moved to relatives in a power cut), small talk that names a category in passing
(a laugh, a relief, a greeting with 辛苦), and the other intents of this round.

None of these sentences is in a labelled file; each checks a concept, not a memorised row.
"""

from __future__ import annotations

import pytest

import bot.nlp as nlp
from bot.nlp.text import Normaliser
from tests.nlp.conftest import assert_emergency, assert_urgency


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # a lift named after the verb (困电梯, 困梯)
        ("我被困电梯里了 快来人 5号楼", "safety"),
        ("有人困梯了 3单元 一直在拍门", "safety"),
        # a bare shout with a place
        ("火! 2单元六楼!", "safety"),
        # a sign or a crane swinging over a crowd
        ("楼顶那块招牌被风刮得摇来摇去 下面全是人", "safety"),
        ("工地塔吊在风里晃荡 底下好多人在干活", "safety"),
        # a fight with a blade in hand, or one nobody can break up — even at a market stall
        ("两个人在超市门口打起来了 一个拿着刀 拉不开", "security"),
        ("烧烤摊两伙人打起来了 一个抄起剔骨刀", "security"),
        ("卖鱼的两口子打起来了 拿着杀鱼刀 劝不住", "security"),
        # water to the chest, a door that will not open
        ("暴雨 平房里进水了 快到胸口了 门推不开 里面有个老人", "safety"),
        # a crack that widens suddenly with people inside
        ("我家楼裂缝突然变大了 还在掉灰 里面还住着人", "safety"),
        # a person shut in by others, calling out now
        ("有个老人被关在地下室里 听到在里面喊救命", "security"),
    ],
)
def test_emergencies_said_another_way_are_urgent(text, category):
    assert_emergency(text, category)


@pytest.mark.parametrize(
    "text",
    [
        # similes and degrees
        "楼上装修声音跟地震一样 天天从早到晚",
        "夏天厨房热得要着火 油烟机也坏了",
        "快递多到要爆炸了 快递柜塞不下",
        "这家奶茶店真火! 排队排到马路上",
        # a threat shouted in a quarrel that blows over
        "楼下夫妻天天吵 嘴上喊要砍死对方 一会儿又好了",
        # fish and chicken blood at a market
        "卖鱼的摊位地上都是血水 苍蝇乱飞",
        # a crack that has widened slowly: a 危房 to report
        "老房子墙上裂缝越来越大 里面还住着几户老人 能不能来鉴定一下",
        # a sign that used to sway; a patient already moved in a power cut
        "那块广告牌以前摇来摇去 现在加固过了",
        "停电了 家里老人用制氧机 已经送去医院了 问下什么时候来电",
        # a past fight, a dream, a pet shut in, a thief who ran off
        "以前这里有人打起来过 拿着刀 后来警察带走了",
        "梦见火! 吓醒了",
        "我家猫被锁在阳台上了 一直在喊",
        "半夜有人在楼下撬电动车 我一喊就跑了",
        # a leak that has gone on for days
        "路边的消防栓往外冒水 冒了两天了",
    ],
)
def test_calm_twins_stay_calm(text):
    assert_urgency(text, False)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # a story told for fun or with relief, even when it names a category
        ("笑死 楼下的鸭子追着快递小哥跑 哈哈哈", "chitchat"),
        ("刚才消防车开过去 原来是演练 吓我一跳😂", "chitchat"),
        ("我孙女说长大要当警察抓坏人 哈哈", "chitchat"),
        ("没啥事 就是想找人聊聊 你们不用回我", "chitchat"),
        # a greeting with 辛苦, a personal question to the staff
        ("元旦快乐 网格员们辛苦啦", "chitchat"),
        ("你是哪里人啊 说话挺好听的", "chitchat"),
        # a complaint with a laugh in it stays a report
        ("楼上天天装修吵得要死 哈哈 我都要疯了", "report"),
        ("路灯又坏了 哈哈 第三次了", "report"),
        ("小区门口有人乱摆摊 能不能管一下 哈哈", "report"),
        ("楼道里电动车充电 哈哈 真不怕死啊 万一着火呢", "report"),
        # the verdict at the end
        ("下水道疏通了 满意", "rate"),
        ("垃圾还是没清干净 不满意", "rate"),
        # was the job done yet, an appointment, a long wait
        ("门口那辆破车拖走了没", "query"),
        ("上个月说来消杀 等了半个月了还没来", "query"),
        ("你们说下午来修电表 几点来啊", "query"),
        # thanks for a job done, for the manner of it
        ("谢谢城管 帮我们把工钱讨回了", "praise"),
        ("网格员小刘态度特别好 谢谢", "praise"),
        # is there a place for it, how is it assessed
        ("小区有没有可以晒被子的地方", "consult"),
        ("这种情况怎么认定是违建", "consult"),
    ],
)
def test_intents_of_this_round(text, intent):
    c = nlp.classify(text)
    assert c.intent == intent, (text, c.to_dict())


def test_laughing_faces_are_read_as_a_laugh_and_keep_the_length():
    norm = Normaliser({})
    for face in "😂🤣😆😹":
        text = f"打输了{face}{face}"
        assert norm(text) == "打输了哈哈"
        assert len(norm(text)) == len(text)
    assert norm("好的😊") == "好的 "  # other emoji stay separators
