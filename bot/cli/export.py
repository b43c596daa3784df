"""``flask export ledger``: a community's month as an Excel ledger (台账), see docs/ledger.md."""

from __future__ import annotations

import io
from pathlib import Path

import click
from flask.cli import with_appcontext

from bot.app import runtime
from core.assessment import current_month, parse_month
from core.errors import Forbidden, InvalidInput, NotFound
from core.ledger_export import export_ledger


@click.group("export")
def export_group() -> None:
    """导出台账等文件。"""


@export_group.command("ledger")
@click.option("--community", "code", required=True, metavar="CODE", help="社区编码，如 C01")
@click.option("--month", metavar="YYYY-MM", help="月份，如 2026-11（默认本月）")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="输出文件，如 C01-2026-11.xlsx")
@click.option("--unmasked", is_flag=True, help="不脱敏（仅平台管理员，须同时给出 --as）")
@click.option("--as", "as_user", metavar="USERID", help="执行导出的平台管理员企业微信账号")
@with_appcontext
def ledger_command(code: str, month: str | None, output: str, unmasked: bool,
                   as_user: str | None) -> None:
    """导出某社区某月的台账（案件台账、事件记录、考核三张表）。默认对居民信息脱敏。"""
    if as_user and not unmasked:
        raise click.UsageError("--as 只与 --unmasked 一起使用")
    if unmasked and not as_user:
        raise click.UsageError("--unmasked 须用 --as 指定一名平台管理员账号")
    if not output.lower().endswith(".xlsx"):
        raise click.UsageError("输出文件须以 .xlsx 结尾")
    rt = runtime()
    try:
        period = parse_month(month) if month else current_month(rt.env.clock.now())
        buffer = io.BytesIO()  # no file unless the export succeeds; no record unless the file is written
        with rt.uow() as uow:
            done = export_ledger(uow, code, period, buffer, Path(output).name,
                                 unmasked_as=as_user if unmasked else None)
            Path(output).write_bytes(buffer.getvalue())
    except (InvalidInput, NotFound) as exc:
        raise click.UsageError(str(exc)) from None
    except Forbidden as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"无法写入 {output}：{exc.strerror or exc}") from None
    masked = "已脱敏" if done.masked else "未脱敏（已记录导出人）"
    click.echo(f"已导出 {done.community} {done.period.label} 台账：{done.cases} 件事件、"
               f"{done.events} 条记录，{masked} → {output}")
