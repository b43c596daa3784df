"""The callback endpoints (回调): ``/wechat/official`` and ``/wechat/work``.

Thin: check and decrypt through the channel adapter, hand the message to the pipeline,
render the passive reply. Refusals are 4xx; a database outage is 503 so WeChat retries;
nothing else can escape as a 500.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from bot import ratelimit
from bot.app import runtime
from bot.channels import CallbackRejected, OfficialChannel, WeComChannel
from bot.pipeline import Unavailable

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)
MAX_BODY = 64 * 1024


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items()}


def _serve(channel: OfficialChannel | WeComChannel) -> Response:
    rt = runtime()
    now = rt.env.clock.now()
    try:
        if request.method == "GET":
            return Response(channel.verify(_args(), now), mimetype="text/plain")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return Response("body too large", status=413)
        body = request.get_data(cache=False)
        if len(body) > MAX_BODY:
            return Response("body too large", status=413)
        inbound, encrypt = channel.receive(_args(), body, now)
        limited = ratelimit.check(inbound)  # per-sender rate limit, before any work (issue #7)
        text = rt.pipeline.handle(inbound) if limited is None else limited
        if not text:
            return Response("success", mimetype="text/plain")
        nonce = request.args.get("nonce", "")
        return Response(channel.render(inbound, text, encrypt, nonce, now), mimetype="application/xml")
    except CallbackRejected as exc:
        log.info("callback refused: %s", exc.reason)
        return Response(exc.reason, status=exc.status, mimetype="text/plain")
    except Unavailable as exc:
        log.warning("database unavailable, asking WeChat to retry: %s", exc)
        return Response("busy", status=503, mimetype="text/plain")


@bp.route("/wechat/official", methods=["GET", "POST"])
def official() -> Response:
    return _serve(OfficialChannel(runtime().settings))


@bp.route("/wechat/work", methods=["GET", "POST"])
def work() -> Response:
    return _serve(WeComChannel(runtime().settings))
