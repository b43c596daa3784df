"""Confusable category pairs, decided by "who must act first" (SPEC §3).

Every sentence here is new (not from the dev corpus or the fresh sets).
"""

from __future__ import annotations

import pytest

from bot.nlp import classify

CASES = {
    # 物业 vs 市政设施: inside the compound → property; public street → facility
    "property": [
        "我们小区里面的路灯坏了一排 物业说要等报价",
        "单元楼道的声控灯按了半天都不亮",
        "小区健身区的单杠松动了 物业一直拖着",
        "地下车库的道闸坏了三天 物业也不来人",
        "小区二次供水的水箱好几年没洗过了",
    ],
    "facility": [
        "解放大道上的路灯整排不亮 晚上过马路看不清车",
        "公园南门外人行道的井盖碎了一半",
        "十字路口的红绿灯倒计时不显示了",
        "我们这一片下午突然停水 也没有通知",
        "公交车站的座椅断了一块木板",
    ],
    # 环境卫生 vs 市容秩序: dirt, smell, smoke, noise → env; stalls, parking, ads, junk → city
    "env": [
        "烧烤店的烟把整栋楼都熏得一股孜然味",
        "路边的垃圾桶好几天没清 苍蝇到处飞",
        "夜里工地还在用电锯切钢筋 噪音特别大",
        "洗车店的脏水顺着马路流到下水口 一股汽油味",
    ],
    "city": [
        "烧烤店把桌子摆到人行道上 行人只能走机动车道",
        "墙上电线杆上全是办证贷款的小广告",
        "有人在路边卖二手家具 沙发柜子摆了一长溜",
        "小汽车天天停在盲道上 一停一整天",
    ],
    # 安全隐患 vs 物业: danger now or soon → safety, even if 物业 repairs it
    "safety": [
        "物业不管 楼道里天天有人给电瓶车充电",
        "消防通道被物业划成了停车位 全停满了车",
        "电梯运行中突然下坠了两层 吓得腿软",
        "楼顶的女儿墙裂开了 砖头随时可能掉下来",
    ],
    "property_not_safety": [
        "电梯停运一周了 物业说零件还没到",
        "小区大门的人脸识别门禁一直识别不了",
        "车库的照明灯一半都不亮 物业不换",
    ],
    # 矛盾纠纷 vs 社会治安: known parties without crime → dispute; crime or violence → security
    "dispute": [
        "楼下邻居嫌我家孩子跑步吵 天天上来敲门 两家都快结仇了",
        "跟隔壁为了共用的过道放东西吵了几次 还没动手",
        "房东不退押金 还说我把墙弄脏了",
        "我跟我哥为了老人的赡养费一直谈不拢",
    ],
    "security": [
        "有人半夜撬了我家楼下的电动车锁 把车推走了",
        "一个陌生男的这几天老在幼儿园门口转悠 还拍小孩",
        "邻居在家聚众赌博 每晚输赢上万",
        "有人冒充社区干部上门收什么管理费 骗了好几户",
    ],
    # 民政 vs 劳动保障: relief, elderly, disability → welfare; jobs, wages, insurance → labor
    "welfare": [
        "我家是低保户 今年的取暖补贴还没发",
        "楼里一个孤寡老人住院了 没人照顾",
        "孩子是智力残疾 想问问有没有什么帮扶",
        "老父亲是退役军人 想申请优待证",
    ],
    "labor": [
        "包工头拖了我们三个月的工钱 人找不到了",
        "被公司无故辞退 也不给经济补偿",
        "社保断缴了半年 想补缴怎么办",
        "四十多岁失业了 想找份保安的工作",
    ],
}


@pytest.mark.parametrize(
    ("expected", "text"),
    [(code.removesuffix("_not_safety"), text) for code, texts in CASES.items() for text in texts],
)
def test_confusable_pairs(engine, expected, text):
    c = classify(text)
    assert c.category == expected, (text, c.to_dict())
    assert not c.urgent


def test_clear_messages_are_confident(engine):
    for text in ("楼道里有人飞线充电 插排就放在地上", "小区门口又有人占道摆摊卖水果", "办低保需要带什么材料"):
        assert classify(text).confidence >= 0.6, text


def test_ambiguous_messages_ask_back(engine):
    # a leak (neighbour or shared pipe?), clutter (danger or mess?), noise (from whom?)
    for text in ("楼上漏水 物业也不管", "楼道里堆了东西", "楼下好吵"):
        c = classify(text)
        assert c.confidence < 0.45, (text, c.to_dict())
        assert len(c.candidates) >= 1
