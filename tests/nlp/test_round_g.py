"""Behaviour added in the blind_g urgency round (docs/nlp.md): dangers told without the
obvious word, their harmless twins, and the safety net without its danger-root gate.

None of these sentences is in a labelled file; each checks a rule, not a memorised row.
"""

from __future__ import annotations

import pytest

from bot.nlp import classify
from tests.nlp.conftest import assert_emergency, assert_urgency


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # water: walking into it, a body floating, a breach, a car in rising water
        ("水库边上有个女的一直往水里走 叫她也不理", "safety"),
        ("池塘里飘着个人 一动不动", "safety"),
        ("村东头的河堤溃堤了 水往屋里冲", "safety"),
        ("下穿通道水涨得很快 车里还有人出不来", "safety"),
        # structures swaying above people, a crack growing now
        ("工地的吊车在晃 下面就是人行道", "safety"),
        ("老楼的外墙裂缝还在变大 墙皮一直往下掉", "safety"),
        # crowds, mass poisoning, swallowing pills
        ("商场门口踩踏了 有人被踩在下面", "safety"),
        ("食堂吃完饭十几个学生上吐下泻 有两个已经站不起来了", "health"),
        ("我爸误服了一整瓶降压药 现在迷迷糊糊的", "health"),
        # menace, threats, a child taken or grabbed
        ("楼下有个醉汉举着菜刀 喊着要砍人 我们都不敢出门", "security"),
        ("有人在门口浇了汽油 说要跟我们同归于尽", "security"),
        ("我儿子在校门口被人拽上了一辆车", "security"),
        # a child alone and crying, a child and live wires, a bang and smoke
        ("对门就小孩一个人在家 哭了一个多小时 敲门没人应", "welfare"),
        ("变电箱门开着 有个小孩拿铁丝往里捅", "safety"),
        ("厂房那边轰的一声 现在冒黑烟了", "safety"),
        # a vehicle overturned on someone, a dog biting anyone it meets
        ("面包车侧翻了 有人压在车底下 快来人", "safety"),
        ("一条大黑狗见人就咬 已经咬伤了三个", "health"),
    ],
)
def test_dangers_told_without_the_obvious_word_are_urgent(text, category):
    assert_emergency(text, category)


@pytest.mark.parametrize(
    "text",
    [
        "小区的大树歪了 下面是停车位 能不能修剪一下",
        "广告牌歪了 下面是公交站 能不能派人加固一下",
        "昨天地震了 我们楼晃得厉害 墙上掉了好多灰",
        "邻居老太太拿着刀在院子里劈柴",
        "砰的一声 楼下有人放鞭炮 烟好大",
        "小孩卡在滑梯里了 已经弄出来了 滑梯能不能改一下",
        "一家人吃了外卖都拉肚子 能投诉吗",
        "孩子误吃了一颗糖纸 要紧吗",
        "湖里漂着好多垃圾和死鱼",
        "河边有人在钓鱼 往水里走了几步",
        "刚才消防车开进小区了 是哪栋着火了吗",
        "有人打电话说我儿子出车祸要我转钱 这是不是诈骗",
        "我要爆炸了 装修队早上七点就开电锤",
        "上周着火那家现在怎么样了 物业会不会处理一下",
    ],
)
def test_harmless_twins_stay_calm(text):
    assert_urgency(text, False)


def test_a_threat_of_violence_is_urgent_even_second_hand():
    """Hearsay silences news (听说隔壁着火了), not a threat to a school."""
    assert classify("群里有人说今天放学要去小学门口砍人").urgent
    assert not classify("听说隔壁小区昨天着火了").urgent


# Rules from the blind_n, blind_p and blind_q rounds, each with its harmless twin.
ACUTE_OR_NOT = [
    # a lone neighbour unseen for days is a visit to make, unless something acute is heard
    ("隔壁王大爷一个人住 好几天没见他下楼了 敲门也没人应 能不能派人来看看", False),
    ("楼上独居的王大爷家刚才咚的一声 敲门没人应", True),
    # thanks for a past rescue, asking where one would run, care after a stroke
    ("那晚着火多亏你们来得快 大家都没事 谢谢", False),
    ("楼道的安全出口被堆满了 真着火了往哪跑", False),
    ("我爸中风了 家里就我一个人 照顾不过来 能申请护理吗", False),
    # the blind_p round: fireworks are everyday only in their own clause
    ("放鞭炮把草垛点着了 火越来越大", True),
    ("过年放烟花 火光冲天 真好看", False),
    # objects still being thrown down, a scam being paid right now
    ("楼上有人往下扔酒瓶 还在扔 快来", True),
    ("楼上还在往下扔烟头", False),
    ("我爸在银行正要往安全账户转钱 快派人去拦一下", True),
    ("我妈说有人让她往安全账户转钱 被我拦住了 幸好", False),
    # a child lost at a fair, a man outside a bridge railing crying, roofs torn off
    ("孩子在公园丢了 求帮忙广播", True),
    ("我家孩子的书包丢了 求帮忙找", False),
    ("桥上有个女的坐在栏杆外面 一直哭", True),
    ("台风把招牌掀起来了 下面是马路", True),
    ("楼顶广告牌锈了 台风来了肯定要掉下来", False),
    # slurred speech in someone living alone; a how-to question about coal stoves
    ("独居的舅舅打电话 说话说不清 浑身没劲", True),
    ("冬天烧煤炉咋样才不中毒", False),
    # the blind_q round: a life-support machine without power, a robbery just now,
    # a wage protest threatening to jump, a beating in progress, water into shops
    ("我爸用的呼吸机停电了 电池快没了 快来人", True),
    ("我家有台制氧机 想问问停电的时候怎么办", False),
    ("刚才在菜场包被抢了 往东跑了", True),
    ("上个月包被抢了 立案了有结果吗", False),
    ("晚上出门小心飞车抢包", False),
    ("工人爬上楼顶 说不给工资就跳", True),
    ("去年有人爬上塔吊说不给钱就跳 后来怎么处理的", False),
    ("医院门口有人被好几个人围着打", True),
    ("门面房进水了 水还在涨", True),
    # figures of speech, conditional sways, near misses
    ("楼上装修 电钻声吵得我头都要炸了", False),
    ("那个广告牌风一吹就晃 下面是公交站", False),
    ("我差点被电动车撞倒 开那么快", False),
]


@pytest.mark.parametrize(("text", "urgent"), ACUTE_OR_NOT)
def test_acute_or_not(text, urgent):
    assert_urgency(text, urgent)


@pytest.mark.parametrize("text", ["⭐⭐⭐⭐⭐", "满意 5", "很满意 5分"])
def test_stars_and_a_bare_score_are_a_rating(text):
    assert classify(text).intent == "rate"


@pytest.mark.parametrize("text", [
    "对门独居的李奶奶两天没见出门了 敲门也没人应 有点担心",   # a worry: the net keeps quiet
    "隔壁饭店的煤气罐就放在后厨门口 灶台就在旁边",            # a hazard standing, not happening
    "屋顶上有个好大的马蜂窝 小孩子在下面玩",
])
def test_the_safety_net_keeps_quiet_on_hedged_or_standing_hazards(text):
    assert_urgency(text, False)
