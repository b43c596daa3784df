"""Signed, expiring links (签名链接) for the leaders' statistics page (统计页).

A token binds one community code and an expiry time with an HMAC-SHA256 over both, keyed
by the ``SECRET_KEY`` setting: ``<expiry as Unix seconds>.<signature, base64url>``. A token
for another community, a changed expiry or a changed signature no longer matches, and an
expired token is refused even when its signature is good. Nothing here reads the clock or
the settings: the caller passes the key and the time.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

PURPOSE = b"wanggetong/stats-link/v1"
SIGNATURE_BYTES = 20


class LinkCheck(enum.Enum):
    """What :func:`check_token` found (校验结果)."""

    OK = "ok"
    EXPIRED = "expired"  # signed by us, but too old
    INVALID = "invalid"  # malformed, tampered with, or for another community


def _signature(key: str, code: str, expires: int) -> str:
    message = b"\x00".join((PURPOSE, code.encode(), str(expires).encode()))
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_token(key: str, code: str, expires: datetime) -> str:
    """The token for ``code`` valid until ``expires`` (an aware datetime)."""
    if not key:
        raise ValueError("a signing key is required")
    stamp = int(expires.timestamp())
    return f"{stamp}.{_signature(key, code, stamp)}"


def check_token(key: str, code: str, token: str, now: datetime) -> LinkCheck:
    """Whether ``token`` opens the page of ``code`` at ``now``."""
    stamp, dot, signature = (token or "").partition(".")
    if not key or not dot or not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        return LinkCheck.INVALID
    if not hmac.compare_digest(signature.encode(), _signature(key, code, int(stamp)).encode()):
        return LinkCheck.INVALID
    return LinkCheck.OK if now.timestamp() < int(stamp) else LinkCheck.EXPIRED


def stats_url(base_url: str, key: str, code: str, issued: datetime, hours: int) -> str:
    """The link to the statistics page of ``code``, valid ``hours`` from ``issued``."""
    token = sign_token(key, code, issued + timedelta(hours=hours))
    return f"{base_url.rstrip('/')}/stats/{quote(code, safe='')}?{urlencode({'t': token})}"
