"""GeoReport v2 errors: a JSON list of ``{"code": <HTTP status>, "description": …}``."""

from __future__ import annotations

import json
from typing import Any

from flask import Response

PREFIX = "/open311/"


class ApiError(Exception):
    """A refusal with its HTTP status (400, 403, 404, 429, 503); ``retry_after`` seconds
    become a Retry-After header."""

    def __init__(self, status: int, description: str, retry_after: float = 0.0) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, mimetype="application/json")


def error_response(status: int, description: str) -> Response:
    return json_response([{"code": status, "description": description}], status)
