"""The floor of the webhook benchmark (基线): the least a WeChat callback server can do.

A minimal Flask + wechatpy app that checks the signature, decrypts in AES mode, parses the
message and renders a text reply — no dedup, no database, no classification. It runs
under the same gunicorn configuration as the project, so the ratio of the two is what the
pipeline itself costs. Settings come from the same environment variables as the project
(``WECHAT_TOKEN``, ``WECHAT_APPID``, ``WECHAT_AES_KEY``); nothing from the project is
imported. Serve it with ``gunicorn -c gunicorn.conf.py bench.floor_app:app``. ``make_app``
also builds the decomposition's other floors: ``bench/floor_nlp_app.py`` classifies each text
before it answers; ``bench/floor_write_app.py`` also keeps each message in the database.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ.get("WECHAT_TOKEN", "wanggetong-dev-token")
APPID = os.environ.get("WECHAT_APPID", "wx0000000000000000")
AES_KEY = os.environ.get("WECHAT_AES_KEY", "")
# About as long as the project's answer to a report (code, category, grid, deadline).
REPLY = ("已收到您反映的问题。\n编号：GR202601010001\n类别：环境卫生\n网格：幸福社区第一网格\n"
         "办理时限：01月05日 18:00\n可继续发送照片补充；回复“查询”查看进度。")

crypto = WeChatCrypto(TOKEN, AES_KEY, APPID) if AES_KEY else None


def make_app(understand: Callable[[str], object] | None = None,
             keep: Callable[[object], object] | None = None) -> Flask:
    """The floor; with ``understand``, each text message's content goes through it first;
    with ``keep``, each parsed message is handed to it before the reply (a write floor)."""
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok", mimetype="text/plain")

    @app.post("/wechat/official")
    def official() -> Response:
        args = request.args
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        try:
            check_signature(TOKEN, args.get("signature", ""), timestamp, nonce)
        except InvalidSignatureException:
            return Response("bad signature", status=403)
        body = request.get_data()
        encrypted = args.get("encrypt_type", "raw") == "aes"
        if encrypted:
            if crypto is None:
                return Response("no AES key", status=400)
            try:
                xml = crypto.decrypt_message(body, args.get("msg_signature", ""), timestamp, nonce)
            except (InvalidSignatureException, InvalidAppIdException):
                return Response("bad msg_signature", status=403)
        else:
            xml = body
        message = parse_message(xml)
        if understand is not None and message.type == "text":
            understand(message.content)
        if keep is not None:
            keep(message)
        reply = TextReply(source=message.target, target=message.source, content=REPLY).render()
        if encrypted:
            reply = crypto.encrypt_message(reply, nonce, timestamp)
        return Response(reply, mimetype="application/xml")

    return app


app = make_app()
