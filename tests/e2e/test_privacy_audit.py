"""Privacy audit (隐私审计): a fortnight of real traffic full of residents' phone numbers, ID
numbers, names and room numbers — then every push the bot queued (to residents and to staff) and
every public page (board, case page, statistics, Open311) is searched for them. None may appear.

Staff who need the resident's own words ask for them with 「详情 GR…」, which is checked to be
refused outside the jurisdiction.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from core.clock import SHANGHAI
from core.outbox import Notification
from tests.integration.test_reminders import Walk


def _id_number(body: str) -> str:
    """A valid 18-digit 居民身份证号码 (GB 11643 check digit) from 17 digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


MOBILE, MOBILE2 = "13912345678", "18698765432"
LANDLINE = "010-62345678"
ID_NO = _id_number("11010519491231002")
NAMES = ("张秀英", "李建国", "王桂兰")
ROOMS = ("502室", "1203室")
SECRETS = (MOBILE, MOBILE2, LANDLINE, ID_NO, *NAMES, *ROOMS)
PATTERNS = {
    "mobile": re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    "landline": re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"),
    "id number": re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
}
CODE = re.compile(r"GR\d{12}")

REPORTS = {  # openid → message
    "o-pa-1": f"阳光花园2栋楼道垃圾堆了一个星期没人管，我叫张秀英，电话{MOBILE}，住2栋502室",
    "o-pa-2": f"我是李建国 身份证{ID_NO} 阳光花园1栋门口的路灯坏了好几天 晚上黑漆漆的 有事打{LANDLINE}",
    "o-pa-3": f"阳光花园3栋1203室楼上漏水到我家天花板了，我姓王，叫王桂兰，手机{MOBILE2}",
    "o-pa-4": f"着火了！阳光花园1栋一楼冒烟了 快来人 我叫张秀英 {MOBILE}",
    "o-pa-5": f"阳光花园2栋楼道垃圾堆了好多天了没人清理 我是王桂兰 {MOBILE2}",  # duplicate of o-pa-1
}


def leaks(text: str) -> list[str]:
    found = [s for s in SECRETS if s in text]
    codes = CODE.findall(text)
    found += [f"{kind}:{m.group(0)}" for kind, p in PATTERNS.items() for m in p.finditer(text)
              if not any(m.group(0) in code for code in codes)]
    return found


@pytest.fixture
def story(town, env, resident_chat, staff_chat, clock):
    """Reports, the whole closed loop with personal data in every note, and two weeks of jobs."""
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))  # a Monday
    codes: dict[str, str] = {}
    for openid, text in REPORTS.items():
        chat = resident_chat(openid, safe=True)
        chat.say("绑定 阳光花园2栋")
        chat.say("订阅公示")
        reply = chat.say(text)
        if CODE.search(reply):
            codes[openid] = CODE.search(reply).group(0)
        elif "1." in reply:  # asked back with a menu: the first candidate
            codes[openid] = CODE.search(chat.say("1")).group(0)
        clock.advance(minutes=7)
    litter, lamp, leak = codes["o-pa-1"], codes["o-pa-2"], codes["o-pa-3"]
    leader, manager = staff_chat("leader1"), staff_chat("manager1")
    leader.say(f"反馈 {litter} 已电话联系张秀英{MOBILE}，下午清运")
    leader.say(f"办结 {litter} 已清运，住户张秀英（{MOBILE}，502室）确认")
    manager.say(f"核查 {litter} 退回 请再联系王桂兰{MOBILE2}确认")
    leader.say(f"办结 {litter} 已复核，身份证{ID_NO}的住户确认干净了")
    manager.say(f"核查 {litter} 通过 已回访李建国")
    resident_chat("o-pa-1", safe=True).say(f"评价 {litter} 1 我叫张秀英 电话{MOBILE} 还是有味道")
    manager.say(f"重办 {litter} 居民张秀英{MOBILE}反映仍有异味")
    leader.say(f"延期 {leak} 3天 需联系1203室业主王桂兰{MOBILE2}")
    manager.say(f"延期 {leak} 同意 联系{LANDLINE}")
    leader.say(f"办结 {leak} 楼上1203室业主王桂兰家水管已修好，电话{MOBILE2}")
    manager.say(f"核查 {leak} 通过")
    leader.say(f"上报 {lamp} 路灯归市政 李建国{LANDLINE}说已坏三天")
    Walk(env, clock).run(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI),
                                   datetime(2026, 12, 8, 0, 0, tzinfo=SHANGHAI))
    return codes


def test_no_push_carries_personal_data(story, uow):
    with uow() as tx:
        rows = list(tx.session.scalars(select(Notification)))
    kinds = {r.kind for r in rows}
    assert len(rows) >= 30 and {"urgent", "publicity", "leader_digest"} <= kinds, kinds
    for row in rows:
        text = "\n".join([row.title or "", row.body or "", json.dumps(row.data or {}, ensure_ascii=False)])
        assert not leaks(text), (row.kind, row.channel, row.recipient, leaks(text), text)


def test_no_public_page_carries_personal_data(story, client, uow, clock):
    pages = ["/public/C01", "/public/G01", "/public/G02", "/open311/v2/requests.json"]
    pages += [f"/cases/{code}" for code in story.values()]
    pages += [f"/open311/v2/requests/{code}.json" for code in story.values()]
    with uow() as tx:
        digests = list(tx.session.scalars(select(Notification).where(Notification.kind == "leader_digest")))
    links = {m.group(0): d.created_at for d in digests
             for m in re.finditer(r"http://grid\.test/stats/\S+", f"{d.body} {d.url}")}
    assert links, "the digest carries a link to the statistics page"
    for url, sent in links.items():  # opened the evening it came, while the link is valid
        clock.set(sent)
        resp = client.get(urlsplit(url).path + "?" + urlsplit(url).query)
        assert resp.status_code == 200, (url, resp.status_code)
        assert not leaks(resp.get_data(as_text=True)), (url, leaks(resp.get_data(as_text=True)))
    for path in pages:
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        html = resp.get_data(as_text=True)
        assert not leaks(html), (path, leaks(html), html)
    board = client.get("/public/C01").get_data(as_text=True)
    assert story["o-pa-3"] in board  # the closed case is there, masked


def test_staff_in_jurisdiction_may_read_the_residents_words(story, staff_chat):
    lamp = story["o-pa-2"]
    detail = staff_chat("leader1").say(f"详情 {lamp}")
    assert LANDLINE in detail and "李建国" in detail  # what the leader needs to call back
    assert "不在您的管辖范围内" in staff_chat("leader3").say(f"详情 {lamp}")
