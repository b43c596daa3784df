"""Flask CLI commands (``flask <command>``), registered by the app factory."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from bot.cli.cases import cases_group
    from bot.cli.db import init_db_command

    app.cli.add_command(init_db_command)
    app.cli.add_command(cases_group)
    for module, name in (("bot.cli.classify", "classify_command"),
                         ("bot.cli.importer", "import_command")):
        try:
            mod = __import__(module, fromlist=[name])
        except ModuleNotFoundError:
            continue
        app.cli.add_command(getattr(mod, name))
