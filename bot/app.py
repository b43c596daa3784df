"""The Flask app factory (应用工厂)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, jsonify

from bot.bootstrap import Runtime, build_runtime
from config import Settings, load_settings


def create_app(settings: Settings | None = None, **runtime_overrides: Any) -> Flask:
    """Build the app; ``settings`` default to the environment (and ``.env``)."""
    settings = settings or load_settings()
    logging.basicConfig(level=settings.LOG_LEVEL,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = Flask(__name__, instance_relative_config=False)
    app.config["SECRET_KEY"] = settings.SECRET_KEY
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.extensions["wanggetong"] = build_runtime(settings, **runtime_overrides)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    from bot.cli import register_commands
    from bot.pages import bp as pages_bp
    from bot.webhook import bp as webhook_bp

    app.register_blueprint(webhook_bp)
    app.register_blueprint(pages_bp)
    register_commands(app)
    return app


def runtime() -> Runtime:
    """The runtime of the current app (inside a request or CLI command)."""
    return current_app.extensions["wanggetong"]
