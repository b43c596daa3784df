"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask run``."""

from bot.app import create_app

app = create_app()
