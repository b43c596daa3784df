"""Reading the spreadsheets community offices keep (表格读取): CSV or XLSX, row by row.

CSV may be UTF-8 (with or without BOM) or GBK/GB18030, as Excel on Chinese Windows saves
it; Excel's tab-separated UTF-16 "Unicode 文本" is read too. XLSX is read from its first
sheet. Rows keep the numbers a person sees in Excel: the header is 第1行, a CSV record
whose quoted cell spans lines is still one row, and completely empty rows are skipped
without renumbering the rest.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

_STRIP = " \t\r\n\u3000\xa0\ufeff\u200b"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (Excel 97-2003)


class TableError(Exception):
    """The file cannot be read as a table (无法读取): missing, binary, bad encoding, …"""


@dataclass(frozen=True)
class Row:
    """One non-empty row (行) as stripped texts, numbered as in the file."""

    line: int
    values: tuple[str, ...]


def clean(value: object) -> str:
    """A cell as text: numbers without a spurious ``.0``, whitespace and BOM stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    return str(value).strip(_STRIP)


def _rows(cells: Iterable[Iterable[object]]) -> Iterator[Row]:
    for line, raw in enumerate(cells, start=1):
        values = [clean(v) for v in raw]
        while values and not values[-1]:
            values.pop()
        if values:
            yield Row(line, tuple(values))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode 文本"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TableError("无法识别文件编码：UTF-16 内容有误") from exc
    if b"\x00" in data:
        raise TableError("不是表格文件（CSV 或 XLSX）：含有二进制内容")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV")


def _read_csv(data: bytes) -> list[Row]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        return list(_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as exc:
        raise TableError(f"CSV 格式有误：{exc}") from exc


def _read_xlsx(path: Path) -> list[Row]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
            try:
                if not book.worksheets:
                    raise TableError("XLSX 文件里没有工作表")
                sheet = book.worksheets[0]
                sheet.reset_dimensions()
                return list(_rows(sheet.iter_rows(values_only=True)))
            finally:
                book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise TableError(f"不是有效的 XLSX 文件（{type(exc).__name__}）") from exc


def read_table(path: str | Path) -> tuple[list[str], list[Row]]:
    """The header row (第1行; empty if that row is) and the non-empty rows below it.

    Raises :class:`TableError` when the file is missing, empty or not a spreadsheet.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TableError("文件不存在") from exc
    except IsADirectoryError as exc:
        raise TableError("这是一个目录，不是文件") from exc
    except OSError as exc:
        raise TableError(f"无法读取文件：{exc.strerror or exc}") from exc
    if data.startswith(_OLE_MAGIC):
        raise TableError("这是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 或 CSV")
    if data.startswith(_ZIP_MAGIC):
        rows = _read_xlsx(path)
    elif path.suffix.lower() in {".xlsx", ".xlsm"}:
        raise TableError("扩展名是 .xlsx，但内容不是 Excel 文件")
    else:
        rows = _read_csv(data)
    if not rows:
        raise TableError("文件是空的，没有表头")
    if rows[0].line != 1:
        return [], rows
    return list(rows[0].values), rows[1:]
