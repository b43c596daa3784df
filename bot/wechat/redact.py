"""Keep access tokens and app secrets out of logs (SPEC §9: no secret is logged).

WeChat wants ``access_token`` (and, on the token endpoints, ``secret`` / ``corpsecret``)
in the query string, and urllib3 logs every request line at DEBUG. A filter on that
logger rewrites those values to ``***`` before any handler sees the record.
"""

from __future__ import annotations

import logging
import re

_SECRET_PARAMS = re.compile(r"(?i)\b(access_token|corpsecret|secret)=([^&\s\"'#]+)")
_URLLIB3_LOGGER = "urllib3.connectionpool"


def redact(text: str) -> str:
    """``…?access_token=abc&x=1`` → ``…?access_token=***&x=1``."""
    return _SECRET_PARAMS.sub(r"\1=***", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with :func:`redact` (formats it once, here)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_log_redaction(logger_name: str = _URLLIB3_LOGGER) -> None:
    """Attach one :class:`RedactingFilter` to ``logger_name`` (idempotent)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
