"""``flask cases show CODE`` / ``flask cases list``: JSON for admins and scripts (SPEC §8)."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from bot.app import runtime
from core.cases.queries import case_dict, get_case, list_cases
from core.cases.states import Status
from core.errors import CoreError

cases_group = AppGroup("cases", help="查看事件（JSON）。")


def _print(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@cases_group.command("show")
@click.argument("code")
def show_command(code: str) -> None:
    """One case with its ledger events."""
    rt = runtime()
    with rt.uow() as uow:
        try:
            case = get_case(uow.session, code)
        except CoreError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        _print(case_dict(case, uow.now()))


@cases_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="只列此状态")
@click.option("--grid", help="网格编码（含下级网格）")
@click.option("--overdue", is_flag=True, help="只列超期未办结的事件")
@click.option("--events", is_flag=True, help="同时输出每件的台账")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1, 100000))
def list_command(status: str | None, grid: str | None, overdue: bool, events: bool,
                 limit: int) -> None:
    """Cases, newest first, as a JSON array."""
    rt = runtime()
    with rt.uow() as uow:
        try:
            rows = list_cases(uow.session, uow.now(), status=status, grid=grid, overdue=overdue,
                              limit=limit, events=events)
        except CoreError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        _print(rows)
