"""Emergencies in everyday words (issue #3): colloquial and dialect hazard words,
homophone typos, concepts that combine, "worse now" after a past opening, second-hand
news, and the harmless twins of each (bills, drills, jokes, cooking, insurance).

Every sentence here is our own; none is in a labelled file.
"""

from __future__ import annotations

import pytest

from bot.nlp import classify
from tests.nlp.conftest import assert_emergency, assert_urgency

URGENT = [
    # fire, in colloquial, dialect and emoji words; homophone typos (着伙, 天燃气, 冒湮)
    ("safety", "隔壁厨房走水了 火苗从窗户蹿出来"),
    ("safety", "我家厨房着伙了 快来"),
    ("safety", "🔥🔥🔥 12栋楼顶 快"),
    ("safety", "五楼阳台的杂物烧得好旺 没人管"),
    ("safety", "三楼窗户冒湮了 好像没人在家"),
    # gas: smell words, typos
    ("safety", "我们楼道一股臭鸡蛋味 熏得人头晕"),
    ("safety", "单元门口天燃气味特别大"),
    # a past opening, but it is worse now
    ("safety", "前几天就闻到煤气味 今天特别浓"),
    ("safety", "昨天就觉得有股燃气味 今天越来越浓 都不敢开灯"),
    ("safety", "上周开始厨房有点煤气的味道 现在比之前重多了"),
    # structures moving now
    ("safety", "整栋楼在往下沉 墙都裂开了口子"),
    ("safety", "车库顶上的楼板一夜之间裂宽了 还在掉渣 大家都不敢进去"),
    # toxic air; second-hand cause but first-hand symptoms
    ("safety", "化工厂那边飘来一股氨气味 好多人眼睛辣得睁不开"),
    ("safety", "路口翻了辆槽罐车 味道呛得人直咳嗽 听说是拉化学品的"),
    # an intruder inside now; a dog attacking now
    ("security", "有个陌生人翻窗进了我家 现在还在屋里 我躲在卫生间"),
    ("security", "两个小偷撬锁进了三楼那户 人还在里面"),
    ("health", "一条大狗咬住了一个小朋友的腿不放"),
    # an old or lone neighbour not answering, and a smell
    ("welfare", "对门老太太好几天没出门了 敲门没人应 门口有股臭味"),
    ("welfare", "楼上一个人住的刘伯电话不接 屋里传出一股异味"),
    # carbon monoxide: a stove or charcoal and people feeling ill
    ("safety", "我们一家人头晕恶心 屋里生着煤炉"),
    ("safety", "洗澡的时候我妈晕在浴室了 热水器是燃气的"),
    # a stroke; despair with the means at hand
    ("health", "我爸中风了 半边身子动不了 说不出话"),
    ("safety", "我不想活了 药都准备好了"),
    # water to the waist with people still inside (safety since the blind_u/blind_w round:
    # their danger comes before the repair, as both writers label it); a door kicked in;
    # a lock being forced; a dog attacking
    ("safety", "地下车库水已经到腰了 还有人在里面挪车"),
    ("security", "我家门被人踹开了 有个男的冲进来了"),
    ("security", "有人在撬隔壁的门 正在撬"),
    ("health", "一条狗在追着咬孩子 孩子被咬倒了"),
    # Cantonese; poison taken; a person sitting on a roof edge
    ("health", "快啲嚟 楼下有人晕低咗 叫极都唔应"),
    ("safety", "我爸喝了农药 已经吐了"),
    ("safety", "有个人坐在楼顶边上 两条腿在外面晃"),
    # lost children and confused elders; drowning; fits; landslides
    ("safety", "有个小孩在小区走丢了 家长到处找 快半小时了"),
    ("welfare", "老人出门没回来 有老年痴呆 天黑了还没找到"),
    ("safety", "小区游泳池有个小孩沉底了"),
    ("health", "有个老头在公交站突然抽风了"),
    ("safety", "雨太大 后面山坡滑下来了 冲进了几户人家"),
    # despair by the water; smoke that cuts off the way out, whatever burns
    ("safety", "有个女的在河边哭 说不想活了 往水里走"),
    ("safety", "楼道里有人在烧东西 烟好大 门都被堵了 我们下不去"),
]

CALM = [
    # "still" is not "worse": a past fire's lingering smell
    "上次着火的那家 现在还是一股烟味",
    "前几天楼下闻到煤气味 燃气公司来修好了",
    # insurance, claims, bills
    "家里买的财产险能不能保火灾",
    "天燃气费在哪里交",
    # jokes, figures of speech, screens
    "哈哈 我家锅烧糊了 冒了好多烟",
    "被楼上装修吵得我想跳楼的心都有了",
    "电视剧里那个着火的场面吓死我了",
    "红红火火过大年 社区有活动吗",
    # tests, rumours, second-hand news, reassurance
    "烟感在测试 响了一下午",
    "群里有人说3栋着火了 我下去看了 根本没有",
    "听说隔壁小区电梯掉下来了 我们的电梯年检了吗",
    "刚才插线板冒了个火花 我马上拔了 现在没事",
    "厨房烧糊了冒烟 开窗散了 大家不用担心",
    # cooking fire that was brief
    "酒精炉着火了一下 吓一跳",
    # habitual pollution is an env problem, not an emergency
    "对面作坊天天烧东西 黑烟刺鼻 大家都在咳嗽",
    # cracks that do not move; falling tiles
    "墙上有条裂缝 好几年了 要不要鉴定",
    "外墙瓷砖往下掉 大家都不敢从下面走",
    # burglaries that are over; dogs that are a nuisance
    "昨晚家里被撬了 丢了两千块 已经报警了",
    "楼下的狗老是追着人咬 能不能管管",
    "我家狗把拖鞋咬坏了",
    "被狗咬了要去哪打疫苗",
    # a worry about an old neighbour, no smell
    "楼下李奶奶一个人住 这两天敲门没人应 有点不放心",
    # figures of speech and hyperbole
    "物业费太贵了 气得我冒火",
    "热死了 我都要中暑晕倒了",
    "说他两句 他还翻白眼",
    # a past stroke, a worry about charcoal
    "我爸去年中风 现在能申请什么补贴",
    "我想问问烧炭取暖安全吗",
    # what might happen; other people's news; a leak already shut off
    "电动车进电梯太危险了 会爆炸的",
    "我朋友说她们小区着火了 好可怕",
    "新闻说有个地方燃气爆炸了 我们要注意什么",
    "刚才闻到一点点煤气味 原来是燃气灶没关好 已经关了",
    # how-to questions, alarm batteries, spice, screens, dreams, a claim checked
    "假如电梯突然掉下去 要怎么自救",
    "有人问 煤气泄漏了第一件事做什么",
    "我家的烟感一直在叫 是不是没电了 要换电池吗",
    "吃火锅吃得我满头大汗 辣得冒火",
    "看了个纪录片 讲化工厂爆炸 太可怕了",
    "昨天梦到我们楼着火了 吓醒了",
    "我家老人总说闻到煤气味 其实没有 检查了好几次",
    # a child's or an elder's things lost, a slang 抽风
    "孩子的自行车还没找到 已经报警了",
    "老人的医保卡不见了 一直找不到",
    "物业抽风了 又涨价",
    # asking whether something happened; "even if it burned"; a flame's colour; training
    "刚才消防车开进小区了 是哪栋着火了吗",
    "楼道的应急灯坏了 着火了都看不见路",
    "想举报一个群租房 里面住了二十多人 着火了跑都跑不掉",
    "家里的燃气灶火苗是黄色的 正常吗",
    "社区能不能组织一次急救培训 心肺复苏那种",
    "有没有独居老人一键呼叫 我妈一个人住 怕她摔倒没人知道",
    # roadside leaf burning: smoke on the road is not a way out cut off
    "路边有人烧落叶 浓烟滚滚 开车都看不清 下不去车",
]


@pytest.mark.parametrize(("category", "text"), URGENT)
def test_everyday_emergencies_are_urgent(engine, category, text):
    assert_emergency(text, category)


@pytest.mark.parametrize("text", CALM)
def test_everyday_harmless_twins_are_not_urgent(engine, text):
    assert_urgency(text, False)


def test_worse_now_overrides_a_past_blocker_in_an_earlier_clause(engine):
    # the same past opening: a later "worse now" clause makes it urgent, a plain
    # "still" or an unrelated later clause does not
    assert classify("上礼拜就有股煤气味 今天浓多了").urgent
    assert not classify("上礼拜就有股煤气味 今天物业来看过了").urgent
    assert not classify("上礼拜就有股煤气味").urgent


def test_a_story_opening_in_the_past_goes_on_now(engine):
    # the danger happens in a later clause that says "now": not a story any more
    assert classify("上周楼下那两家就吵过 现在打起来了 有人流血了").urgent
    assert classify("以前就有人说这楼道堆东西危险 现在真的着火了").urgent
    # a later "now" about the aftermath keeps the past event in the past
    assert not classify("上个月电梯困人那次 现在维修好了吗").urgent
    assert not classify("上周那个煤气泄漏的事 现在查清楚原因了吗").urgent
    assert not classify("前几天有人在楼下打架 现在还有人在议论").urgent


def test_hearsay_is_silenced_unless_firsthand(engine):
    urgency = engine.urgency

    def present(text: str) -> set[str]:
        return {m.term for m in engine.scanner.raw(engine.normalise(text))}

    assert urgency.silenced(present("听说那边着火了"))
    assert not urgency.silenced(present("听说是罐子漏了 我们咳嗽得厉害"))
    assert not urgency.silenced(present("楼下着火了"))


def test_fire_emoji_reads_as_fire_without_changing_length(engine):
    text = "🔥🔥 3栋"
    norm = engine.normalise(text)
    assert len(norm) == len(text)
    assert norm.startswith("火火")
    assert engine.normalise("😀 3栋").startswith(" ")  # other emoji stay separators
