"""``flask import FILE…``: grids, staff and addresses from CSV or XLSX (表格导入, SPEC §2)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from bot.app import runtime
from core.registry.importer import ImportResult, Table, import_table, in_order, load


def _run(table: Table) -> ImportResult:
    try:
        with runtime().uow() as uow:
            return import_table(uow, table)
    except SQLAlchemyError as exc:
        return ImportResult(table.name, table.kind,
                            errors=[f"{table.name}: 数据库出错，整个文件未导入（{exc}）"])


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@with_appcontext
def import_command(files: tuple[str, ...]) -> None:
    """导入网格表、人员表、地址表（CSV 或 XLSX 的第一个工作表）。

    按表头（第1行）识别表的种类；网格表先导入，然后人员表，最后地址表。
    每个文件逐行检查：有一行不对，整个文件都不导入，并列出每一个错行（第N行）。
    再次导入同一文件按编码、企业微信账号/openid、小区+楼栋更新，不会重复。
    """
    refused = 0
    for table in in_order(load(path) for path in files):
        result = _run(table)
        if result.ok:
            click.echo(result.summary())
            continue
        refused += 1
        for message in result.errors:
            click.echo(message, err=True)
        click.echo(result.summary(), err=True)
    if refused:
        click.echo(f"{refused} 个文件有错误，未导入；请改正后重新导入这些文件。", err=True)
        raise SystemExit(1)
