"""The GeoReport v2 endpoints (开放接口): services, requests, the OpenAPI document.

Thin: read and check parameters, call one function of :mod:`core.open311`, answer JSON.
Every refusal is a GeoReport error list with 400, 403, 404 or 405; a database outage is 503.
"""

from __future__ import annotations

import hmac
import logging
import math
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from bot.app import runtime
from bot.open311.errors import PREFIX, ApiError, error_response, json_response
from bot.open311.params import (
    CASE_CODE,
    MAX_ADDRESS,
    MAX_DESCRIPTION,
    codes_list,
    date_param,
    ids_list,
    number_field,
    status_filter,
    text_field,
)
from bot.ratelimit import Limiter, make_limiter
from core.cases.policy import CATEGORIES
from core.errors import Forbidden, InvalidInput, NotFound
from core.open311.records import Search, get_request, search_requests
from core.open311.services import service_definition, services
from core.open311.submit import Submission, client_id, submit_request

log = logging.getLogger(__name__)
bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
OPENAPI_FILE = Path(__file__).with_name("openapi.json")


@cache
def _keyword_tables() -> dict[str, dict[str, float]]:
    """The classifier's keyword weights per category (loaded once per process)."""
    from bot.nlp import load

    return {t.code: dict(t.keywords) for t in load().tables.categories}


@bp.get("/services.json")
def list_services() -> Response:
    return json_response([s.as_dict() for s in services(_keyword_tables())])


@bp.get("/services/<code>.json")
def one_service(code: str) -> Response:
    return json_response(service_definition(code))


@bp.get("/requests.json")
def list_requests() -> Response:
    """Every filter is checked; with ``service_request_id`` the others are then ignored."""
    args = request.args
    search = Search(services=codes_list(args.get("service_code")),
                    start=date_param(args.get("start_date"), "start_date"),
                    end=date_param(args.get("end_date"), "end_date", end=True),
                    status=status_filter(args.get("status")))
    raw_ids = args.get("service_request_id")
    if raw_ids is not None and raw_ids.strip():
        ids = ids_list(raw_ids)
        if not ids:
            return json_response([])
        search = Search(ids=ids)
    with runtime().uow() as uow:
        return json_response(search_requests(uow, search))


@bp.get("/requests/<code>.json")
def one_request(code: str) -> Response:
    if not CASE_CODE.match(code):
        raise NotFound(f"没有找到事件 {code[:20]}")
    with runtime().uow() as uow:
        return json_response([get_request(uow, code.upper())])


def _body() -> dict[str, Any]:
    """The POST parameters: a JSON object or a form; query parameters fill the gaps."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiError(400, "请求体须是 JSON 对象")
    else:
        data = request.form.to_dict()
    for name, value in request.args.items():
        data.setdefault(name, value)
    return data


LIMIT = "wanggetong.open311_limit"


@bp.record_once
def _make_limit(state: BlueprintSetupState) -> None:
    """Each API key may POST ``OPEN311_RATE_PER_MINUTE`` requests a minute (after a burst of
    ``OPEN311_RATE_BURST``), counted in Redis when there is one: a partner system that loops
    cannot flood the grid workers, and the other keys are not slowed."""
    settings = state.app.extensions["wanggetong"].settings
    state.app.extensions[LIMIT] = make_limiter(
        settings, per_minute=settings.OPEN311_RATE_PER_MINUTE, burst=settings.OPEN311_RATE_BURST,
        prefix="wgt:rl311:")


def _throttle(key: str) -> None:
    limiter: Limiter | None = current_app.extensions.get(LIMIT)
    if limiter is None:
        return
    who = client_id(key)  # a digest: the key itself goes neither into Redis nor into the log
    decision = limiter.hit(who)
    if not decision.allowed:
        log.info("open311: %s over its rate, refused (next in %.0f s)", who, decision.retry_after)
        raise ApiError(429, "请求太频繁，请稍后再试", retry_after=decision.retry_after)


def _check_key(data: dict[str, Any]) -> str:
    keys = runtime().settings.open311_keys
    if not keys:
        raise ApiError(403, "本系统未开放接口报事（未配置 OPEN311_API_KEYS）")
    key = data.get("api_key")
    if not isinstance(key, str) or not key:
        raise ApiError(403, "缺少 api_key")
    given = key.encode("utf-8", "replace")
    if not any(hmac.compare_digest(given, k.encode("utf-8")) for k in keys):
        raise ApiError(403, "api_key 无效")
    return key


# Accepted as GeoReport defines them, then dropped: personal data is neither kept nor shown.
IGNORED_TEXT = ("email", "first_name", "last_name", "phone", "device_id", "account_id",
                "media_url", "jurisdiction_id")


def _submission(data: dict[str, Any], *, form: bool) -> Submission:
    from bot.nlp import classify

    for name in IGNORED_TEXT:
        if name in data and not isinstance(data[name], str):
            raise ApiError(400, f"{name} 必须是文字")
    code = data.get("service_code")
    if "service_code" in data and not isinstance(code, str):
        raise ApiError(400, "service_code 必须是文字")
    description = text_field(data, "description", MAX_DESCRIPTION)
    if not description:
        raise ApiError(400, "缺少 description（问题描述）")
    address = text_field(data, "address_string", MAX_ADDRESS)
    lat = number_field(data, "lat", -90, 90, text_ok=form)
    lon = number_field(data, "long", -180, 180, text_ok=form)
    if not address and (lat is None or lon is None):
        raise ApiError(400, "须提供 lat 和 long，或 address_string")
    c = classify(description)
    if code in CATEGORIES:
        category, confident = code, True
    else:
        threshold = runtime().settings.NLP_CONFIDENCE_THRESHOLD
        category, confident = c.category, c.confidence >= threshold or c.urgent
    return Submission(description=description, category=category, confident=confident,
                      urgent=c.urgent, address=address or c.address[:MAX_ADDRESS],
                      latitude=lat if lon is not None else None,
                      longitude=lon if lat is not None else None)


@bp.post("/requests.json")
def create_request() -> tuple[Response, int] | Response:
    """Personal fields (email, first_name, last_name, phone …) are read by no one and kept nowhere."""
    data = _body()
    key = _check_key(data)
    _throttle(key)
    sub = _submission(data, form=not request.is_json)
    with runtime().uow() as uow:
        done = submit_request(uow, key, sub)
    log.info("open311 request filed as %s", done.code)
    return json_response([{"service_request_id": done.code, "service_notice": done.notice}], 201)


@bp.get("/openapi.json")
def openapi() -> Response:
    resp = Response(OPENAPI_FILE.read_bytes(), mimetype="application/json")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.errorhandler(ApiError)
def api_error(exc: ApiError) -> Response:
    resp = error_response(exc.status, exc.description)
    if exc.retry_after > 0:
        resp.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return resp


@bp.errorhandler(InvalidInput)
def invalid(exc: InvalidInput) -> Response:
    return error_response(400, str(exc))


@bp.errorhandler(Forbidden)
def forbidden(exc: Forbidden) -> Response:
    return error_response(403, str(exc))


@bp.errorhandler(NotFound)
def not_found(exc: NotFound) -> Response:
    return error_response(404, str(exc))


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def unavailable(exc: Exception) -> Response:
    log.warning("open311: database unavailable (%s)", type(exc).__name__)
    return error_response(503, "服务暂时不可用，请稍后再试")


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response | HTTPException:
    """Under /open311/ every HTTP error is a GeoReport error list; elsewhere, Flask's page."""
    if not request.path.startswith(PREFIX):
        return exc
    status = exc.code or 500
    text = {404: "没有这个接口", 405: "不支持该请求方法", 413: "请求体过大"}.get(status, exc.name)
    resp = error_response(status, text)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp
