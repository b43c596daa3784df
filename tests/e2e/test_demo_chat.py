"""``flask demo`` tells the whole story; ``flask chat`` lets a person play resident and staff."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.cases.models import Case


def test_demo_plays_the_closed_loop(runner, tmp_path):
    db = tmp_path / "demo.db"
    result = runner.invoke(args=["demo", "--database", str(db)])
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in ("绑定成功", "新派遣", "已办结", "待核查", "核查结案", "感谢您的评价（5分）",
                     "119", "【紧急】", "请回复数字选择问题类别", "台账", "flask chat"):
        assert expected in out, expected
    ledger = out.split("台账")[1]
    assert ledger.count("\n   ") >= 7 and "已结案" in ledger


def test_chat_as_resident_then_staff(runner, uow, town, clock):
    script = "\n".join([
        "绑定 阳光花园3栋",
        "楼下垃圾桶满了好几天了没人清",
        "/photo",
        "/as staff leader1",
        "待办",
        "/quit",
    ]) + "\n"
    result = runner.invoke(args=["chat", "--as", "resident", "o-chat-1"], input=script)
    assert result.exit_code == 0, result.output
    code = re.search(r"GR\d{12}", result.output).group(0)
    assert "推送 [企业微信] 给 王网格长(leader1)" in result.output
    assert "照片已补充" in result.output and code in result.output.split("待办")[-1]
    with uow() as tx:
        case = tx.session.scalar(select(Case).where(Case.code == code))
        assert case.grid.code == "G01" and any(e.action == "attach" for e in case.events)
