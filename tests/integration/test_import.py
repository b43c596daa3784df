"""``flask import``: grids, staff and addresses from the spreadsheets of a community office."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.registry.import_staff import normalise_phone
from core.registry.importer import Kind, import_file
from core.registry.models import Address, Grid, Staff, StaffGrid
from tests.integration.import_fixtures import (
    ADDRESS_HEADER,
    GRID_HEADER,
    STAFF_HEADER,
    address_rows,
    grid_rows,
    staff_rows,
    town,
    write,
    write_town,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
FORMATS = ["utf-8", "utf-8-sig", "gbk", "xlsx"]


def run(runner, *paths: Path | str):
    return runner.invoke(args=["import", *(str(p) for p in paths)])


def bad_lines(result, path: Path) -> dict[int, str]:
    """``{N: reason}`` for every ``FILE 第N行: reason`` line printed for ``path``."""
    found = {}
    for line in result.stderr.splitlines():
        match = re.fullmatch(rf"{re.escape(str(path))} 第(\d+)行: (.*)", line)
        if match:
            found[int(match[1])] = match[2]
    return found


def snapshot(uow) -> dict[str, list[tuple]]:
    """Everything the import writes, by key, so two states can be compared."""
    with uow() as tx:
        s = tx.session
        return {
            "grids": sorted((g.code, g.name, g.level, g.parent.code if g.parent else "",
                             g.households) for g in s.scalars(select(Grid))),
            "staff": sorted((p.wecom_userid or "", p.openid or "", p.name, p.role, p.department,
                             p.phone, tuple(g.code for g in p.grids))
                            for p in s.scalars(select(Staff))),
            "addresses": sorted((a.estate, a.building, a.grid.code)
                                for a in s.scalars(select(Address))),
        }


def count(uow, model) -> int:
    with uow() as tx:
        return tx.session.scalar(select(func.count()).select_from(model))


def staff_by(uow, userid: str = "", openid: str = "") -> Staff:
    with uow() as tx:
        column, key = (Staff.wecom_userid, userid) if userid else (Staff.openid, openid)
        return tx.session.scalars(select(Staff).where(column == key)).one()


def assert_refused(result, path: Path, expected: dict[int, str]) -> None:
    assert result.exit_code != 0
    found = bad_lines(result, path)
    assert sorted(found) == sorted(expected), result.stderr
    for line, words in expected.items():
        assert words in found[line], (line, found[line])
    assert f"{path}: 有错误，整个文件未导入" in result.stderr


# --- good files -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_town_imports_in_every_format(runner, uow, tmp_path: Path, fmt: str) -> None:
    paths = write_town(tmp_path, fmt)
    result = run(runner, paths["grids"], paths["staff"], paths["addresses"])
    assert result.exit_code == 0, result.output
    assert f"{paths['grids']}: 新增 46，更新 0，未变 0" in result.stdout
    assert f"{paths['staff']}: 新增 300，更新 0，未变 0" in result.stdout
    assert f"{paths['addresses']}: 新增 400，更新 0，未变 0" in result.stdout
    assert (count(uow, Grid), count(uow, Staff), count(uow, Address)) == (46, 300, 400)
    assert count(uow, StaffGrid) == 240 + 5 + 10 * 4 + 20 + 20
    state = snapshot(uow)
    assert ("HX-05", "振兴村", "community", "HX", None) in state["grids"]
    assert ("HX-01-01", "幸福社区第1网格", "grid", "HX-01", int(grid_rows()[2][4])) in state["grids"]
    assert staff_by(uow, "u001").role == "member"  # 网格员
    assert staff_by(uow, "u002").role == "member"  # 协管员
    assert staff_by(uow, "u002").phone == "13800020002"  # "138 0002 0002"
    assert staff_by(uow, "u004").phone == "0755-86000004"
    assert staff_by(uow, openid="oHX00003").wecom_userid is None
    assert [g.code for g in staff_by(uow, "u245").grids] == [
        "HX-01-01", "HX-01-02", "HX-01-03", "HX-01-04"]  # 督导员, 一员多格
    assert staff_by(uow, "u280").department == "城管执法"
    assert staff_by(uow, "u299").grids == []  # 管理员


@pytest.mark.parametrize("fmt", ["utf-8-sig", "xlsx"])
def test_reimport_changes_nothing(runner, uow, tmp_path: Path, fmt: str) -> None:
    paths = write_town(tmp_path, fmt)
    assert run(runner, *paths.values()).exit_code == 0
    before = snapshot(uow)
    again = run(runner, *paths.values())
    assert again.exit_code == 0, again.output
    assert "新增 0，更新 0，未变 46" in again.stdout
    assert "新增 0，更新 0，未变 300" in again.stdout
    assert "新增 0，更新 0，未变 400" in again.stdout
    other = write_town(tmp_path / "other", "gbk" if fmt == "xlsx" else "xlsx")
    assert "新增 0，更新 0，未变 300" in run(runner, *other.values()).stdout
    assert snapshot(uow) == before


def test_reimport_updates_changed_rows_by_key(runner, uow, tmp_path: Path) -> None:
    tables = town()
    assert run(runner, *write_town(tmp_path / "v1", tables=tables).values()).exit_code == 0
    before = snapshot(uow)
    grids, staff, addresses = tables["grids"], tables["staff"], tables["addresses"]
    grids[2][1] = "幸福社区第一网格"  # HX-01-01 renamed
    grids[9][3] = "HX-02"  # HX-01-08 moves to 和平社区
    grids.insert(0, ["HX-05-09", "振兴村第9网格", "网格", "HX-05", "120"])  # new, parent later
    staff[0][6] = "13911112222"  # u000's phone
    staff[1][1:3] = ["网格管理者", "HX-01"]  # u001: 网格员 → 网格管理者
    staff[245][2] = "HX-01-05"  # u245, 督导员: four grids → one
    addresses[0][2] = "HX-01-02"  # 幸福花园1期 1栋 moves
    result = run(runner, *write_town(tmp_path / "v2", tables=tables).values())
    assert result.exit_code == 0, result.output
    assert "grids.csv: 新增 1，更新 2，未变 44" in result.stdout
    assert "staff.csv: 新增 0，更新 3，未变 297" in result.stdout
    assert "addresses.csv: 新增 0，更新 1，未变 399" in result.stdout
    after = snapshot(uow)
    changed = {kind: set(after[kind]) - set(before[kind]) for kind in after}
    gone = {kind: set(before[kind]) - set(after[kind]) for kind in after}
    assert {row[0] for row in changed["grids"]} == {"HX-01-01", "HX-01-08", "HX-05-09"}
    assert {row[0] for row in gone["grids"]} == {"HX-01-01", "HX-01-08"}
    assert {row[0] for row in changed["staff"]} == {"u000", "u001", "u245"}
    assert {row[0] for row in gone["staff"]} == {"u000", "u001", "u245"}
    assert changed["addresses"] == {("幸福花园1期", "1栋", "HX-01-02")}
    assert staff_by(uow, "u001").role == "manager"
    assert [g.code for g in staff_by(uow, "u001").grids] == ["HX-01"]
    assert [g.code for g in staff_by(uow, "u245").grids] == ["HX-01-05"]
    with uow() as tx:
        moved = tx.session.scalars(select(Grid).where(Grid.code == "HX-01-08")).one()
        assert moved.parent.code == "HX-02"


def test_rows_not_in_the_file_stay(runner, uow, tmp_path: Path) -> None:
    assert run(runner, *write_town(tmp_path).values()).exit_code == 0
    few = write(tmp_path / "few.csv", STAFF_HEADER, staff_rows()[:3])
    result = run(runner, few)
    assert result.exit_code == 0
    assert "新增 0，更新 0，未变 3" in result.stdout
    assert count(uow, Staff) == 300


def test_children_before_parents_and_files_in_the_wrong_order(runner, uow, tmp_path) -> None:
    tables = town()
    tables["grids"].reverse()  # grids first, then communities, the town last
    paths = write_town(tmp_path, "gbk", tables)
    result = run(runner, paths["addresses"], paths["staff"], paths["grids"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        str(paths["grids"]), str(paths["staff"]), str(paths["addresses"])]
    assert (count(uow, Grid), count(uow, Staff), count(uow, Address)) == (46, 300, 400)


def test_unicode_text_saved_by_excel(runner, uow, tmp_path: Path) -> None:
    """Excel's "Unicode 文本 (*.txt)": UTF-16 with tabs."""
    path = tmp_path / "网格.txt"
    lines = ["\t".join(row) for row in [GRID_HEADER, *grid_rows()]]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-16")
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "新增 46，更新 0，未变 0" in result.stdout


def test_supervisor_with_several_grids(runner, uow, tmp_path: Path) -> None:
    grids = write(tmp_path / "grids.csv", GRID_HEADER, grid_rows())
    staff = write(tmp_path / "staff.csv", STAFF_HEADER, [
        ["吴督导", "督导员", "HX-01-01、HX-02；HX-03-01;HX-04 ；HX-01-01", "", "wu", "", ""],
        ["郑督导", "督导员", "HX", "", "zheng", "", ""],
    ])
    result = run(runner, staff, grids)
    assert result.exit_code == 0, result.output
    assert [g.code for g in staff_by(uow, "wu").grids] == ["HX-01-01", "HX-02", "HX-03-01",
                                                          "HX-04"]
    assert [g.code for g in staff_by(uow, "zheng").grids] == ["HX"]


@pytest.mark.usefixtures("town")
def test_grids_and_staff_build_on_what_the_database_has(runner, uow, tmp_path: Path) -> None:
    grids = write(tmp_path / "grids.csv", GRID_HEADER, [
        ["G04", "幸福社区第三网格", "网格", "C01", "260"],  # parent only in the database
        ["G03", "和平社区第一网格", "网格", "C01", "350"],  # moves from C02 to C01
    ])
    staff = write(tmp_path / "staff.csv", STAFF_HEADER, [
        ["王网格长", "督导员", "G01、G04", "", "leader1", "", "13800000000"],  # role changes
        ["新网格员", "网格员", "G04", "", "", "oNEW1", ""],
    ])
    result = run(runner, staff, grids)
    assert result.exit_code == 0, result.output
    assert "grids.csv: 新增 1，更新 1，未变 0" in result.stdout
    assert "staff.csv: 新增 1，更新 1，未变 0" in result.stdout
    leader = staff_by(uow, "leader1")
    assert (leader.role, [g.code for g in leader.grids]) == ("supervisor", ["G01", "G04"])
    assert count(uow, Staff) == 11


def test_staff_keyed_by_openid_then_given_a_wecom_account(runner, uow, tmp_path) -> None:
    grids = write(tmp_path / "grids.csv", GRID_HEADER, grid_rows())
    first = write(tmp_path / "a.csv", STAFF_HEADER, [["刘芳", "协管员", "HX-01-01", "", "", "oLF", ""]])
    assert run(runner, grids, first).exit_code == 0
    second = write(tmp_path / "b.csv", STAFF_HEADER,
                   [["刘芳", "协管员", "HX-01-01", "", "liufang", "oLF", ""]])
    result = run(runner, second)
    assert "新增 0，更新 1，未变 0" in result.stdout
    assert staff_by(uow, "liufang").openid == "oLF"
    assert count(uow, Staff) == 1


# --- bad files --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["utf-8", "gbk", "xlsx"])
def test_bad_grid_rows_refuse_the_whole_file(runner, uow, tmp_path: Path, fmt: str) -> None:
    bad = [
        ["HX-09", "胜利社区", "小区", "HX", ""],
        ["HX-01-09", "第9网格", "网格", "HX-99", "300"],
        ["HX-01-10", "第10网格", "网格", "HX", "300"],
        ["HX-06", "新社区", "社区", "HX-01", ""],
        ["HX2", "另一街道", "镇", "HX", ""],
        ["HX-01-11", "", "网格", "HX-01", "300"],
        ["HX-01-01", "重复的网格", "网格", "HX-01", "300"],
        ["HX-01-12", "负户数", "网格", "HX-01", "-5"],
        ["HX-01-13", "户数不是数", "网格", "HX-01", "三百"],
        ["HX-03-09", "没有上级", "网格", "", ""],
        ["", "没有编码", "网格", "HX-01", ""],
    ]
    path = write(tmp_path / "grids.csv", GRID_HEADER, [*grid_rows(), None, *bad], fmt)
    result = run(runner, path)
    assert_refused(result, path, {
        49: "「层级」应为 街道（镇）、社区（村）或 网格，而不是「小区」",
        50: "上级编码「HX-99」不存在",
        51: "上级「HX」是街道，网格的上级应为社区",
        52: "上级「HX-01」是社区，社区的上级应为街道",
        53: "「上级编码」应留空",
        54: "「名称」不能为空",
        55: "编码「HX-01-01」与第4行重复",
        56: "「户数」应为不小于0的整数",
        57: "「户数」应为不小于0的整数，而不是「三百」",
        58: "网格须填写「上级编码」",
        59: "「编码」不能为空",
    })
    assert count(uow, Grid) == 0
    assert result.stdout == ""


@pytest.mark.parametrize("fmt", ["utf-8", "gbk", "xlsx"])
def test_bad_staff_rows_refuse_the_whole_file(runner, uow, tmp_path: Path, fmt: str) -> None:
    assert run(runner, *write_town(tmp_path, fmt).values()).exit_code == 0
    before = snapshot(uow)
    rows = staff_rows()
    rows[0][6] = "13911112222"  # a good change, which must not land either
    rows.append(None)
    rows.extend([
        ["甲", "保安", "HX-01-01", "", "bad01", "", ""],
        ["乙", "网格员", "HX-77-01", "", "bad02", "", ""],
        ["丙", "网格长", "HX-01", "", "bad03", "", ""],
        ["丁", "网格管理者", "HX-01-01", "", "bad04", "", ""],
        ["戊", "中心", "HX-02", "", "bad05", "", ""],
        ["己", "部门", "HX", "", "bad06", "", ""],
        ["庚", "网格员", "HX-01-01", "", "", "", ""],
        ["辛", "网格员", "HX-01-01", "", "bad08", "", "1380013800"],
        ["壬", "网格员", "HX-01-01", "", "bad09", "", "12345678901"],
        ["癸", "网格员", "HX-01-01", "", "u000", "", ""],
        ["子", "网格员", "HX-01-01、HX-01-02", "", "bad11", "", ""],
        ["丑", "", "HX-01-01", "", "bad12", "", ""],
        ["", "网格员", "HX-01-01", "", "bad13", "", ""],
        ["寅", "网格长", "", "", "bad14", "", ""],
        ["卯", "网格员", "HX-01-01", "", "bad15", "oHX00007", ""],
        ["辰", "督导员", "HX-01、HX-88", "", "bad16", "", ""],
        ["巳", "网格员", "HX-01-01", "", "bad17", "", "0755-123"],
    ])
    path = write(tmp_path / "staff2.csv", STAFF_HEADER, rows, fmt)
    result = run(runner, path)
    assert_refused(result, path, {
        303: "「角色」应为 网格员、协管员、信息员、网格长、网格管理者、督导员、中心、部门、管理员 之一",
        304: "网格编码「HX-77-01」不存在",
        305: "网格长须挂在网格一级，「HX-01」是社区",
        306: "网格管理者须挂在社区一级，「HX-01-01」是网格",
        307: "中心须挂在街道一级，「HX-02」是社区",
        308: "角色为部门时须填写「部门」",
        309: "「企业微信账号」和「openid」至少要填一个",
        310: "「手机」格式不对：「1380013800」",
        311: "「手机」格式不对",
        312: "企业微信账号「u000」与第2行重复",
        313: "只有督导员可以填写多个网格编码",
        314: "「角色」不能为空",
        315: "「姓名」不能为空",
        316: "「网格编码」不能为空",
        317: "openid「oHX00007」与第9行重复",
        318: "网格编码「HX-88」不存在",
        319: "「手机」格式不对：「0755-123」",
    })
    assert snapshot(uow) == before


def test_bad_address_rows_refuse_the_whole_file(runner, uow, tmp_path: Path) -> None:
    assert run(runner, *write_town(tmp_path).values()).exit_code == 0
    before = snapshot(uow)
    rows = address_rows()
    rows[0][2] = "HX-01-02"
    rows.extend([
        ["", "1栋", "HX-01-01"],
        ["新小区", "1栋", "HX-99-01"],
        ["新小区", "2栋", "HX-01"],
        ["幸福花园1期", "1栋", "HX-01-03"],
        ["幸福小区1号院", "", "HX-01-03"],
        ["新小区", "3栋", ""],
        ["新小区", "4栋", "HX-01-01", "多余的一列"],
    ])
    path = write(tmp_path / "addresses2.csv", ADDRESS_HEADER, rows, "gbk")
    result = run(runner, path)
    assert_refused(result, path, {
        402: "「小区」不能为空",
        403: "网格编码「HX-99-01」不存在",
        404: "地址须分到网格一级，「HX-01」是社区",
        405: "小区「幸福花园1期」楼栋「1栋」与第2行重复",
        406: "小区「幸福小区1号院」（整个小区）与第11行重复",
        407: "「网格编码」不能为空",
        408: "第 4 列起不应有内容",
    })
    assert snapshot(uow) == before


def test_level_change_that_strands_the_database_is_refused(runner, uow, tmp_path) -> None:
    assert run(runner, *write_town(tmp_path).values()).exit_code == 0
    before = snapshot(uow)
    path = write(tmp_path / "grids2.csv", GRID_HEADER, [
        ["HX-01-01", "幸福社区第1网格", "社区", "HX", ""],
        ["HX-02", "和平社区", "网格", "HX-01", ""],
    ])
    result = run(runner, path)
    found = bad_lines(result, path)
    assert result.exit_code == 1
    assert sorted(found) == [2, 3]
    assert "不能改为社区：有 10 个地址分在此网格" in found[2]
    assert "不能改为社区：1 名网格长（王伟）须挂在网格一级" in found[2]
    assert "不能改为社区：5 名网格员（" in found[2]
    assert "数据库里的下级 HX-02-01、HX-02-02、HX-02-03、HX-02-04、HX-02-05 等 8 个" in found[3]
    assert "1 名网格管理者（" in found[3]
    assert snapshot(uow) == before


def test_one_bad_file_does_not_stop_the_others(runner, uow, tmp_path: Path) -> None:
    paths = write_town(tmp_path)
    rows = staff_rows()
    rows[10][1] = "组长"
    bad = write(tmp_path / "staff_bad.csv", STAFF_HEADER, rows)
    result = run(runner, paths["addresses"], bad, paths["grids"])
    assert result.exit_code == 1
    assert bad_lines(result, bad).keys() == {12}
    assert "新增 46" in result.stdout and "新增 400" in result.stdout
    assert "1 个文件有错误" in result.stderr
    assert (count(uow, Grid), count(uow, Staff), count(uow, Address)) == (46, 0, 400)


@pytest.mark.parametrize(("first_rows", "words"), [
    ([["编码", "名称", "层级", "上级", "户数"]], "无法识别的表头「编码,名称,层级,上级,户数」"),
    ([["名称", "编码", "层级", "上级编码", "户数"]], "网格表的列顺序不对"),
    ([["红星街道网格一览表"], GRID_HEADER], "网格表的表头在第2行"),
    ([None, GRID_HEADER], "网格表的表头在第2行"),
])
def test_unknown_header(runner, uow, tmp_path: Path, first_rows, words: str) -> None:
    path = tmp_path / "grids.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        for row in [*first_rows, *grid_rows()]:
            out.writerow(row or [])
    result = run(runner, path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path} 第1行: ")
    assert words in result.stderr
    assert count(uow, Grid) == 0


def test_unknown_header_names_the_expected_ones(runner, tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", ["序号", "姓名", "电话"], [["1", "王伟", "13800138000"]])
    result = run(runner, path)
    assert result.exit_code == 1
    for header in (GRID_HEADER, STAFF_HEADER, ADDRESS_HEADER):
        assert ",".join(header) in result.stderr


def test_unreadable_files(runner, tmp_path: Path) -> None:
    (tmp_path / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "fake.xlsx").write_text("编码,名称\n", encoding="utf-8")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04broken")
    (tmp_path / "latin.csv").write_bytes("小区,楼栋,网格编码\n".encode() + b"\xff\x80,\xff\n")
    (tmp_path / "folder").mkdir()
    expected = {"missing.csv": "文件不存在", "binary.csv": "不是表格文件",
                "old.xls": "旧版 Excel", "empty.csv": "文件是空的", "fake.xlsx": "不是 Excel",
                "broken.xlsx": "不是有效的 XLSX", "latin.csv": "无法识别文件编码",
                "folder": "目录"}
    result = run(runner, *(tmp_path / name for name in expected))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    for name, words in expected.items():
        said = [line for line in lines if line.startswith(f"{tmp_path / name}: ")]
        assert words in said[0], (name, said)
        assert "整个文件未导入" in said[1]
    assert result.stdout == ""


def test_import_needs_a_file(runner) -> None:
    assert run(runner).exit_code == 2


def test_a_cell_spanning_lines_is_one_row(runner, uow, tmp_path: Path) -> None:
    """Row numbers follow Excel: a quoted CSV cell with a line break stays one row."""
    path = write(tmp_path / "grids.csv", GRID_HEADER, [
        ["HX", "红星街道\n（原红星镇）", "街道", "", ""],
        ["HX-01", "幸福社区", "社区", "HX-99", ""],
    ])
    result = run(runner, path)
    assert bad_lines(result, path).keys() == {3}


def test_import_file_in_a_unit_of_work(uow, tmp_path: Path) -> None:
    paths = write_town(tmp_path, "xlsx")
    with uow() as tx:
        grids = import_file(tx, str(paths["grids"]))
    assert (grids.kind, grids.created, grids.updated, grids.unchanged, grids.errors) == (
        Kind.GRIDS, 46, 0, 0, [])
    with uow() as tx:
        bad = import_file(tx, str(tmp_path / "none.csv"))
    assert bad.kind is None and not bad.ok and "文件不存在" in bad.errors[0]
    assert count(uow, Grid) == 46


# --- the documented examples ------------------------------------------------------------


def _as_xlsx(source: Path, target: Path) -> Path:
    book = Workbook()
    with source.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f):
            book.active.append(row)
    book.save(target)
    return target


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_documented_examples_import_cleanly(runner, uow, tmp_path: Path, fmt: str) -> None:
    files = [EXAMPLES / f"{kind}.csv" for kind in ("addresses", "staff", "grids")]
    if fmt == "xlsx":
        files = [_as_xlsx(f, tmp_path / f"{f.stem}.xlsx") for f in files]
    result = run(runner, *files)
    assert result.exit_code == 0, result.output
    assert "新增 7，更新 0，未变 0" in result.stdout
    assert "新增 14，更新 0，未变 0" in result.stdout
    assert "新增 9，更新 0，未变 0" in result.stdout
    again = run(runner, *(EXAMPLES / f"{kind}.csv" for kind in ("grids", "staff", "addresses")))
    assert "更新 0" in again.stdout and "新增 0，更新 0，未变 14" in again.stdout


@pytest.mark.parametrize(("raw", "normal"), [
    ("13800138000", "13800138000"), ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"), ("+86 138 0013 8000", "13800138000"),
    ("0755-86001234", "0755-86001234"), ("0755 8600 1234", "0755-86001234"),
    ("(0755)86001234", "0755-86001234"), ("075586001234", "0755-86001234"),
    ("010-6512345", "010-6512345"), ("02112345678", "021-12345678"),
    ("12800138000", None), ("1380013800", None), ("0755-123", None), ("电话13800138000", None),
    ("86001234", None), ("0755-860012345", None),
    ("１３８００１３８０００", "13800138000"), ("（0755）８６００１２３４", "0755-86001234"),
])
def test_phone_numbers(raw: str, normal: str | None) -> None:
    assert normalise_phone(raw) == normal
