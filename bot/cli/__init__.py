"""Flask CLI commands (``flask <command>``), registered by the app factory."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from bot.cli.cases import cases_group
    from bot.cli.chat import chat_command
    from bot.cli.db import init_db_command
    from bot.cli.demo import demo_command
    from bot.cli.importer import import_command
    from bot.cli.outbox import outbox_command

    for command in (init_db_command, import_command, cases_group, chat_command, demo_command,
                    outbox_command):
        app.cli.add_command(command)
    try:  # TODO(session 1): the classify command lands with bot/nlp; then import it above
        from bot.cli.classify import classify_command
    except ModuleNotFoundError:
        return
    app.cli.add_command(classify_command)
