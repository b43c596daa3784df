"""Urgency composed from concepts: each hazard in new words, and its harmless twins.

None of these sentences is in a labelled file; they check that the concept lists of
config/nlp/urgent.yaml generalise (a hazard + now / a person at risk − past, resolved,
hypothetical, negated, drill, planned or habitual contexts).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.nlp import DEFAULT_DIR, TableError, classify, load_tables
from tests.nlp.conftest import assert_emergency, assert_urgency

URGENT = [
    # fire and smoke
    ("safety", "快来人 三楼那家阳台烧起来了 火苗往上窜"),
    ("safety", "对面屋里一直往外冒黑烟 好像没人在家"),
    ("safety", "地下室里一股烧焦的塑料味 门缝里有烟"),
    ("safety", "充电的电瓶车炸了 楼道全是烟 下不去"),
    # gas
    ("safety", "进门就闻到很冲的煤气味 我妈说头晕"),
    ("safety", "厨房的液化气罐呲呲响 在漏"),
    ("safety", "燃气报警器一直在叫 红灯闪个不停"),
    # people trapped
    ("safety", "电梯停在十楼和十一楼中间了 我爸在里面出不来"),
    ("safety", "有人被困在电梯里 一直在拍门"),
    # electricity
    ("safety", "大风把电线刮断了 掉在人行道上 还在冒火花"),
    ("safety", "邻居修空调的时候触电了 倒在阳台上"),
    # violence
    ("security", "有人拿着水果刀在小区门口追着人砍"),
    ("security", "楼下几个人打群架 有人头上全是血"),
    ("security", "隔壁又在打老婆 女的一直哭喊救命"),
    # falls and collapse
    ("health", "广场上有个大妈突然倒地 叫她也没反应"),
    ("health", "有个人在路边抽搐 口吐白沫"),
    ("welfare", "独居的赵奶奶在家摔倒了 爬不起来 门从里面锁着"),
    ("safety", "外墙的吊篮上掉下来一个工人 摔在地上不动了"),
    # children and water
    ("safety", "一个小孩爬到八楼窗台外面了 家里没大人"),
    ("safety", "孩子被锁在车里了 车窗都关着 太阳晒着"),
    ("safety", "有个小孩掉进河里了 在水里扑腾"),
    # water in the home
    ("property", "家里水管爆了 水往外喷 客厅已经淹了"),
    ("property", "地下车库进水了 水已经到小腿了"),
    # building collapse
    ("safety", "老房子的墙塌了 下面压着人"),
]

CALM = [
    "万一着火了 这楼道里的纸箱子谁负责",
    "上个月三楼着火的那家 现在修好了没有",
    "不是着火 是楼下在烧烤",
    "明天上午小区搞消防演练 会放烟雾 大家别慌",
    "楼后面有人烧垃圾 烟很大 呛死人",
    "对面工厂的烟囱天天冒黑烟",
    "我们这片明天停气检修 一整天",
    "燃气报警器哪里能买到",
    "不是煤气泄漏 是楼下刷油漆的味道",
    "巡查 2栋电梯困人1名 已救出 人员无受伤",
    "电梯坏了三天了 物业也不修",
    "电梯经常突然顿一下 坐着心慌",
    "楼道里的电线乱七八糟 会不会漏电啊",
    "上周夜市两伙人打架 警察来了就散了",
    "两家人吵起来了 还没动手 快来劝劝",
    "我妈去年在家摔了一跤 现在能申请护理补贴吗",
    "小孩老在河边玩 很危险 能不能装个护栏",
    "一下大雨路口就积水 淹到小腿",
    "楼上卫生间漏水 我家天花板一直在滴",
    "老楼的墙裂了好大的缝 感觉随时要塌",
    "被猫抓了一下 出了点血 要打针吗",
]


@pytest.mark.parametrize(("category", "text"), URGENT)
def test_hazards_in_new_words_are_urgent(engine, category, text):
    assert_emergency(text, category)


@pytest.mark.parametrize("text", CALM)
def test_harmless_twins_are_not_urgent(engine, text):
    assert_urgency(text, False)


def test_blockers_work_per_clause(engine):
    # a past fire in one clause does not silence a present one in the next
    assert classify("上次着火的那家 现在又冒烟了 好大的烟").urgent
    assert not classify("上次着火的那家 现在还是一股烟味").urgent


def test_tables_knows_what_it_judged(engine):
    urgency = engine.urgency
    present = {m.term for m in engine.scanner.raw("烟囱冒黑烟")}
    assert urgency.knows(present)  # a smoke phrase: the tables decided (harmless)
    assert not urgency.knows({m.term for m in engine.scanner.raw("今天天气不错")})
    assert urgency.silenced({m.term for m in engine.scanner.raw("已救出 没事了")})


@pytest.fixture
def tables_copy(tmp_path: Path) -> Path:
    target = tmp_path / "nlp"
    shutil.copytree(DEFAULT_DIR, target)
    return target


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("$lift+$stuck", "$lift+$stuk", "unknown concept '$stuk'"),
        ("defer_to: [fire, smoke, gas, lift, child, collapse_building]",
         "defer_to: [fire, smoke, gaz]", "defer_to names an unknown group 'gaz'"),
        ("  now: [", "  Now: [", "concept names are lower-case"),
        ("$pipe+$burst+$flood,", "$pipe++$burst,", "empty part"),
    ],
)
def test_broken_urgent_table_names_file_and_line(tables_copy, old, new, reason):
    path = tables_copy / "urgent.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(TableError) as info:
        load_tables(tables_copy)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert reason in message
