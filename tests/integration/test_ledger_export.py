"""台账导出: the workbook opened again with openpyxl and checked against the core."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.assessment import ranking
from core.assessment.period import month_period
from core.cases.models import Case, CaseEvent
from core.cases.queries import get_case
from core.inbound import WorkLog
from core.registry.models import Grid
from tests.integration.test_assessment import november, report, t

pytestmark = pytest.mark.usefixtures("town")
PII = "联系人张伟，电话13812345678，身份证11010519491231002X，阳光花园3栋2单元502室门口垃圾堆积"
SECRETS = ("张伟", "13812345678", "11010519491231002X", "502室")
CASE_HEADERS = ["编号", "类别", "状态", "层级", "网格", "地址", "问题描述", "反映人", "来源渠道", "紧急",
                "承办人", "承办部门", "上报时间", "受理时间", "派遣时间", "办结时间", "结案时间",
                "办理时限", "已用工作日", "按时办结", "超期", "转县级工单号", "合并至",
                "不予受理原因", "延期申请(天)", "延期原因", "评价", "评价意见"]


@pytest.fixture
def story(uow, clock) -> dict[str, str]:
    codes = november(uow, clock)
    codes["P"] = report(uow, clock, t(11, 24), PII, "o-resident-pii")
    clock.set(t(12, 1, 9))
    return codes


def export(runner, path: Path, *extra: str):
    return runner.invoke(args=["export", "ledger", "--community", "C01", "--month", "2026-11",
                               "-o", str(path), *extra])


def table(ws) -> list[dict[str, object]]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def every_cell(wb) -> str:
    return "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)


def month_cases(uow) -> list[str]:
    with uow() as tx:
        c01 = [g for g in tx.session.scalars(select(Grid.id).where(Grid.code.in_(["G01", "G02"])))]
        return list(tx.session.scalars(select(Case.code).where(
            Case.grid_id.in_(c01), Case.reported_at >= t(11, 1, 0), Case.reported_at < t(12, 1, 0))
            .order_by(Case.reported_at, Case.id)))


def test_masked_workbook_matches_the_core(story, uow, runner, tmp_path, env):
    path = tmp_path / "C01-2026-11.xlsx"
    result = export(runner, path)
    assert result.exit_code == 0, result.output
    codes = month_cases(uow)
    assert len(codes) == 6  # A, B, C, D, E (merged into D), P; F is October's, G is C02's
    with uow() as tx:
        events = tx.session.scalar(select(func.count(CaseEvent.id)).join(Case).where(
            Case.code.in_(codes)))
    assert f"{len(codes)} 件事件、{events} 条记录，已脱敏" in result.output
    wb = load_workbook(path)
    assert wb.sheetnames == ["案件台账", "事件记录", "考核"]
    cases = table(wb["案件台账"])
    assert list(cases[0]) == CASE_HEADERS
    assert [r["编号"] for r in cases] == codes
    b = next(r for r in cases if r["编号"] == story["B"])
    with uow() as tx:
        core_b = get_case(tx.session, story["B"])
        assert b["上报时间"] == core_b.reported_at.replace(tzinfo=None) == datetime(2026, 11, 9, 9)
        assert b["办理时限"] == core_b.deadline.replace(tzinfo=None) == datetime(2026, 11, 12, 9)
        assert b["结案时间"] == core_b.closed_at.replace(tzinfo=None) == datetime(2026, 11, 16, 9)
        assert b["派遣时间"] == datetime(2026, 11, 9, 9)  # dispatched at once by the routing table
    assert (b["类别"], b["状态"], b["层级"], b["网格"], b["承办人"]) == (
        "物业管理", "已结案", "网格", "幸福社区第一网格", "王网格长")
    assert (b["已用工作日"], b["按时办结"], b["评价"], b["来源渠道"], b["超期"]) == (5, "否", 2, "公众号", None)
    assert b["问题描述"] == "阳光花园2栋小区绿化带无人修剪" and b["反映人"] == "居民 o***"
    e = next(r for r in cases if r["编号"] == story["E"])
    assert (e["状态"], e["合并至"], e["不予受理原因"], e["已用工作日"]) == (
        "不予受理", story["D"], "重复反映", None)
    d = next(r for r in cases if r["编号"] == story["D"])
    assert d["状态"] == "已派遣" and d["超期"] == "超期" and d["已用工作日"] == 7  # 20 Nov → 1 Dec
    p = next(r for r in cases if r["编号"] == story["P"])
    assert "138****5678" in p["问题描述"] and "张*" in p["问题描述"]
    assert p["反映人"] == "居民 o-r***ii"
    for secret in SECRETS + ("o-resident-pii",):
        assert secret not in every_cell(wb), secret
    log = table(wb["事件记录"])
    assert len(log) == events
    assert [(r["编号"], r["序号"]) for r in log][:2] == [(codes[0], 1), (codes[0], 2)]
    rate_b = next(r for r in log if r["编号"] == story["B"] and r["动作"] == "评价")
    assert rate_b["变更内容"] == "评价：2分" and rate_b["操作人"] == "居民 o***"
    verify_b = next(r for r in log if r["编号"] == story["B"] and r["动作"] == "核查结案")
    assert (verify_b["操作人"], verify_b["原状态"], verify_b["新状态"]) == ("孙书记", "已办结待核查", "已结案")
    assert verify_b["时间"] == datetime(2026, 11, 16, 9)
    with uow() as tx:
        core = ranking(tx, month_period(2026, 11), "C01")
    sheet = table(wb["考核"])
    expected = [("网格", r.rank, r.subject.key, r.score) for r in core.grids] + [
        ("网格长", r.rank, r.subject.key, r.score) for r in core.leaders]
    assert [(r["类型"], r["名次"], r["编码/账号"], r["得分"]) for r in sheet] == expected
    g02 = next(r for r in sheet if r["编码/账号"] == "G02")
    assert (g02["名次"], g02["得分"], g02["按时办结率"], g02["巡查天数"], g02["出勤率"]) == (
        1, 52.0, 1.0, 1, 0.5)


def test_layout_and_print_settings(story, runner, tmp_path):
    path = tmp_path / "ledger.xlsx"
    assert export(runner, path).exit_code == 0
    wb = load_workbook(path)
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.b for c in ws[1]), ws.title
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == "9"  # A4
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
        assert f"幸福社区 2026年11月 {'考核排名' if ws.title == '考核' else ws.title}" == \
            ws.oddHeader.center.text
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
        assert ws.oddFooter.left.text == "已脱敏"
        assert ws.auto_filter.ref.startswith("A1:")
    cases = wb["案件台账"]
    assert cases.column_dimensions["G"].width == 40  # 问题描述
    assert cases["G2"].alignment.wrap_text and cases["M2"].number_format == "yyyy-mm-dd hh:mm"
    assert wb["考核"]["H2"].number_format == "0%"  # 按时办结率


def test_unmasked_only_for_an_admin_and_recorded(story, uow, runner, tmp_path):
    path = tmp_path / "raw.xlsx"
    refused = export(runner, path, "--unmasked", "--as", "leader1")
    assert refused.exit_code != 0 and "不是平台管理员" in refused.output
    assert "Traceback" not in refused.output and not path.exists()
    unknown = export(runner, path, "--unmasked", "--as", "nobody")
    assert unknown.exit_code != 0 and "nobody 不是在册的工作人员账号" in unknown.output
    assert export(runner, path, "--unmasked").exit_code == 2
    assert export(runner, path, "--as", "admin").exit_code == 2
    with uow() as tx:
        assert tx.session.scalar(select(func.count(WorkLog.id)).where(WorkLog.kind == "export")) == 0
    done = export(runner, path, "--unmasked", "--as", "admin")
    assert done.exit_code == 0, done.output
    assert "未脱敏（已记录导出人）" in done.output
    wb = load_workbook(path)
    text = every_cell(wb)
    for secret in SECRETS + ("o-resident-pii",):
        assert secret in text, secret
    p = next(r for r in table(wb["案件台账"]) if r["编号"] == story["P"])
    assert p["问题描述"] == PII and p["反映人"] == "居民 o-resident-pii"
    assert wb["案件台账"].oddFooter.left.text == "未脱敏 内部资料 导出人：陈管理员"
    with uow() as tx:
        record = tx.session.scalar(select(WorkLog).where(WorkLog.kind == "export"))
        assert record.staff_id and record.at == t(12, 1, 9)
        assert record.text == "导出未脱敏台账 C01 2026-11（6件）→ raw.xlsx"


def test_an_empty_month_still_has_its_headers(runner, tmp_path, clock):
    path = tmp_path / "empty.xlsx"
    result = runner.invoke(args=["export", "ledger", "--community", "C02", "--month", "2026-01",
                                 "-o", str(path)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(path)
    assert [c.value for c in wb["案件台账"][1]] == CASE_HEADERS and wb["案件台账"].max_row == 1
    assert wb["事件记录"].max_row == 1
    assert [r[2] for r in wb["考核"].iter_rows(min_row=2, values_only=True)] == ["G03", "leader3"]
    assert wb["案件台账"].oddHeader.center.text == "和平社区 2026年1月 案件台账"
    usage = runner.invoke(args=["export", "ledger", "--help"])
    assert usage.exit_code == 0 and "--unmasked" in usage.output and "--as" in usage.output


@pytest.mark.parametrize("args, message", [
    (["--community", "C09", "--month", "2026-11"], "没有编码为 C09 的社区"),
    (["--community", "G01", "--month", "2026-11"], "没有编码为 G01 的社区"),
    (["--community", "C01", "--month", "2026-13"], "月份 2026-13 不存在"),
    (["--community", "C01", "--month", "11/2026"], "月份格式应为 YYYY-MM"),
    (["--community", "C01", "--month", "2026-11", "-o", "x.csv"], ".xlsx"),
])
def test_cli_errors_are_clear(runner, tmp_path, args, message):
    out = ["-o", str(tmp_path / "x.xlsx")] if "-o" not in args else []
    result = runner.invoke(args=["export", "ledger", *args, *out])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.xlsx").exists()
