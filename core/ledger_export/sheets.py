"""Sheet layout for the ledger workbook (openpyxl, write-only so rows stream to disk).

Every sheet: bold header row, frozen under it and repeated on each printed page, column
widths set, long text wrapped, A4 landscape fitted to the page width, header and footer
with the community, the month and page numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties

from core.clock import as_local

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
THIN = Side(style="thin", color="999999")
HEADER_BORDER = Border(bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
TIME_FORMAT = "yyyy-mm-dd hh:mm"
FORMATS = {"pct": "0%", "dec": "0.0"}


def add_sheet(wb: Workbook, title: str, headers: Sequence[tuple[str, float]], *, header_text: str,
              footer_left: str) -> Any:
    """A write-only sheet with its layout set and the header row written."""
    ws = wb.create_sheet(title)
    for i, (_, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddHeader.center.text = header_text
    ws.oddHeader.center.size = 12
    ws.oddFooter.left.text = footer_left
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.right.text = "&D &T"
    cells = []
    for name, _ in headers:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill, cell.alignment, cell.border = (HEADER_FONT, HEADER_FILL, HEADER_ALIGN,
                                                             HEADER_BORDER)
        cells.append(cell)
    ws.append(cells)
    return ws


class RowWriter:
    """Turns raw values into cells by column kind: wrapped text, local times, number formats.

    Styled cells are built from a style made once per kind (``Cell(style_array=…)``), so a
    large month does not register the same style again for every cell.
    """

    def __init__(self, ws: Any, kinds: Sequence[str]) -> None:
        self.ws = ws
        self.kinds = list(kinds)
        self.rows = 0
        self.styles = {"time": self._style(number_format=TIME_FORMAT),
                       "long": self._style(alignment=WRAP),
                       **{kind: self._style(number_format=f) for kind, f in FORMATS.items()}}

    def _style(self, **attributes: Any) -> StyleArray:
        cell = WriteOnlyCell(self.ws)
        for name, value in attributes.items():
            setattr(cell, name, value)
        return cell._style

    def _cell(self, kind: str, value: Any) -> Any:
        if value is None or value == "":
            return None
        if kind == "time" and isinstance(value, datetime):
            value = as_local(value).replace(tzinfo=None)
        elif kind == "text" or kind == "int" or (kind in FORMATS and not isinstance(value, float)):
            return value
        return Cell(self.ws, row=1, column=1, value=value, style_array=StyleArray(self.styles[kind]))

    def write(self, values: Iterable[Any]) -> None:
        self.ws.append([self._cell(k, v) for k, v in zip(self.kinds, values, strict=True)])
        self.rows += 1

    def finish(self) -> None:
        """Filter buttons over the header and every written row."""
        last = get_column_letter(len(self.kinds))
        self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"
