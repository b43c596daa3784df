"""Address spotting: verbatim spans, building chains, named places, generic places left out."""

from __future__ import annotations

import pytest

from bot.nlp import classify, configure


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("三号楼楼下的垃圾没人收", "三号楼"),
        ("３栋２单元楼道灯坏了", "３栋２单元"),
        ("１２号楼门口井盖松了", "１２号楼门口"),
        ("我住锦绣家园8栋1单元1202 楼上漏水", "锦绣家园8栋1单元1202"),
        ("4栋301住了十几个人", "4栋301"),
        ("我们楼1502最近天天装修", "1502"),
        ("建设路和人民路交叉口的红绿灯坏了", "建设路和人民路交叉口"),
        ("实验小学门口摆摊的太多", "实验小学门口"),
        ("翠苑小区北门外堆了好多垃圾", "翠苑小区北门外"),
        ("小区门口天天有人摆摊", "小区门口"),
        ("东风路中段的井盖没了", "东风路中段"),
        ("人民广场的音响太吵", "人民广场"),
        ("地下车库的灯一半不亮", "地下车库"),
        ("我家住在金色港湾小区5号楼 电梯坏了", "金色港湾小区5号楼"),
        ("阳光花园12点还在施工", "阳光花园"),
        ("锦绣家园1202漏水", "锦绣家园1202"),
    ],
)
def test_address_spans(engine, text, address):
    got = classify(text).address
    assert got == address, (text, got)
    assert got in text


@pytest.mark.parametrize(
    "text",
    [
        "楼下的垃圾桶满了",
        "隔壁天天装修",
        "路口的红绿灯坏了",
        "公交站的座椅坏了",
        "街心公园有人卖保健品",
        "我家住6楼 天天停水",
        "十八楼的电梯又坏了",
        "走路都要打手电筒",
        "公交线路改了 老人出门不方便",
        "11月26日下午3点看到有人偷东西",
        "欠了2000元工资",
        "两栋楼中间的路灯不亮",
    ],
)
def test_generic_places_and_numbers_are_not_addresses(engine, text):
    assert classify(text).address == "", text


def test_configured_estates_become_anchors(engine):
    text = "蓝湾半岛门口的垃圾桶满了"
    before = classify(text).address
    configure(["蓝湾半岛", "蓝湾半岛", " "])
    configure(["蓝湾半岛"])  # idempotent
    assert before != "蓝湾半岛门口"
    assert classify(text).address == "蓝湾半岛门口"
    assert classify("蓝湾半岛7栋有人飞线充电").address == "蓝湾半岛7栋"
    assert "蓝湾半岛" in engine.segmenter.cut("蓝湾半岛门口")
