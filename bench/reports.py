"""Residents' reports for the webhook benchmark (模拟居民反映): distinct, realistic, checked.

Texts are built from the demo town's places (docs/examples/addresses.csv), everyday
problems of every kind, how long it has gone on and a closing word, the way residents
type them. Each text is run through the real classifier first and kept only when the
bot will file it as a case (intent ``report``, confident or urgent), so every message
the benchmark sends must make exactly one case.
"""

from __future__ import annotations

import itertools
import random

PLACES = (
    "阳光花园1栋", "阳光花园2栋楼下", "阳光花园3栋单元门口", "阳光花园4栋", "阳光花园5栋后面",
    "幸福里小区东门", "幸福里", "和平新村", "和平新村北门", "和平家园A座", "和平家园B座地下车库",
    "我们小区", "我家楼下", "小区门口", "", "", "",
)
PROBLEMS = (
    "垃圾桶满了好几天没人清 臭得很",
    "垃圾站苍蝇到处飞 味道冲得要命",
    "有人往绿化带里倒建筑垃圾",
    "下水道堵了 一下雨就积水",
    "楼道里堆满了杂物和废纸箱",
    "路灯坏了 晚上黑漆漆的",
    "电梯又坏了 老人上下楼太难",
    "单元门禁坏了 门一直关不上",
    "健身器材断了一根 小孩玩很危险",
    "井盖松动 车一过就哐哐响",
    "有人在楼道里飞线充电",
    "消防通道被私家车堵死了",
    "外墙瓷砖一块块往下掉",
    "电动车停在楼道里充电",
    "人行道上有人摆摊卖菜 车都过不去",
    "饭店把桌子摆到人行道上",
    "到处乱贴小广告",
    "物业不管事 水管漏了一个礼拜没人修",
    "楼上天天半夜跺脚 吵得睡不着",
    "邻居把鞋柜堆在公共走廊",
    "工地晚上十二点还在施工 噪音太大",
    "车棚里电动车电瓶被偷了",
    "有人在小区里养鸡 鸡屎到处都是",
    "停水了 也没提前通知",
    "化粪池冒水了 臭气熏天",
    "树枝断了挂在半空 随时会砸下来",
    "有人占用车位装地锁",
    "小区里有人烧垃圾 烟很大",
    "着火了 有烟从窗户冒出来",
    "有人被困在电梯里了",
)
DURATIONS = ("", "好几天了", "已经一个多星期了", "天天这样", "昨天晚上开始的", "说了好多次了")
CLOSINGS = ("", "麻烦尽快处理", "希望有人来管管", "谢谢", "能不能派人来看看", "太影响生活了")


def candidates(seed: int) -> list[str]:
    """Every combination, shuffled; the text parts are joined by spaces as people type."""
    texts = [" ".join(part for part in combo if part)
             for combo in itertools.product(PLACES, PROBLEMS, DURATIONS, CLOSINGS)]
    texts = sorted(set(texts))
    random.Random(seed).shuffle(texts)
    return texts


def files_a_case(text: str, threshold: float) -> bool:
    """Whether the bot answers ``text`` with a new case (not the category menu, not a guide)."""
    from bot.nlp import classify

    c = classify(text)
    return c.intent == "report" and (c.confidence >= threshold or c.urgent)


def report_pool(size: int, threshold: float, seed: int = 20261126) -> list[str]:
    """``size`` distinct report texts that each make a case (fewer if the tables refuse more)."""
    pool: list[str] = []
    for text in candidates(seed):
        if files_a_case(text, threshold):
            pool.append(text)
            if len(pool) >= size:
                break
    return pool
