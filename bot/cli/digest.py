"""``flask digest --date D --community C``: print the leaders' daily digest (领导日报) of any day.

The text is the one the 17:30 job sends, with figures taken at the digest time of that day.
"""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from bot.app import runtime
from core.registry.models import Grid, Level
from core.reminders.digest import digest_text, digest_time


@click.command("digest")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="哪一天（默认今天）")
@click.option("--community", "code", required=True, metavar="CODE", help="社区编码，如 C01")
@with_appcontext
def digest_command(day: str | None, code: str) -> None:
    """打印某社区某一天的领导日报（与每日17:30推送的内容相同）。"""
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
