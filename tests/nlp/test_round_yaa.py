"""Behaviour added in the blind_y/blind_aa round (docs/nlp.md): emergencies said another way
(a person in the water named by 落水 alone, pieces coming down onto people standing there now,
a report of an electric shock checked by the writer, a boiler or a workshop the workers flee,
a road that caves in under a car with the driver inside, a rod touching a live wire, people
gone down into a flooding garage), their calm twins (a drain pipe, a downpipe, a smoke alarm
that keeps going off, a lost father found, a lift that judders now and then, soaked things in
a storage room, open-field burning, a chimney, wires showing in an open box, gas bottles
standing outside a shop, a vagrant who mumbles), and the intents and categories of this round.

None of these sentences is in a labelled file; each checks a concept, not a memorised row.
"""

from __future__ import annotations

import pytest

import bot.nlp as nlp
from tests.nlp.conftest import assert_emergency, assert_urgency


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # a person in the water, said with 落水 alone
        ("水库那边有个人落水 在喊救命", "safety"),
        ("河边有人落水了 快来", "safety"),
        # pieces coming down onto people standing there now
        ("外墙砖一块块往下掉 下面就是排队的人", "safety"),
        ("楼顶的瓦片往下掉 下面全是人", "safety"),
        # a report from a group chat that the writer went to see
        ("群里说5号楼有人触电 我刚去看了 人躺地上不动", "safety"),
        # a boiler or a workshop the workers run out of
        ("车间里一声巨响 冒黑烟 工人都跑出来了", "safety"),
        ("锅炉房里异响 冒白烟 工人都往外跑", "safety"),
        # a road that caves in under a car or a person
        ("马路塌陷 一辆面包车陷进去了 人还在车里出不来", "safety"),
        ("村口路面突然塌了个坑 一个骑电动车的掉下去了", "safety"),
        # a rod that touched a live wire, the person down
        ("有人扛着铝梯碰到电线了 人倒地上没动静", "safety"),
        # people gone down into a flooding garage who are not back
        ("地库进水很快 有人下去挪车还没上来", "safety"),
        # a pole swung onto a line, the person lying still
        ("有人在河边用竹竿打枣 竿子甩到电线上了 人躺那不动了", "safety"),
        # someone smashing cars who goes on doing it
        ("有个男的拿着锤子在停车场砸车 一辆一辆砸", "security"),
        # many workers sick from the canteen, some cannot get up
        ("厂里食堂吃了午饭 好多工人上吐下泻 有的躺着起不来", "health"),
    ],
)
def test_emergencies_said_another_way_are_urgent(text, category):
    assert_emergency(text, category)


@pytest.mark.parametrize(
    "text",
    [
        # a downpipe, a burst drain pipe in the road
        "落水管坏了 一下雨就往墙上淌",
        "污水管爆了 路上全是黑水 臭死了",
        # a smoke alarm that keeps going off, a lost father found with help
        "楼道烟感老误报 一做饭就响",
        "谢谢社区帮我找到了走丢的老爸",
        # a lift that judders now and then
        "电梯有时候会顿一下 坐着心里发毛",
        # soaked things in a storage room: damage to report
        "地下室进水 储藏室的东西都泡坏了 物业赔不赔",
        # open-field burning, a chimney, wires showing in an open box, gas bottles outside
        "有人在地里烧塑料薄膜 黑烟一股一股的",
        "那个厂的烟囱冒黄烟 熏得眼睛疼",
        "配电箱门一直开着 里面的电线都露出来了",
        "饭店后门摆了好几个液化气罐",
        # a vagrant who has stayed for days and mumbles
        "桥洞下住了好几天一个流浪汉 话也说不清楚",
        # tiles falling where children play (a hazard to report), a road caved in with no one in it
        "外墙砖掉下来一块 楼下就是接孩子的地方 能不能修一下",
        "路面塌了个坑 我车轮陷进去了 已经拖出来了",
        # a boiler that smokes every day, workers leaving for lunch
        "锅炉房天天冒白烟 还有怪声 吵得很",
        "厂里下班了 工人都跑出来买饭",
        # hearsay not checked
        "听说隔壁村有人触电了 不知道真的假的",
        # protection missing, a coal stove kept in a stairwell, spoiled food served
        "工地脚手架没挂安全网 看着吓人",
        "邻居在楼道里烧蜂窝煤炉子",
        "学校门口的小吃摊卖的凉皮都馊了",
        # renovation banging, not someone smashing cars
        "楼上装修还在砸墙 砸了一上午了",
        # children scuffling at school, a slope that shows signs of sliding
        "儿子在学校和同学打架了 老师让我去一趟",
        "后山有点滑坡的迹象 下雨就掉石头",
    ],
)
def test_calm_twins_stay_calm(text):
    assert_urgency(text, False)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # verdicts: stars with 两, a full score, a score last, 评价 + 满意, 一般般吧
        ("态度还行 事没办成 两星", "rate"),
        ("网格员跑了好几趟 满分", "rate"),
        ("评价：很满意", "rate"),
        ("一般般吧，修完没几天又漏了", "rate"),
        # a nudge, who holds the case, was it closed, reported a week ago and when will they come
        ("催一下 路灯那个事 都一周了", "query"),
        ("我那个投诉现在在谁手上", "query"),
        ("垃圾站那个投诉结了吗", "query"),
        ("蚊子的事报了一个礼拜了 消杀的什么时候来", "query"),
        ("帮我查下我的工单", "query"),
        # thanks for a job done, for running around, a settled quarrel
        ("谢谢王姐 大冷天跑前跑后帮我办低保", "praise"),
        ("给社区点个赞 孩子上学的事帮我办妥了", "praise"),
        ("蟹蟹你们 路灯终于亮了", "praise"),
        # questions: rules, consequences, where to look, whom to call, dialect
        ("楼道里放电动车有啥规定", "consult"),
        ("物业费不交会咋样", "consult"),
        ("停电通知在哪能看到", "consult"),
        ("万一家里燃气漏了 应该先打谁的电话", "consult"),
        ("医保断咗两个月 去边度补交", "consult"),
        ("楼里着火的话 应该往楼顶跑还是往下跑", "consult"),
        ("电动自行车放车棚里充电合规？", "consult"),
        ("房子空着 物业费交不交", "consult"),
        # company wanted, a question about the bot
        ("跟老伴拌了几句嘴 不说了 就想找人唠唠", "chitchat"),
        ("你会讲粤语吗", "chitchat"),
        # asking the staff to push someone stays a report
        ("电梯停了十来天 物业一直拖 麻烦帮我们催一下", "report"),
    ],
)
def test_intents_of_this_round(text, intent):
    c = nlp.classify(text)
    assert c.intent == intent, (text, c.to_dict())


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # the mess a fight or a drunk left that nobody cleans up
        ("前天夜里有人在楼下打架 地上的碎酒瓶到现在没人扫", "env"),
        # the gas company's home safety check
        ("燃气公司通知明天入户安检 要在家等吗", "safety"),
        # a gate nobody watches
        ("小区侧门晚上没人看门 什么人都能进", "security"),
        # the signs that show the way out
        ("地下车库的安全出口指示灯坏了好几个 一直不亮", "safety"),
    ],
)
def test_categories_of_this_round(text, category):
    c = nlp.classify(text)
    assert c.category == category, (text, c.to_dict())
