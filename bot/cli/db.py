"""``flask init-db``: migrate the database to the newest schema (harmless to repeat)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.app import runtime
from core.migrate import current_revision, head_revision, upgrade


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the database to the newest schema."""
    engine = runtime().engine
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"数据库已是最新版本 ({after})：{where}")
    else:
        click.echo(f"数据库已迁移 {before or '空库'} → {after}（最新 {head_revision(engine)}）：{where}")
