"""台账导出: one community's month as an Excel workbook (制度7: 一个网格一本台账).

Sheets: 案件台账 (every case reported in the month, every field, Chinese headers),
事件记录 (the ledger events of those cases) and 考核 (the month's ranking of grids and
grid leaders, core.assessment). Resident data is masked unless an admin asks for the
unmasked workbook; that export is recorded as the admin's work record (kind ``export``)
and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import BinaryIO

from openpyxl import Workbook
from sqlalchemy import select

from core.assessment import Period, ranking
from core.assessment.table import SHEET_COLUMNS
from core.errors import Forbidden
from core.inbound import WorkLog
from core.ledger_export import rows
from core.ledger_export.columns import CASE_COLUMNS, EVENT_COLUMNS, Context
from core.ledger_export.sheets import RowWriter, add_sheet
from core.registry.lookup import subtree
from core.registry.models import Role, Staff
from core.stats_page import find_community
from core.uow import UnitOfWork

log = logging.getLogger(__name__)
ASSESSMENT_WIDTHS = {"类型": 7, "名次": 5, "编码/账号": 11, "名称": 16, "网格长/负责网格": 18,
                     "提示": 16}


@dataclass(frozen=True)
class LedgerExport:
    """What was written: the file's name, the counts, whether it was masked."""

    name: str
    community: str
    period: Period
    cases: int
    events: int
    masked: bool


def _admin(uow: UnitOfWork, username: str | None) -> Staff:
    """The active admin named by ``--as`` (WeCom userid), or a refusal saying why."""
    if not username:
        raise Forbidden("未脱敏导出须用 --as 指定一名平台管理员账号")
    person = uow.session.scalar(select(Staff).where(Staff.wecom_userid == username.strip()))
    if person is None or not person.active:
        raise Forbidden(f"{username} 不是在册的工作人员账号，不能导出未脱敏台账")
    if person.role != Role.ADMIN:
        raise Forbidden(f"{person.name}（{username}）不是平台管理员，不能导出未脱敏台账")
    return person


def export_ledger(uow: UnitOfWork, community: str, period: Period, out: BinaryIO, name: str, *,
                  unmasked_as: str | None = None) -> LedgerExport:
    """Write the ledger workbook of ``community`` for ``period`` (a month) to the stream
    ``out``; ``name`` is the file it will be kept as (for the unmasked export's record).
    No file is touched here: the caller decides where the bytes go."""
    unit = find_community(uow, community.strip())
    admin = _admin(uow, unmasked_as) if unmasked_as is not None else None
    ids = sorted(subtree(uow.session, [unit.id]))
    where = rows.month_filter(ids, period.start, period.end)
    ctx = Context(now=uow.now(), calendar=uow.env.calendar,
                  mask=uow.env.mask if admin is None else str, masked=admin is None,
                  grids=rows.grid_names(uow, ids), staff=rows.staff_names(uow),
                  dispatched=rows.dispatched_at(uow, where), merged=rows.merged_codes(uow, where))
    title = f"{unit.name} {period.label}"
    note = "已脱敏" if admin is None else f"未脱敏 内部资料 导出人：{admin.name}"
    wb = Workbook(write_only=True)
    counts = []
    for sheet, columns, source in (("案件台账", CASE_COLUMNS, rows.case_rows),
                                   ("事件记录", EVENT_COLUMNS, rows.event_rows)):
        ws = add_sheet(wb, sheet, [(c.header, c.width) for c in columns],
                       header_text=f"{title} {sheet}", footer_left=note)
        writer = RowWriter(ws, [c.kind for c in columns])
        for row in source(uow, where):
            writer.write(c.value(row, ctx) for c in columns)
        writer.finish()
        counts.append(writer.rows)
    result = ranking(uow, period, unit.code)
    ws = add_sheet(wb, "考核", [(c.header, ASSESSMENT_WIDTHS.get(c.header, 9)) for c in SHEET_COLUMNS],
                   header_text=f"{title} 考核排名", footer_left=note)
    writer = RowWriter(ws, [c.kind for c in SHEET_COLUMNS])
    for line in [*result.grids, *result.leaders]:
        writer.write(c.value(line) for c in SHEET_COLUMNS)
    writer.finish()
    wb.save(out)
    if admin is not None:
        _record_unmasked(uow, admin, unit.code, period, name, counts[0])
    return LedgerExport(name, unit.code, period, counts[0], counts[1], admin is None)


def _record_unmasked(uow: UnitOfWork, admin: Staff, community: str, period: Period, name: str,
                     cases: int) -> None:
    """The unmasked export leaves a trace: a work record of the admin, and a log line."""
    text = f"导出未脱敏台账 {community} {period.key}（{cases}件）→ {name}"
    uow.session.add(WorkLog(staff_id=admin.id, kind="export", text=text, at=uow.now()))
    log.warning("unmasked ledger export by %s: community %s, month %s, %d cases, file %s",
                admin.wecom_userid, community, period.key, cases, name)
