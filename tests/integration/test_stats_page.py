"""The leaders' statistics page (统计页): signed links, figures, charts, and the digest's link."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from core.actors import resident, staff
from core.cases.flow import resolve_case, verify_case
from core.cases.report import ReportInput, rate_case, report_case
from core.clock import SHANGHAI
from core.reminders.digest import send_digest
from core.signed_links import LinkCheck, check_token, sign_token, stats_url
from core.stats_page import period_stats
from tests.integration.test_reminders import pushes

pytestmark = pytest.mark.usefixtures("town")

# Valid resident ID numbers (GB 11643 checksum), so the masker must catch them.
IDS = ("110101199003071233", "32050219850612001X", "44030419781105456X")
NAMES = ("王小明", "张伟", "陈建国", "刘芳")
PHONES = ("13912345678", "13812345678", "15098765432", "18611112222")
PII = (*IDS, *NAMES, *PHONES, "1202", "0503")
KEY = "dev-only-change-me"  # the Settings default the tests run with


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def _report(uow, clock, when, text, category, who):
    clock.set(when)
    with uow() as tx:
        return report_case(tx, resident(who), ReportInput(description=text,
                                                          category=category)).case.code


def _close(uow, clock, when, code, who, rating=None, resolver="leader1"):
    clock.set(when)
    with uow() as tx:
        resolve_case(tx, staff(resolver), code, "已处理")
        verify_case(tx, staff("manager1"), code, passed=True)
    if rating:
        with uow() as tx:
            rate_case(tx, resident(who), code, rating)


def seed_cases(uow, clock) -> dict[str, str]:
    """幸福社区 (C01) in November 2026, texts full of personal data; ends at 11-26 10:00."""
    codes = {}
    codes["old"] = _report(uow, clock, at(10, 9), "阳光花园2栋楼道堆满杂物，联系人刘芳18611112222",
                           "env", "o-old")
    _close(uow, clock, at(10, 12), codes["old"], "o-old", rating=4)  # only in the 90-day view
    codes["a"] = _report(uow, clock, at(11, 10), f"我是王小明，电话13912345678，身份证{IDS[0]}，"
                         "阳光花园1栋1202室门口垃圾堆积", "env", "o-a")
    _close(uow, clock, at(11, 11), codes["a"], "o-a", rating=5)
    codes["b"] = _report(uow, clock, at(11, 12), "阳光花园5栋电梯维保不到位，联系人张伟13812345678，"
                         f"证件号{IDS[1]}", "property", "o-b")
    _close(uow, clock, at(11, 19), codes["b"], "o-b", rating=2, resolver="leader2")  # late
    codes["c"] = _report(uow, clock, at(11, 16), "阳光花园3栋楼道电动车充电，我叫陈建国 15098765432",
                         "safety", "o-c")  # overdue since 11-19
    codes["d"] = _report(uow, clock, at(11, 20), f"阳光花园4栋0503和楼上漏水纠纷，身份证{IDS[2]}",
                         "dispute", "o-d")  # overdue since 11-25
    codes["g"] = _report(uow, clock, at(11, 26, 9), "阳光花园1栋楼下垃圾堆积", "env", "o-g")
    codes["c02"] = _report(uow, clock, at(11, 18), "和平新村垃圾堆积没人管", "env", "o-x")
    clock.set(at(11, 26))
    return codes


def svg_texts(html: str, chart_id: str) -> list[str]:
    """The visible text of one chart, in order."""
    svg = re.search(rf'<svg[^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert svg, chart_id
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg.group(0))


def link(clock, code="C01", hours=72, key=KEY) -> str:
    return stats_url("", key, code, clock.now(), hours)


def test_page_shows_the_core_figures(client, uow, clock):
    codes = seed_cases(uow, clock)
    with uow() as tx:
        s = period_stats(tx, "C01", 30)
    assert dict(s.by_category) == {"环境卫生": 2, "物业管理": 1, "安全隐患": 1, "矛盾纠纷": 1}
    assert [(g.grid, g.closed, g.on_time) for g in s.on_time_by_grid] == [
        ("幸福社区第一网格", 1, 1), ("幸福社区第二网格", 1, 0)]
    assert s.ratings == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1} and s.average_rating == 3.5
    assert [(r.code, r.days_overdue) for r in s.overdue] == [(codes["c"], 7), (codes["d"], 1)]
    assert len(s.by_day) == 30 and s.by_day[-1] == (at(11, 26).date(), 1)

    resp = client.get(link(clock))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"].startswith("private")
    assert "幸福社区 · 近30天统计" in html and "<script" not in html and "http" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    category = svg_texts(html, "c-category")
    assert category[0] == "各类别新增事件（件）"
    for label, n in s.by_category:  # each bar: its label, then its value
        assert category[category.index(label) + 1] == str(n)
    grid = svg_texts(html, "c-grid")
    assert grid[grid.index("幸福社区第一网格") + 1] == "100%"
    assert grid[grid.index("幸福社区第二网格") + 1] == "0%"
    rating = svg_texts(html, "c-rating")
    assert rating[rating.index("5分") + 1] == "1" and rating[rating.index("2分") + 1] == "1"
    daily = svg_texts(html, "c-daily")
    assert daily[0] == "每日新增事件（件）" and "10/28" in daily and "11/26" in daily
    assert '<title id="c-daily-t">每日新增事件（件）</title>' in html
    assert "平均 <strong>3.5 分</strong>（2 件评价）" in html
    assert f"<strong>{codes['c']}</strong> 安全隐患 · 幸福社区第一网格 · 超期7天" in html
    assert f"<strong>{codes['d']}</strong> 矛盾纠纷 · 幸福社区第二网格 · 超期1天" in html
    assert codes["c02"] not in html and codes["a"] not in html  # closed cases are not listed
    for secret in PII:
        assert secret not in html, secret


def test_periods_change_the_figures(client, uow, clock):
    codes = seed_cases(uow, clock)
    week = client.get(link(clock) + "&days=7").get_data(as_text=True)
    with uow() as tx:
        s7, s90 = period_stats(tx, "C01", 7), period_stats(tx, "C01", 90)
    assert s7.reported == 2 and s7.closed == 0 and s90.closed == 3 and s90.ratings[4] == 1
    assert "近7天统计" in week and "本期暂无评价" in week
    assert svg_texts(week, "c-grid").count("本期无结案") == 2
    assert len(re.findall(r"<rect", week.split('id="c-daily"')[1].split("</svg>")[0])) == 7
    quarter = client.get(link(clock) + "&days=90").get_data(as_text=True)
    grid = svg_texts(quarter, "c-grid")
    assert grid[grid.index("幸福社区第一网格") + 1] == "100%"  # 2 of 2 with the October case
    assert "平均 <strong>3.7 分</strong>（3 件评价）" in quarter  # (4 + 5 + 2) / 3
    assert codes["old"] not in quarter  # closed cases are figures, never a list here
    odd = client.get(link(clock) + "&days=365").get_data(as_text=True)
    assert "近30天统计" in odd
    for page in (week, quarter):
        for secret in PII:
            assert secret not in page, secret


def test_token_valid_expired_tampered_and_foreign(client, uow, clock):
    seed_cases(uow, clock)
    url = link(clock, hours=2)
    assert client.get(url).status_code == 200
    clock.advance(hours=1, minutes=59)
    assert client.get(url).status_code == 200
    clock.advance(minutes=1)
    expired = client.get(url)
    assert expired.status_code == 403 and "链接已过期" in expired.get_data(as_text=True)
    assert expired.headers["Cache-Control"] == "private, no-store"
    clock.set(at(11, 26))
    token = url.split("t=")[1]
    stamp, sig = token.split(".")
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    longer = f"{int(stamp) + 86400}.{sig}"  # a later expiry with the old signature
    for bad in (f"{stamp}.{flipped}", longer, "", "abc", f"{stamp}.", f".{sig}", token + "x",
                f"²{stamp}.{sig}", f"１{stamp[1:]}.{sig}", "%00", "9" * 400 + f".{sig}"):
        resp = client.get(f"/stats/C01?t={bad}")
        assert resp.status_code == 403, bad
        assert "链接无效" in resp.get_data(as_text=True) and "Traceback" not in resp.get_data(
            as_text=True)
    assert client.get("/stats/C01").status_code == 403
    foreign = link(clock, code="C02")
    assert client.get(foreign).status_code == 200
    assert client.get(foreign.replace("/stats/C02", "/stats/C01")).status_code == 403
    assert client.get(link(clock, key="another-key")).status_code == 403


def test_unknown_community_is_404(client, clock):
    for code in ("NOPE", "T01", "G01"):
        resp = client.get(f"/stats/{code}?t=1.x")
        assert resp.status_code == 404 and "没有找到社区" in resp.get_data(as_text=True)


def test_token_functions(clock):
    now = clock.now()
    token = sign_token("k", "C01", at(11, 27))
    assert check_token("k", "C01", token, now) is LinkCheck.OK
    assert check_token("k", "C02", token, now) is LinkCheck.INVALID
    assert check_token("other", "C01", token, now) is LinkCheck.INVALID
    assert check_token("", "C01", token, now) is LinkCheck.INVALID
    assert check_token("k", "C01", token, at(11, 27)) is LinkCheck.EXPIRED
    assert check_token("k", "C01", "9" * 40 + ".x", now) is LinkCheck.INVALID
    with pytest.raises(ValueError):
        sign_token("", "C01", now)


def test_digest_push_carries_a_link_that_opens_the_page(client, uow, clock, runner):
    seed_cases(uow, clock)
    clock.set(at(11, 26, 17).replace(minute=30))
    with uow() as tx:
        assert send_digest(tx, clock.now()) == 3
    bodies = {p.recipient: p.body for p in pushes(uow, "leader_digest")}
    urls = {who: re.search(r"统计图表（72小时内有效）：(\S+)", body).group(1)
            for who, body in bodies.items()}
    assert urls["manager1"] == urls["super1"] and urls["manager1"].startswith(
        "http://grid.test/stats/C01?t=")
    path = urls["manager1"].removeprefix("http://grid.test")
    page = client.get(path)
    assert page.status_code == 200 and "幸福社区 · 近30天统计" in page.get_data(as_text=True)
    other = urls["manager2"].removeprefix("http://grid.test")
    assert "和平社区" in client.get(other).get_data(as_text=True)
    assert client.get(other.replace("/stats/C02", "/stats/C01")).status_code == 403
    printed = runner.invoke(args=["digest", "--community", "C01"])
    assert printed.output.rstrip("\n") == bodies["manager1"]  # the CLI prints the same link
    clock.advance(hours=72)
    assert client.get(path).status_code == 403
