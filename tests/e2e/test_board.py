"""The publicity board (公示栏): closed cases of the last 30 days, masked, filtered, paged."""

from __future__ import annotations

import re

import pytest

from core.actors import resident, staff
from core.cases.flow import resolve_case, verify_case
from core.cases.report import ReportInput, report_case

pytestmark = pytest.mark.usefixtures("town")
PHONE = re.compile(r"1[3-9]\d{9}")


def _closed(uow, clock, text, category="env", who="o-b"):
    with uow() as tx:
        code = report_case(tx, resident(who), ReportInput(description=text, category=category)).case.code
    clock.advance(hours=2)
    with uow() as tx:
        resolve_case(tx, staff("leader1"), code, "已处理")
        verify_case(tx, staff("manager1"), code, passed=True)
    return code


def test_board_lists_closed_cases_masked(client, uow, clock):
    code = _closed(uow, clock, "我是王小明，电话13912345678，阳光花园3栋1202室门口垃圾堆积")
    other = _closed(uow, clock, "阳光花园2栋楼道灯不亮了", category="property", who="o-c")
    with uow() as tx:  # still open: not on the board
        open_code = report_case(tx, resident("o-d"), ReportInput(
            description="阳光花园1栋井盖松动", category="facility")).case.code
    page = client.get("/public/C01")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "max-age" in page.headers["Cache-Control"]
    assert code in html and other in html and open_code not in html
    assert not PHONE.search(html) and "王小明" not in html and "1202" not in html
    assert "按时办结" in html and "个工作日" in html
    only = client.get("/public/C01?category=property").get_data(as_text=True)
    assert other in only and code not in only
    assert code in client.get("/public/G01").get_data(as_text=True)
    assert code not in client.get("/public/C02").get_data(as_text=True)


def test_board_pages_and_unknown_codes(client, uow, clock):
    for i in range(23):
        _closed(uow, clock, f"阳光花园{i % 3 + 1}栋第{i}处垃圾没人清理", who=f"o-{i}")
    first = client.get("/public/C01").get_data(as_text=True)
    assert "第 1 / 2 页" in first and "下一页" in first
    second = client.get("/public/C01?page=2").get_data(as_text=True)
    assert second.count("居民评价") + second.count("结案，用时") >= 3
    assert client.get("/public/NOPE").status_code == 404
    assert client.get("/public/T01").status_code == 404
    assert client.get("/public/C01?page=abc&category=<script>").status_code == 200
