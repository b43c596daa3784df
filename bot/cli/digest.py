"""``flask digest``: the leaders' daily digest (领导日报) of any day, or the 考核 ranking.

``--date D --community C`` prints the text the 17:30 job sends, with figures taken at the
digest time of that day. ``--ranking [--month M | --quarter Q] [--community C]`` prints the
ranking of unit grids and grid leaders (core.assessment, docs/ledger.md).
"""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from bot.app import runtime
from core.assessment import current_month, parse_month, parse_quarter, ranking
from core.assessment.table import ranking_lines
from core.errors import InvalidInput, NotFound
from core.registry.models import Grid, Level
from core.reminders.digest import digest_text, digest_time


@click.command("digest")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="哪一天（默认今天）")
@click.option("--community", "code", metavar="CODE",
              help="社区编码，如 C01（日报必填；排名不填则为全部社区）")
@click.option("--ranking", "show_ranking", is_flag=True, help="打印网格和网格长的考核排名")
@click.option("--month", metavar="YYYY-MM", help="排名的月份（默认本月）")
@click.option("--quarter", metavar="YYYYQn", help="排名的季度，如 2026Q4")
@with_appcontext
def digest_command(day: str | None, code: str | None, show_ranking: bool, month: str | None,
                   quarter: str | None) -> None:
    """打印某社区某一天的领导日报（与每日17:30推送的内容相同），或考核排名（--ranking）。"""
    if show_ranking:
        _print_ranking(code, month, quarter, day)
        return
    if month or quarter:
        raise click.UsageError("--month / --quarter 只用于 --ranking")
    if not code:
        raise click.UsageError("日报须指定社区：--community C01")
    rt = runtime()
    try:
        when = date.fromisoformat(day) if day else rt.env.clock.now().date()
    except ValueError:
        raise click.BadParameter(f"not a date: {day!r}", param_hint="--date") from None
    with rt.uow() as uow:
        unit = uow.session.scalar(select(Grid).where(Grid.code == code.strip()))
        if unit is None or unit.level != Level.COMMUNITY:
            click.echo(f"没有编码为 {code} 的社区", err=True)
            sys.exit(1)
        click.echo(digest_text(uow, unit, digest_time(when)))


def _print_ranking(code: str | None, month: str | None, quarter: str | None,
                   day: str | None) -> None:
    if day:
        raise click.UsageError("--ranking 按月或季度统计，请用 --month 或 --quarter，不用 --date")
    if month and quarter:
        raise click.UsageError("--month 和 --quarter 只能选一个")
    rt = runtime()
    try:
        period = (parse_quarter(quarter) if quarter else parse_month(month) if month
                  else current_month(rt.env.clock.now()))
        with rt.uow() as uow:
            lines = ranking_lines(ranking(uow, period, code))
    except (InvalidInput, NotFound) as exc:
        raise click.UsageError(str(exc)) from None
    click.echo("\n".join(lines))
