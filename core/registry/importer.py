"""Importing grids, staff and addresses from spreadsheets (表格导入) — SPEC §2.

The kind of a file is told by its header row (表头). Every row is checked first; a file
with any bad row imports nothing, and every bad row is named by its number (第N行). A good
file is written in the caller's unit of work (one transaction) and updates rows by key,
so importing it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.registry.import_addresses import import_addresses
from core.registry.import_grids import import_grids
from core.registry.import_staff import import_staff
from core.registry.records import Counts, Problems, Record
from core.registry.rows import Row, TableError, read_table
from core.uow import UnitOfWork


class Kind(StrEnum):
    """Which table a file holds (网格表 / 人员表 / 地址表)."""

    GRIDS = "grids"
    STAFF = "staff"
    ADDRESSES = "addresses"


HEADERS: dict[Kind, tuple[str, ...]] = {
    Kind.GRIDS: ("编码", "名称", "层级", "上级编码", "户数"),
    Kind.STAFF: ("姓名", "角色", "网格编码", "部门", "企业微信账号", "openid", "手机"),
    Kind.ADDRESSES: ("小区", "楼栋", "网格编码"),
}
KIND_LABELS = {Kind.GRIDS: "网格表", Kind.STAFF: "人员表", Kind.ADDRESSES: "地址表"}
ORDER = (Kind.GRIDS, Kind.STAFF, Kind.ADDRESSES)
Importer = Callable[[Session, list[Record], Problems], Counts | None]
IMPORTERS: dict[Kind, Importer] = {
    Kind.GRIDS: import_grids, Kind.STAFF: import_staff, Kind.ADDRESSES: import_addresses,
}


@dataclass
class Table:
    """A file read and recognised; ``errors`` when it could not be."""

    name: str
    kind: Kind | None = None
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What importing one file did (导入结果); nothing was written when ``errors``."""

    name: str
    kind: Kind | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"{self.name}: 有错误，整个文件未导入（一行也没有写入）"
        return f"{self.name}: 新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}"


def _expected() -> str:
    return "\n".join(f"  {KIND_LABELS[k]}：{','.join(HEADERS[k])}" for k in ORDER)


def kind_of(header: list[str], rows: list[Row]) -> Kind | str:
    """The kind named by the header row, or why the header is not one (表头不对)."""
    for kind, expected in HEADERS.items():
        if tuple(header) == expected:
            return kind
    for kind, expected in HEADERS.items():
        if sorted(header) == sorted(expected):
            return f"{KIND_LABELS[kind]}的列顺序不对，表头应为：{','.join(expected)}"
    for row in rows[:10]:
        for kind, expected in HEADERS.items():
            if row.values == expected:
                return (f"第1行应为表头，但{KIND_LABELS[kind]}的表头在第{row.line}行："
                        "请删除表头上面的标题行或空行")
    shown = ",".join(header) if header else "（空行）"
    return (f"无法识别的表头「{shown}」。第1行应逐字为以下之一"
            f"（XLSX 只读第一个工作表）：\n{_expected()}")


def load(path: str) -> Table:
    """Read ``path`` and tell its kind; never raises for a bad file."""
    try:
        header, rows = read_table(path)
    except TableError as exc:
        return Table(path, errors=[f"{path}: {exc}"])
    kind = kind_of(header, rows)
    if not isinstance(kind, Kind):
        return Table(path, errors=[f"{path} 第1行: {kind}"])
    return Table(path, kind, rows)


def in_order(tables: Iterable[Table]) -> list[Table]:
    """Unreadable files first, then grids, staff and addresses (上级先于下级)."""
    return sorted(tables, key=lambda t: -1 if t.kind is None else ORDER.index(t.kind))


def _records(table: Table, problems: Problems) -> list[Record]:
    assert table.kind is not None
    columns = HEADERS[table.kind]
    records = []
    for row in table.rows:
        if len(row.values) > len(columns):
            problems.add(row.line, f"表头只有 {len(columns)} 列，第 {len(columns) + 1} 列起不应有内容")
        records.append(Record(row.line, dict(zip(columns, row.values, strict=False))))
    return records


def import_table(uow: UnitOfWork, table: Table) -> ImportResult:
    """Check every row of ``table``; write it all in ``uow`` only if no row is bad.

    A refused file writes nothing (rows are checked before anything is added). Should the
    database still refuse the writes, the unit of work is rolled back.
    """
    result = ImportResult(table.name, table.kind, errors=list(table.errors))
    if table.kind is None or result.errors:
        return result
    session = uow.session
    problems = Problems()
    records = _records(table, problems)
    try:
        counts = IMPORTERS[table.kind](session, records, problems)
        if counts is not None:
            session.flush()
    except IntegrityError as exc:
        session.rollback()
        result.errors = [f"{table.name}: 数据库拒绝写入，整个文件未导入（{exc.orig}）"]
        return result
    if counts is None:
        result.errors = problems.messages(table.name)
        return result
    result.created, result.updated, result.unchanged = (
        counts.created, counts.updated, counts.unchanged)
    return result


def import_file(uow: UnitOfWork, path: str) -> ImportResult:
    """Import one file (CSV or XLSX) in ``uow``; see :func:`import_table`."""
    return import_table(uow, load(path))
