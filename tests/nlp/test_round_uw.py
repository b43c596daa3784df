"""Behaviour added in the blind_u/blind_w round (docs/nlp.md): emergencies told by their
signs (a confused old person lost in the rain, wasps on children, a tanker fuming, a person
fallen into a hole, a lift door open on an empty shaft, people still in a flooded basement,
chest pain with slurred speech …), their calm twins (heat as smoke, trees cut down, a call
for help about noise, a burnt pot, a slaughtered chicken's blood, a false alarm said as
such), and the intents of this round (a verdict then a reason, case numbers, is it legal).

None of these sentences is in a labelled file; each checks a concept, not a memorised row.
"""

from __future__ import annotations

import pytest

import bot.nlp as nlp
from tests.nlp.conftest import assert_emergency, assert_urgency


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # a confused old person out in the open who cannot say where home is
        ("有个老奶奶在马路边坐了好久 穿着睡衣 问她家在哪说不清", "welfare"),
        # wasps on people now
        ("操场边上有个马蜂窝被碰掉了 一群蜂追着人蛰 好几个学生被蛰了", "health"),
        # a chemical load that leaks or fumes
        ("一辆拉盐酸的槽罐车在路边漏了 冒着黄烟", "safety"),
        # a person fallen into a hole or a shaft, calling from below
        ("工地旁边的路面塌了一个洞 一个人掉进去了 人在下面喊", "safety"),
        ("小区的窨井盖被偷了 一个小孩掉下去了", "safety"),
        # a lift door open on an empty shaft
        ("电梯门打开了轿厢不在 下面是空的", "safety"),
        # people still inside a flooded basement: their danger comes before the repair
        ("地下室进水了 已经到膝盖 里面还住着个老人", "safety"),
        # electricity: a person down after touching something, lamps sparking next to water
        ("我爸刚才碰了一下冰箱就倒下了 可能是漏电", "safety"),
        ("楼道里全是水 顶上的灯在冒火花", "safety"),
        # chest pain with slurred speech is the doctor's first, even for a parent alone
        ("我爸一个人在家 打电话说胸口闷 话都说不清了", "health"),
        # things hanging over people, swaying in the wind
        ("楼上阳台的晾衣架被风吹得直晃 挂在边上 下面就是人行道", "safety"),
        # a smell indoors with dizziness
        ("屋里有股怪味 我跟老伴都头昏 想吐", "safety"),
        # smoke from under a neighbour's door, a typo for fire, a bare shout
        ("隔壁门缝里有烟出来 敲门没人应", "safety"),
        ("着或了 快来人 3号楼", "safety"),
        ("火!! 菜市场后面", "safety"),
        # a syringe held as a weapon, a Cantonese knife fight, a false alarm denied
        ("楼道里有个人拿着注射器追着人跑", "security"),
        ("有人在菜场门口劈友 地上好多血", "security"),
        ("报警器响个不停 屋里煤气味很重 不是误报", "safety"),
        # a Cantonese lift
        ("部𨋢困咗人 快啲嚟", "safety"),
        # written after reading the sets, from our own probes: a stalker waiting downstairs,
        # a child who swallowed or drank something dangerous, an abandoned baby, a crane
        # fallen on a site hut, a large scald, a friend's overdose told first-hand
        ("有个男的一路跟着我 现在还在楼下不走", "security"),
        ("宝宝吞了一颗纽扣电池", "health"),
        ("我女儿把洗衣凝珠吃了", "health"),
        ("小区门口有个婴儿被丢在花坛边上 一直在哭", "welfare"),
        ("工地的吊车倒了 砸到了板房", "safety"),
        ("孩子被开水烫了 一大片都起泡了 在哭", "health"),
        ("我朋友吞了一瓶安眠药 叫不醒", "health"),
    ],
)
def test_emergencies_told_by_their_signs_are_urgent(text, category):
    assert_emergency(text, category)


@pytest.mark.parametrize(
    "text",
    [
        # heat and thirst as smoke, trees cut down
        "热得冒烟 空调又坏了 物业啥时候修",
        "路边的树都被砍光了 夏天一点阴凉都没有",
        # a call for help about noise or homework
        "楼上装修吵死了 救命 天天电钻",
        # a burnt pot, a slaughtered fish, a cigarette in the lift
        "着火了 原来是我锅里的菜烧糊了",
        "楼道里好多血 原来是有人在楼梯口杀鱼",
        "电梯里全是烟味 又有人在里面抽烟",
        # a false alarm said as such, the police took them away, a lost elder found again
        "警报响了一下 原来是误报 物业说传感器坏了",
        "楼下打架的那俩已经被警察带走了",
        "我爸老年痴呆 走丢过两次 都找回来了 想申请个防走失手环",
        # wasps that stung once, a chest complaint that is habitual, a tap left running
        "去年被马蜂蛰过 现在看到马蜂窝就怕",
        "胸口闷老是这样 挂什么科",
        "公共水龙头关不紧 哗哗流了一晚上",
        # what a child might do
        "变压器的门没关 小孩经过可能会去摸",
        # a dream, a tyre, burnt rice, the ambulance has left, a tree that hurt nobody,
        # a faint smell that comes and goes, an old scald
        "梦见家里着火了 吓醒了",
        "刚才楼下砰的一声 原来是轮胎爆了",
        "楼道里一股焦味 原来是谁家饭烧糊了",
        "刚才看到有人晕倒 120已经拉走了",
        "路边的树倒了 砸到一辆车 没伤到人",
        "好像闻到一点点煤气味 又好像没有 要不要找人看看",
        "去年孩子烫伤留了疤 有什么祛疤的办法",
        "大风把小区的广告牌吹倒了 砸到了围墙",
    ],
)
def test_calm_twins_stay_calm(text):
    assert_urgency(text, False)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # a verdict first, the reason after; a review asked for
        ("满意 社区调解得很及时", "rate"),
        ("很差 打了三次电话都没人管", "rate"),
        ("给个好评 路灯修好了", "rate"),
        # case numbers, follow-ups, "where are they"
        ("我的工单号是GX1234 现在什么进度", "query"),
        ("上周投诉的噪音 说是派人了 人呢", "query"),
        ("反映的楼道灯都一个礼拜了 这都没人来", "query"),
        # is it legal, is there such a service, should I replace it, how to report a fraud
        ("小区里开棋牌室合法吗", "consult"),
        ("社区有老年大学吗", "consult"),
        ("燃气灶用了十年了 要不要换", "consult"),
        ("被骗了两千 怎么报案", "consult"),
        # a complaint that ends "is this legal" stays a report
        ("公司三个月不发工资 这合法吗", "report"),
        # thanks for coming at night
        ("网格员大半夜还上门帮忙 真负责 谢谢", "praise"),
    ],
)
def test_intents_of_this_round(text, intent):
    c = nlp.classify(text)
    assert c.intent == intent, (text, c.to_dict())
