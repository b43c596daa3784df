"""Flask CLI commands (``flask <command>``), registered by the app factory."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from bot.cli.cases import cases_group
    from bot.cli.chat import chat_command
    from bot.cli.classify import classify_command
    from bot.cli.db import init_db_command
    from bot.cli.demo import demo_command
    from bot.cli.digest import digest_command
    from bot.cli.export import export_group
    from bot.cli.importer import import_command
    from bot.cli.outbox import outbox_command
    from bot.cli.scheduler import scheduler_command

    for command in (init_db_command, import_command, cases_group, classify_command, chat_command,
                    demo_command, outbox_command, digest_command, scheduler_command, export_group):
        app.cli.add_command(command)
