"""Behaviour added in the blind_t urgency round (docs/nlp.md): emergencies told sideways
(charcoal behind sealed windows, a scream and a thud, water rising on people, a swallowed
object, a runaway vehicle …) and their calm twins full of the same scary words.

None of these sentences is in a labelled file; each checks a concept, not a memorised row.
"""

from __future__ import annotations

import pytest

from tests.nlp.conftest import assert_emergency, assert_urgency


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # self-harm told by its means: charcoal + sealed doors, a farewell next to poison
        ("隔壁大哥关着门窗在屋里烧炭 门缝都用胶带封死了", "safety"),
        ("她留了封遗书 桌上还放着一瓶农药", "safety"),
        # a scream and a thud from a flat
        ("楼下那家 男的在吼 女的哭得很惨 咣当一声 然后就没动静了", "security"),
        # water rising on people, a dam seeping, a boat capsized
        ("河心洲上还有一群游客 水一下子涨上来了", "safety"),
        ("水库的坝体有个地方在冒水 越冒越大", "safety"),
        ("皮划艇翻了 两个人在水里扑腾", "safety"),
        # swallowed objects, wild mushrooms
        ("孩子把磁铁吞下去了 一直喊肚子疼", "health"),
        ("采了山上的野生菌炒着吃 全家都在吐", "health"),
        # pressure vessels and runaway vehicles
        ("锅炉的压力一直往上走 安全阀失灵了", "safety"),
        ("货车刹车失灵了 一路往下冲 前面是学校", "safety"),
        # a glow that climbs or comes with a call for firefighters, a grip slipping
        ("对面居民楼的窗户里有红光 越烧越大", "safety"),
        ("有个小伙子吊在六楼窗外 快抓不住了", "safety"),
        # chest pressure + cold sweat, an elder alone who cannot get up
        ("胸口闷得厉害 一直出冷汗", "health"),
        ("外婆独居 刚才电话里说腿软爬不起来", "welfare"),
        # someone held and beaten, a threat of self-immolation
        ("我表妹被传销的人扣着不放 还挨打", "security"),
        ("保安亭那边 一个男的拎着汽油 说要自焚", "security"),
        # the calm words of this round must not hide an escalation told next to them
        ("他这次不只是吵架 已经动刀了", "security"),
        ("分居的老公拿着刀堵在我家门口", "security"),
        ("和好了没几天又打起来了 拿刀砍人", "security"),
        ("卖肉的拿砍骨头的刀追着人砍", "security"),
        ("刚劝回家 又跑到楼顶说要跳楼", "safety"),
        ("阀门拧紧了还是有很浓的煤气味 越来越浓", "safety"),
        # a bare 有个地方 is no second-hand news
        ("楼道里有个地方在冒烟 越来越大", "safety"),
    ],
)
def test_emergencies_told_sideways_are_urgent(text, category):
    assert_emergency(text, category)


@pytest.mark.parametrize(
    "text",
    [
        "冬天烧炭取暖 门窗封死了会不会有危险",
        "楼上小孩练钢琴 弹错了就哭得很惨 天天这样",
        "孩子吞下去一颗药 医生说没关系",
        "野蘑菇能吃吗 山上采了好多",
        "锅炉压力表坏了 指针不动 能修吗",
        "电动车刹车不灵 下坡有点往下溜 去哪修",
        "大坝那边渗水越来越大 去年就报过了 什么时候修",
        "晚上楼顶广告牌一直闪红光 太晃眼 能不能关掉",
        "胸口闷 出冷汗 老是这样 挂什么科",
        "隔壁两口子又打起来了 其实就是吵架 烦",
        "三个月前楼上掉下来一个花盆 砸了我的车 物业说查不到",
        "这天气闷得人喘不过气 空调能不能开",
        "一氧化碳报警器哪个牌子靠谱 社区推荐一下",
        "卖菜刀的在小区门口摆摊 现场砍骨头给人看",
        "闹了半天是说气话 人已经劝回家了",
        "打架那两户已经和好了",
        "家暴的事想咨询一下 以前他动过手 现在已经分居了",
    ],
)
def test_calm_twins_stay_calm(text):
    assert_urgency(text, False)
