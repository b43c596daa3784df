"""Category mix and Chinese report texts (类别分布、反映内容) of the synthetic district.

SPEC §3 names the categories but gives no shares; these weights are our estimate of a
residential district's mix (environment, property and public facilities lead; illegal
building and labour are rare). A text is a template of its category with a place filled
in; one report in ten leaves a phone number, so masking has something to do.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

CATEGORY_WEIGHTS = {
    "env": 20, "city": 12, "facility": 12, "building": 3, "safety": 9, "dispute": 9,
    "security": 4, "welfare": 5, "labor": 3, "population": 4, "property": 13, "health": 4,
    "other": 2,
}
URGENT_SHARE = {"safety": 0.08, "security": 0.05}

TEMPLATES = {
    "env": ("{p}垃圾桶满了好几天没人清运，臭味很大", "{p}楼下烧烤摊油烟太大，窗户都不敢开",
            "{p}附近工地晚上施工噪音扰民", "{p}绿化带里有人倒建筑垃圾"),
    "city": ("{p}门口有人占道经营摆摊", "{p}路边乱停车把出口堵了", "{p}墙上贴满小广告",
             "{p}旁边乱堆放废品没人管"),
    "facility": ("{p}路灯坏了晚上一片漆黑", "{p}门口井盖松动有安全隐患", "{p}外面道路破损坑洼积水",
                 "{p}附近下水道堵塞污水外溢"),
    "building": ("{p}一楼住户私搭乱建占用绿地", "{p}楼顶有人违章搭建板房", "{p}有住户装修拆承重墙"),
    "safety": ("{p}楼道里有人给电动车充电", "{p}消防通道被杂物堵死了", "{p}有人从楼上飞线充电",
               "{p}外墙瓷砖松动随时会掉下来"),
    "dispute": ("{p}楼上漏水到我家协商不成", "{p}邻居家狗天天叫吵得睡不着", "{p}和物业因停车位起了纠纷",
                "{p}邻里之间因为堆放杂物吵架"),
    "security": ("{p}最近有可疑人员在楼道转悠", "{p}电动车电瓶被偷了", "{p}有人冒充工作人员上门推销"),
    "welfare": ("{p}独居老人行动不便需要帮扶", "{p}想咨询低保申请需要什么材料", "{p}残疾人补贴还没有发放"),
    "labor": ("{p}装修工人被拖欠工资", "{p}想办理失业登记", "{p}社保缴费记录有问题"),
    "population": ("{p}新搬来的租户没有登记", "{p}出租屋住了很多人", "{p}想办理居住证"),
    "property": ("{p}电梯坏了三天物业不修", "{p}小区门禁坏了一直关不上", "{p}物业不清理楼道杂物",
                 "{p}小区绿化没人修剪"),
    "health": ("{p}老鼠蟑螂特别多", "{p}附近有流浪狗追人", "{p}小饭馆卫生条件很差"),
    "other": ("{p}想反映一个情况", "{p}有个建议想提一下"),
}
PATROL_TEMPLATES = {
    "env": "巡查发现{p}垃圾堆积", "city": "巡查发现{p}占道经营", "facility": "巡查发现{p}路灯不亮",
    "safety": "巡查发现{p}楼道堆放杂物堵塞通道", "property": "巡查发现{p}单元门损坏",
}
RESOLVE_NOTES = ("已联系相关人员处理完毕", "已现场清理", "已协调物业维修", "已调解双方达成一致",
                 "已上门核实并处理", "已通知责任单位整改到位")


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice``, faster (one float instead of rejection sampling)."""
    return seq[int(rng.random() * len(seq))]


def between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint``, faster."""
    return low + int(rng.random() * (high - low + 1))


def pick_category(rng: random.Random) -> str:
    return rng.choices(tuple(CATEGORY_WEIGHTS), weights=tuple(CATEGORY_WEIGHTS.values()))[0]


def report_text(rng: random.Random, category: str, place: str) -> str:
    text = pick(rng, TEMPLATES[category]).format(p=place)
    if rng.random() < 0.1:
        text += f"，联系电话1{pick(rng, '3589')}{rng.randrange(10**9):09d}"
    return text


def patrol_text(rng: random.Random, category: str, place: str, on_spot: bool) -> str:
    base = PATROL_TEMPLATES.get(category, "巡查发现{p}存在问题").format(p=place)
    return base + ("，已处理" if on_spot else "")
