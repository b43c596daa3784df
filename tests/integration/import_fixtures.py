"""Spreadsheets as a community office keeps them, for the import tests.

红星街道 HX with five communities (the fifth a 村), eight unit grids each (40), 300 staff
and 400 addresses, written as CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

GRID_HEADER = ["编码", "名称", "层级", "上级编码", "户数"]
STAFF_HEADER = ["姓名", "角色", "网格编码", "部门", "企业微信账号", "openid", "手机"]
ADDRESS_HEADER = ["小区", "楼栋", "网格编码"]
HEADERS = {"grids": GRID_HEADER, "staff": STAFF_HEADER, "addresses": ADDRESS_HEADER}

COMMUNITIES = [("幸福", "社区"), ("和平", "社区"), ("光明", "社区"), ("建设", "社区"),
               ("振兴", "村")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞"]
DEPARTMENTS = ["城管执法", "市场监管", "住建", "环保", "水务"]
MEMBER_ROLES = ["网格员", "协管员", "信息员"]
Rows = list[list[str]]


def grid_codes() -> list[str]:
    return [f"HX-{c:02d}-{g:02d}" for c in range(1, 6) for g in range(1, 9)]


def grid_rows() -> Rows:
    rows = [["HX", "红星街道", "街道", "", ""]]
    for c, (name, level) in enumerate(COMMUNITIES, start=1):
        rows.append([f"HX-{c:02d}", f"{name}{level}", level, "HX", ""])
        for g in range(1, 9):
            rows.append([f"HX-{c:02d}-{g:02d}", f"{name}{level}第{g}网格", "网格", f"HX-{c:02d}",
                         str(200 + 37 * (c * 8 + g) % 300)])
    return rows


def _phone(i: int) -> str:
    return ["", f"139{i:08d}", f"138 {i:04d} {i:04d}", f"137-{i:04d}-{i:04d}",
            f"0755-86{i:06d}"][i % 5]


def _person(i: int, role: str, codes: str, department: str = "") -> list[str]:
    name = SURNAMES[i % 20] + GIVEN[(i // 20) % 20]
    userid, openid = f"u{i:03d}", ""
    if i % 10 == 3:  # follows the Official Account only
        userid, openid = "", f"oHX{i:05d}"
    elif i % 10 == 7:
        openid = f"oHX{i:05d}"
    return [name, role, codes, department, userid, openid, _phone(i)]


def staff_rows() -> Rows:
    codes = grid_codes()
    rows: Rows = []
    for code in codes:  # 40 leaders and 200 members
        rows.append(_person(len(rows), "网格长", code))
        for k in range(5):
            rows.append(_person(len(rows), MEMBER_ROLES[k % 3], code))
    for c in range(1, 6):
        rows.append(_person(len(rows), "网格管理者", f"HX-{c:02d}"))
    for s, sep in enumerate(["、", "；", ";", "、"] * 2 + ["、", "；"]):  # 10 supervisors
        rows.append(_person(len(rows), "督导员", sep.join(codes[4 * s:4 * s + 4])))
    for _ in range(20):
        rows.append(_person(len(rows), "中心", "HX"))
    for d in range(20):
        rows.append(_person(len(rows), "部门", "HX", DEPARTMENTS[d % 5]))
    for _ in range(5):
        rows.append(_person(len(rows), "管理员", ""))
    return rows


def address_rows() -> Rows:
    rows: Rows = []
    for n, code in enumerate(grid_codes()):
        name = COMMUNITIES[n // 8][0]
        estate = f"{name}花园{n % 8 + 1}期"
        rows.extend([estate, f"{b}栋", code] for b in range(1, 10))
        rows.append([f"{name}小区{n % 8 + 1}号院", "", code])
    return rows


def town() -> dict[str, Rows]:
    """The three tables of 红星街道: 46 grids, 300 staff, 400 addresses."""
    return {"grids": grid_rows(), "staff": staff_rows(), "addresses": address_rows()}


def write(path: Path, header: Sequence[str], rows: Sequence[Sequence[str] | None],
          fmt: str = "utf-8") -> Path:
    """Write a table as CSV in encoding ``fmt`` or, for ``fmt="xlsx"``, as an Excel file.

    ``None`` rows become completely empty rows. In XLSX, digit-only cells are numbers, as
    when a clerk types them into Excel.
    """
    if fmt == "xlsx":
        path = path.with_suffix(".xlsx")
        book = Workbook()
        sheet = book.active
        sheet.title = "导入"
        sheet.append(list(header))
        for row in rows:
            if row is None:
                sheet.append([])
                continue
            sheet.append([int(v) if v and v.isdigit() and not v.startswith("0") else v
                          for v in row])
        book.create_sheet("说明").append(["这张表不导入"])
        book.save(path)
        return path
    with path.open("w", encoding=fmt, newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        for row in rows:
            out.writerow([] if row is None else row)
    return path


def write_town(folder: Path, fmt: str = "utf-8", tables: dict[str, Rows] | None = None
               ) -> dict[str, Path]:
    """All three tables of the town (or ``tables``) in ``folder``."""
    tables = tables or town()
    folder.mkdir(parents=True, exist_ok=True)
    return {kind: write(folder / f"{kind}.csv", HEADERS[kind], rows, fmt)
            for kind, rows in tables.items()}
