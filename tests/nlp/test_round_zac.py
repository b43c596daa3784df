"""Behaviour added in the blind_z/blind_ac round (docs/nlp.md): emergencies said another way
(things being thrown down from a building that nearly hit someone, smoke from a shut shop
with no one inside, a dog that bit deep or still roams, a lone old person whose TV runs but
who does not answer, a person lying out in the cold who cannot be woken, a fire at a fuel
station, a fire reaching the next thing, someone forced to pay at home who writes in secret,
a load-bearing wall cut while cracks open and the work goes on, a swarm chasing people,
glass hanging over a pavement), their calm twins (a doctor already said it is fine, a lost
parent brought back, a burst main at a crossroads being repaired, a cover that would give
way if stepped on, figures of speech, news and videos), and praise of an event.

None of these sentences is in a labelled file; each checks a concept, not a memorised row.
"""

from __future__ import annotations

import pytest

import bot.nlp as nlp
from tests.nlp.conftest import assert_emergency, assert_urgency


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # things being thrown down from a building that nearly hit someone
        ("12栋有人往楼下丢花盆 刚才差点砸中一个老太太", "safety"),
        ("楼上有人往下砸砖头 刚刚差一点打到楼下的保安", "safety"),
        # smoke from a shut shop or flat with no one inside
        ("隔壁理发店卷帘门下面往外冒烟 店里没人", "safety"),
        ("对门家门缝里冒黑烟 家里没人 敲不开", "safety"),
        # a dog that bit someone deep, or still roams
        ("一只大黄狗把送外卖的小伙子咬了 手上血淋淋的", "health"),
        ("菜场那条狼狗咬了个老太太 现在还在路上乱窜", "health"),
        # a lone old person whose home shows life but who does not answer
        ("楼上独居的张大爷 灯一直亮着 喊了半天不应", "welfare"),
        # a person lying out in the cold who cannot be woken
        ("大雪天 路边雪地里趴着一个人 怎么叫都没反应", "welfare"),
        # a fire at a fuel station, a fire reaching the next thing
        ("加气站那边一辆出租车起火了", "safety"),
        ("烧纸的火烧到旁边的柴火垛了 越烧越大", "safety"),
        # someone forced to pay at home, writing in secret
        ("有两个人在我家不让我出门 逼我转账 我在厕所偷偷发消息", "security"),
        # a load-bearing wall cut, cracks opening, the work goes on
        ("楼上装修把承重墙砸了 我家天花板裂开了 他们还在砸", "building"),
        # a swarm chasing people, one of them down
        ("一群野蜂追着放学的孩子蜇 有个孩子倒在路边了", "health"),
        # glass hanging over a place where people wait
        ("玻璃幕墙碎了一块 剩下的挂着晃 下面是公交站", "safety"),
    ],
)
def test_emergencies_said_another_way_are_urgent(text, category):
    assert_emergency(text, category)


@pytest.mark.parametrize(
    "text",
    [
        # someone who knows already said it is fine
        "孩子把一粒维生素吞下去了 问过医生说没事",
        "宝宝误吞了一颗纽扣 大夫说问题不大 会排出来",
        # one throw told as done, a habit, a past near miss, a near miss without "just now"
        "有人从楼上扔了个花盆下来 差点砸到人 太缺德了",
        "楼上老是有人往下扔垃圾 上次差点砸到我 能不能查查",
        "有人从阳台往下丢啤酒瓶 差点砸到楼下的车",
        # cooking smoke where someone is cooking
        "饭馆厨房门缝冒烟 老板在里面炒菜呢",
        # a dog that chewed a slipper, a bite treated last month
        "邻居家狗把我的拖鞋咬烂了 还在院子里",
        "上个月被流浪狗咬了一口 血淋淋的 疫苗打完了 社区能不能管管流浪狗",
        # a silent neighbour reached after all, a vagrant woken and helped
        "独居的李大爷家电视一直开着 敲门不应 后来打电话联系上了 在楼下下棋",
        "零下十几度 有个流浪汉睡在桥洞里 叫醒了给他送了床被子",
        # a drill at a fuel station, a fire that nearly spread
        "加油站搞消防演练 假装着火了 大家排队学用灭火器",
        "昨天烧荒差点烧到旁边的林子 幸好没事",
        # a load-bearing wall stopped in time
        "楼下装修想打掉承重墙 被物业叫停了 我家墙上有条旧裂缝",
        # a lost parent brought back
        "我妈老年痴呆 昨天走丢了 总算找回来了 社区有没有防走失手环",
        # a burst main at a crossroads, a cover that would give way if stepped on
        "人民路路口的自来水管爆了 水冒得老高 车都绕着走",
        "学校门口井盖裂了 小朋友一踩就晃 踩上去要掉下去的",
        # figures of speech, news, a video
        "火烧眉毛了 低保复审材料今天交还来得及吗",
        "网格员就是社区的救火队员 啥事都管 点赞",
        "网上那个跳楼的新闻是真的吗 吓死我了",
        "刷到一个燃气爆炸的视频 我家的软管要不要换",
    ],
)
def test_calm_twins_stay_calm(text):
    assert_urgency(text, False)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # an event or a person praised without a thanks word
        ("街道组织的防汛演练办得挺好 老人孩子都学到不少", "praise"),
        ("居委会的李主任真是好人 下雨天还给孤寡老人送饭", "praise"),
        ("这个小程序挺方便 不用跑腿了", "praise"),
        # thanks with the job done (found, recovered, installed)
        ("谢谢民警 被偷的电动车追回来了", "praise"),
        # status of an earlier report said another way
        ("昨天报的路灯那个事 处理的咋样了", "query"),
        ("我的申请为啥被退回来了", "query"),
        ("上个月反映的噪音问题 怎么还是老样子", "query"),
    ],
)
def test_intents_of_this_round(text, intent):
    assert nlp.classify(text).intent == intent, nlp.classify(text).to_dict()
