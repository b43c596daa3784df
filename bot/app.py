"""The Flask app factory (应用工厂)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify

from bot.bootstrap import Runtime, build_runtime
from config import Settings, load_settings


def create_app(settings: Settings | None = None, **runtime_overrides: Any) -> Flask:
    """Build the app; ``settings`` default to the environment (and ``.env``)."""
    settings = settings or load_settings()
    from bot import logging_setup, metrics, ratelimit

    logging_setup.configure_logging(settings)  # text or JSON, secrets redacted (operations.md)
    app = Flask(__name__, instance_relative_config=False)
    app.config["SECRET_KEY"] = settings.SECRET_KEY
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.extensions["wanggetong"] = rt = build_runtime(settings, **runtime_overrides)
    logging_setup.init_app(app, settings)  # request ids, one JSON line per request
    metrics.init_app(app, settings, rt.env.session_factory, rt.env.clock.now)  # GET /metrics
    rt.pipeline.route = metrics.counting_route(rt.pipeline.route)  # classifications by category
    ratelimit.init_app(app, settings)  # per-sender limit, checked in bot/webhook.py

    @app.get("/healthz")
    def healthz() -> Any:
        """Liveness: the process answers."""
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> Any:
        """Readiness: the database (and Redis, when configured) are reachable."""
        checks = check_dependencies(app.extensions["wanggetong"])
        ready = all(v == "ok" for v in checks.values())
        return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503

    from bot.cli import register_commands
    from bot.open311 import bp as open311_bp
    from bot.pages import bp as pages_bp
    from bot.stats_page import bp as stats_bp
    from bot.webhook import bp as webhook_bp

    app.register_blueprint(webhook_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(stats_bp)
    register_commands(app)
    return app


def check_dependencies(rt: Runtime) -> dict[str, str]:
    """Ping the database and the store; a short reason (no secrets) when one fails."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store import StoreUnavailable

    checks: dict[str, str] = {}
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = type(exc).__name__
    if rt.settings.REDIS_URL:
        try:
            rt.store.get("readyz")
            checks["redis"] = "ok"
        except StoreUnavailable as exc:
            checks["redis"] = str(exc)
    return checks


def runtime() -> Runtime:
    """The runtime of the current app (inside a request or CLI command)."""
    return current_app.extensions["wanggetong"]
