"""Logging, set up in one place (日志): text or JSON lines, request ids, and no secret ever.

``configure_logging(settings)`` runs in ``create_app``, so the web server, ``flask outbox``,
``flask scheduler`` and every other CLI command get the same setup.

* ``LOG_FORMAT=text`` (development): ``time LEVEL logger message [request id]``.
* ``LOG_FORMAT=json`` (deploy): one object per line — ``ts``, ``level``, ``logger``, ``msg``,
  ``pid``, ``request_id`` and ``endpoint`` inside a request, ``status`` and ``duration_ms`` on
  the one line each request writes (logger ``wanggetong.request``), any ``extra=`` fields,
  and ``exc`` for a traceback.
* Redaction happens when a record is made (a log-record factory), before any handler —
  ours, gunicorn's, pytest's — sees it: the message, the traceback and the stack are
  rendered and cleaned of the configured secrets (app secrets, AES keys, tokens, passwords
  in DATABASE_URL/REDIS_URL, METRICS_TOKEN) and of anything shaped like one
  (``access_token=…``, ``signature=…``, ``"secret": "…"``, ``Bearer …``, ``user:pass@``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import urlsplit

from flask import Flask, Response, g, has_request_context, request

from config import Settings

REQUEST_LOG = logging.getLogger("wanggetong.request")
MASK = "***"
MIN_SECRET = 6  # shorter values are not treated as secrets (they would eat ordinary words)
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # their 2xx lines go to DEBUG
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_PARAM_NAMES = (r"access_token|corpsecret|appsecret|secret|signature|msg_signature|echostr|"
                r"token|password|passwd|api_key|apikey|session_key|encodingaeskey|aes_key")
_HINTS = ("token", "secret", "signature", "echostr", "passw", "apikey", "api_key", "session_key",
          "aeskey", "aes_key")  # every name above contains one: no hint, no regex run
_PARAM = re.compile(rf"(?i)\b({_PARAM_NAMES})=([^&\s\"'#,;)]+)")
_QUOTED = re.compile(rf"(?i)([\"']({_PARAM_NAMES})[\"']\s*:\s*)[\"'][^\"']*[\"']")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^@\s/]+@")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "request_id", "endpoint", "taskName"}
_SECRET_FIELDS = ("WECHAT_SECRET", "WECOM_SECRET", "WECHAT_AES_KEY", "WECOM_AES_KEY",
                  "WECHAT_TOKEN", "WECOM_TOKEN", "SECRET_KEY", "METRICS_TOKEN")


class Redactor:
    """Masks known secret values and secret-shaped text; thread-safe, values only added.

    Cheap on ordinary lines: substring tests decide whether any regex needs to run.
    """

    def __init__(self) -> None:
        self._values: tuple[str, ...] = ()
        self._literal: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, *values: str) -> None:
        fresh = {v for v in values if v and len(v) >= MIN_SECRET} - set(self._values)
        if not fresh:
            return
        with self._lock:
            ordered = tuple(sorted({*self._values, *fresh}, key=len, reverse=True))
            self._literal = re.compile("|".join(re.escape(v) for v in ordered))
            self._values = ordered

    def literal(self, text: str) -> str:
        """Only the configured values (a last pass over a finished line)."""
        if self._literal is not None and any(v in text for v in self._values):
            text = self._literal.sub(MASK, text)
        return text

    def __call__(self, text: str) -> str:
        text = self.literal(text)
        low = text.lower()
        if ("=" in text or ":" in text) and any(h in low for h in _HINTS):
            text = _QUOTED.sub(rf'\1"{MASK}"', _PARAM.sub(rf"\1={MASK}", text))
        if "bearer" in low:
            text = _BEARER.sub(rf"\1 {MASK}", text)
        if "://" in text and "@" in text:
            text = _USERINFO.sub(rf"\1:{MASK}@", text)
        return text


REDACT = Redactor()


def secrets_of(settings: Settings) -> list[str]:
    """The values in ``settings`` that must never be logged."""
    values = [getattr(settings, name) for name in _SECRET_FIELDS]
    values += [k.strip() for k in settings.OPEN311_API_KEYS.split(",")]
    for url in (settings.DATABASE_URL, settings.REDIS_URL):
        try:
            password = urlsplit(url).password
        except ValueError:
            password = None
        values.append(password or "")
    return values


def _scrub(record: logging.LogRecord) -> None:
    """Render the message (and traceback, stack) once, cleaned; handlers use what is left."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: the handler reports it, we must not raise
        return
    cleaned = REDACT(message)
    if cleaned != message or record.args:
        record.msg, record.args = cleaned, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = REDACT(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = REDACT(record.stack_info)


def _request_fields(record: logging.LogRecord) -> None:
    if has_request_context():
        record.request_id = g.get("request_id", "")
        rule = request.url_rule
        record.endpoint = rule.rule if rule is not None else request.path


def _install_factory() -> None:
    base = logging.getLogRecordFactory()
    if getattr(base, "wanggetong", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        _scrub(record)
        _request_fields(record)
        return record

    make_record.wanggetong = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; string extras redacted, the line checked for known values."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "msg": record.getMessage(),
            "pid": record.process,
        }
        for name in ("request_id", "endpoint"):
            if getattr(record, name, None):
                data[name] = getattr(record, name)
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                data[name] = REDACT(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exc"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return REDACT.literal(json.dumps(data, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message [request id]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = REDACT.literal(super().format(record))
        rid = getattr(record, "request_id", "")
        return f"{line} [{rid}]" if rid else line


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (never to a stream closed since)."""

    wanggetong = True

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._fixed = stream

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return self._fixed or sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def formatter_for(settings: Settings) -> logging.Formatter:
    return JsonFormatter() if settings.LOG_FORMAT.strip().lower() == "json" else TextFormatter()


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler | None:
    """Redaction always; our handler on the root logger unless another framework (pytest)
    already put its own there and no ``stream`` is asked for — as ``basicConfig`` does."""
    REDACT.add(*secrets_of(settings))
    _install_factory()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "wanggetong", False)]
    if stream is None and len(ours) < len(root.handlers):
        return None
    for old in ours:
        root.removeHandler(old)
    handler = StderrHandler(stream)
    formatter = formatter_for(settings)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(settings.LOG_LEVEL)
    for name in ("gunicorn.error", "gunicorn.access"):  # served by gunicorn: same format
        for gunicorn_handler in logging.getLogger(name).handlers:
            gunicorn_handler.setFormatter(formatter)
    return handler


def init_app(app: Flask, settings: Settings) -> None:
    """Request ids (``X-Request-Id`` kept from nginx or made here) and one line per request
    in JSON mode (in text mode gunicorn's access log says the same)."""
    json_mode = isinstance(formatter_for(settings), JsonFormatter)

    @app.before_request
    def _begin() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
        g.wgt_log_started = time.perf_counter()

    @app.after_request
    def _end(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        started = g.get("wgt_log_started")
        if json_mode and started is not None:
            quiet = request.path in QUIET_PATHS and response.status_code < 400
            level = (logging.DEBUG if quiet else logging.WARNING if response.status_code >= 500
                     else logging.INFO)
            REQUEST_LOG.log(level, "%s %s %d", request.method, request.path, response.status_code,
                            extra={"status": response.status_code, "method": request.method,
                                   "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
        return response

