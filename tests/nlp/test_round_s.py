"""Behaviour added in the blind_s round (docs/nlp.md): everyday emergencies the tables
missed (a fire that goes on after the writer got out, water still rising into homes, a
collapsed house with its tenant inside, a structure moving after a load-bearing wall was
cut, tiles coming down right now where children play, a dog that has just drawn blood),
their calm twins, and the intents of case follow-ups.

None of these sentences is in a labelled file; each checks a concept, not a memorised row.
"""

from __future__ import annotations

import pytest

from bot import nlp
from tests.nlp.conftest import assert_emergency, assert_urgency


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # the writer is out, the fire is not (escaped + goes_on)
        ("客厅起火了 我们已经出来了 火越烧越大", "safety"),
        ("楼下车棚里一辆电瓶车在燃 火苗蹿得很高", "safety"),
        # water still rising into homes, a house down with someone inside
        ("村口的水还在涨 已经漫进好几家屋里了", "safety"),
        ("后山那间老屋刚塌了 住在里面的老汉还没出来", "safety"),
        # a structure moving after a load-bearing wall was cut
        ("楼上装修把承重墙拆了 我家天花板的缝越来越宽 房梁嘎吱嘎吱响", "safety"),
        # pieces coming down right now where children play
        ("三号楼外墙的墙皮正在往下掉 下面就是小朋友在玩的滑梯", "safety"),
        # a dog that has just bitten and drawn blood
        ("一条黑狗刚咬了个小学生 腿上流了好多血", "health"),
    ],
)
def test_everyday_emergencies_are_urgent(text, category):
    assert_emergency(text, category)


@pytest.mark.parametrize(
    "text",
    [
        # the writer got out and nothing says the danger goes on
        ("厨房油锅着火 我已经出来了"),
        # a what-if next to a blocked fire lane
        "小区消防通道天天停满车 要是真着火了怎么办",
        # burning cable for the copper: pollution, not a fire
        "河滩上有人烧废电线取铜 黑烟熏得很",
        # tiles that fell once or fall without anyone below now
        "外墙的瓷砖上个月掉过一块 下面是小孩玩的地方",
        "外墙瓷砖一块块往下掉 已经好几年了",
        # a crack that does not move, a dog that bit someone last week
        "承重墙被拆的那户 去年就处理了",
        "那条流浪狗上礼拜咬过人 现在还在小区里转",
        # drug use is a police matter, not an emergency
        "天桥底下有两个人在吸毒 用的锡纸",
    ],
)
def test_calm_twins_stay_calm(text):
    assert_urgency(text, False)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我提的那个路灯问题 系统显示不予受理 什么原因", "query"),
        ("之前反映的噪音 你们说已办结 可是晚上还在吵", "query"),
        ("上礼拜报的井盖 派给谁了", "query"),
        ("麻烦帮我查一下我上个月投诉的那件事", "query"),
        ("窗口说三个工作日给答复 到现在还没人联系", "query"),
        ("不满意 来了一趟什么都没修", "rate"),
        ("评价 3 态度还可以就是太慢", "rate"),
        ("楼栋长王阿姨真有耐心 帮我们把事情说清楚了 谢谢", "praise"),
        ("社区今年发不发防暑的药", "consult"),
        ("小区有没有计划加装电梯啊", "consult"),
        ("旧家具要自己拉走还是社区统一收", "consult"),
    ],
)
def test_follow_ups_and_questions(text, intent):
    assert nlp.classify(text).intent == intent, nlp.classify(text).to_dict()
