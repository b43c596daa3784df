"""Behaviour added after the blind_c round (docs/nlp.md): harmless contexts of scary
words, the gated safety net, intent wordings and floors left out of addresses.

None of these sentences is in a labelled file; each checks a rule, not a memorised row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.nlp import DEFAULT_DIR, TableError, classify, load_tables


@pytest.mark.parametrize(
    "text",
    [
        # jokes and figures of speech
        "今天的麻辣烫辣得我嘴巴都着火了 哈哈",
        "被我儿子的作业气得脑袋冒烟",
        "楼上又在练琴 我火冒三丈",
        "刚才说着火是开玩笑的 别当真",
        # mistaken alarms
        "我还以为哪家失火了 原来是隔壁在熏腊肉",
        # stories that open in the past, follow-ups
        "前天晚上菜场门口有人打架 打得头破血流 后来派出所的人来了",
        "上个月那场火灾 保险理赔到底怎么处理的",
        "前阵子厨房着火烧坏了橱柜 有没有临时救助",
        # everyday burning outdoors
        "河边有人在烧电线皮 一股塑料烧焦的臭味",
        "环卫工把落叶扫成一堆点火烧 浓烟滚滚",
        # quick recoveries and handled incidents (staff reports)
        "家里燃气报警器响了两声 开窗以后不响了 要不要换一个",
        "3号楼电梯下午困人 维保人员已到场处置 被困人员身体无碍",
        # sewage smells like rotten eggs, a worry about a neighbour
        "南边那条水渠一股臭鸡蛋味 夏天更难闻",
        "对门独居的李奶奶两天没见出门了 敲门也没人应 有点担心",
        # a floor range is not a flood
        "楼道里电动车从一楼到六楼停满了",
    ],
)
def test_harmless_contexts_are_not_urgent(engine, text):
    c = classify(text)
    assert not c.urgent, (text, c.to_dict())


@pytest.mark.parametrize(
    ("category", "text"),
    [
        ("safety", "楼下那家厨房着火了 火苗往外窜 快来人"),
        ("security", "菜场门口有人拿刀砍人 地上全是血"),
        ("welfare", "我爸一个人住 邻居说看到他躺在地上一动不动 门反锁着"),
        ("safety", "上周修过的电梯今天又困人了 里面有个老人在拍门"),
        ("safety", "热水器那里往外蹿火苗 关了阀门也没用"),
        ("safety", "开玩笑的吧 楼下真的着火了 好大的烟"),
        ("safety", "以为是烧烤的烟 过去一看是三楼厨房着火了"),
    ],
)
def test_still_urgent_next_to_the_new_blockers(engine, category, text):
    c = classify(text)
    assert c.urgent, (text, c.to_dict())
    assert c.category == category, (text, c.to_dict())


def test_safety_net_keeps_quiet_on_a_habit(engine):
    """A creepy stranger who keeps hanging around is security, not an emergency: the
    learned model's alarm is ignored on a habit word (老在). (Until the blind_g round this
    was the danger-root gate's job; see docs/nlp.md.)"""
    c = classify("有个男的老在女生宿舍楼下转悠 还拿手机往窗户里拍 好吓人")
    assert c.category == "security"
    assert not c.urgent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("一般般吧 三分", "rate"),
        ("井盖修好了 四分 就是慢了点", "rate"),
        ("一分都不想给 根本没人来", "rate"),
        ("4", "rate"),
        ("查一下进度 谢谢", "query"),
        ("调解定在哪天了 一直没人通知", "query"),
        ("占道的那个摊子 说了要处理 现在还在 啥情况", "query"),
        ("电瓶车被偷那个 调监控有结果没有", "query"),
        ("你们说三天内回复 今天都第六天了", "query"),
        ("这个号是干什么的", "chitchat"),
        ("你是ai吗", "chitchat"),
        ("网格员吃饭了没", "chitchat"),
        ("楼道的灯换好了 网格员人真好", "praise"),
        ("工资要回来了 谢谢社区", "praise"),
        ("消杀以后蚊子少多了 谢谢哈", "praise"),
        ("孩子户口要社区开证明 你们能给开吗", "report"),
        ("反诈app叫什么名字 在哪下载", "consult"),
    ],
)
def test_intent_wordings(engine, text, intent):
    c = classify(text)
    assert c.intent == intent, (text, c.to_dict())


@pytest.mark.parametrize(
    ("category", "text"),
    [
        ("security", "对面那套房子天天有人去听课 像是在搞传销 拉人头"),
        ("population", "地下室住了人 拉了张床 好像是租的"),
        ("labor", "我弟弟腿有残疾 想找份工作 社区有没有就业帮扶"),
        ("env", "超市那排空调外机 噪音像拖拉机 吵得睡不着"),
        ("building", "楼下绿化带被人铺了水泥 改成私人停车位"),
        ("env", "卖鱼的把鱼鳞内脏倒在路边 招苍蝇"),
        ("dispute", "物业为了催费 把我家的门禁卡停了"),
        ("facility", "路口的路标牌字都掉光了 看不清"),
        ("city", "单元门口贴满了开锁的小卡片 贴了撕撕了贴"),
        ("other", "燃气费在哪里交"),
    ],
)
def test_new_vocabulary(engine, category, text):
    c = classify(text)
    assert c.category == category, (text, c.to_dict())


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("阳光花园5栋3楼楼道灯坏了", "阳光花园5栋"),
        ("锦绣家园8栋12楼有人装修", "锦绣家园8栋"),
        ("12号楼3层的走廊堆满了纸箱", "12号楼"),
        ("阳光花园5栋302漏水", "阳光花园5栋302"),
        ("万达公寓B座楼上天天有人拖行李箱", "万达公寓B座"),
        ("青山小区十一栋楼下的电瓶车着火了", "青山小区十一栋"),
        ("翠湖湾小区北门的路灯不亮", "翠湖湾小区北门"),
        ("两栋楼中间的空地堆满了垃圾", ""),
    ],
)
def test_floors_are_not_part_of_the_address(engine, text, address):
    assert classify(text).address == address


def test_a_broken_safety_net_gate_is_reported(tmp_path: Path):
    copy = tmp_path / "nlp"
    shutil.copytree(DEFAULT_DIR, copy)
    path = copy / "urgent.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "safety_net_requires_any: [", "safety_net_requires_any: {", 1), encoding="utf-8")
    with pytest.raises(TableError) as info:
        load_tables(copy, with_model=False)
    assert "urgent.yaml:" in str(info.value)
