"""A loopback fake of the WeChat Official Account API and the WeCom API (微信接口替身).

A real HTTP server on 127.0.0.1 that the real wechatpy clients talk to, so tests see the
same URLs, query strings and JSON bodies WeChat would. Both APIs share one server under
their real paths (公众号: 获取 access_token ``/cgi-bin/token``, 客服消息
``/cgi-bin/message/custom/send``, 模板消息 ``/cgi-bin/message/template/send``, 获取临时素材
``/cgi-bin/media/get``, 用户信息 ``/cgi-bin/user/info``; 企业微信: ``/cgi-bin/gettoken``,
发送应用消息 ``/cgi-bin/message/send``, ``/cgi-bin/media/get``). Error codes follow the
global return codes (全局返回码): 40001/40014/42001 token, 45015 outside the 48 h window,
45047 over the window's cap, 45009 quota, 43004 unsubscribed, 81013 WeCom user not found.

    with FakeWeChat() as fake:
        settings = settings.with_overrides(WECHAT_API_BASE_URL=fake.base_url, …)
        fake.fail_next("/cgi-bin/message/custom/send", 45015)

Failure injection for the fault tests (故障注入): ``fail_next`` (an error code), ``fail_http``
(a bare 5xx), ``delay`` (every answer slow), ``plan`` (a script for the next calls to one
path, one step per call: ``"ok"``, ``"err:-1"``, ``"http:502"``, ``"drop"`` — the connection
closed with no answer — and ``"slow:4"`` or ``"slow:4+http:504"``: a slow answer, which after
the wait is still served, and a message accepted, as WeChat may deliver a message whose
answer the client gave up on), ``fail_recipient`` (every send to one openid/userid answers a
code), ``expire_tokens``; ``delivered()`` counts what reached each recipient, to find
anything sent twice.

    fake.plan("/cgi-bin/message/send", "err:42001", "ok", "drop", "slow:4", "http:502")
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TOKEN, GETTOKEN = "/cgi-bin/token", "/cgi-bin/gettoken"
CUSTOM_SEND, TEMPLATE_SEND = "/cgi-bin/message/custom/send", "/cgi-bin/message/template/send"
WECOM_SEND, MEDIA_GET, USER_INFO = "/cgi-bin/message/send", "/cgi-bin/media/get", "/cgi-bin/user/info"
OFFICIAL_PATHS = {CUSTOM_SEND, TEMPLATE_SEND, USER_INFO}
WECOM_PATHS = {WECOM_SEND}
ERRMSG = {
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid", 40007: "invalid media_id", 40013: "invalid appid",
    40014: "invalid access_token", 40037: "invalid template_id", 40125: "invalid appsecret",
    42001: "access_token expired", 43004: "require subscribe", 45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit", 47001: "data format error",
    47003: "argument invalid!", 81013: "user & party & tag all invalid",
    -1: "system error", 45011: "api minute-quota reach limit, mustslower retry next minute",
}
TEMPLATE_FIELD_LIMIT = 20


@dataclass
class Call:
    """One request the fake received, and what it answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    body: bytes
    time: float
    status: int = 200  # 0: dropped, no answer written
    response: Any = None
    delayed: float = 0.0  # seconds the fake waited before answering


@dataclass
class _Media:
    data: bytes
    content_type: str


@dataclass
class _State:
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token → (api, expires)
    fetches: Counter[str] = field(default_factory=Counter)
    errors: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    http_errors: dict[str, list[int]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    media: dict[str, _Media] = field(default_factory=dict)
    unsubscribed: set[str] = field(default_factory=set)
    closed_windows: set[str] = field(default_factory=set)
    unknown_wecom_users: set[str] = field(default_factory=set)
    plans: dict[str, list[str]] = field(default_factory=dict)
    recipient_errors: dict[str, int] = field(default_factory=dict)


class FakeWeChat:
    """The fake server: start it, point the clients at ``base_url``, read ``calls``."""

    def __init__(self, *, appid: str = "", secret: str = "", corp_id: str = "",
                 corp_secret: str = "", token_ttl: int = 7200) -> None:
        self.credentials = {"appid": appid, "secret": secret, "corpid": corp_id,
                            "corpsecret": corp_secret}
        self.token_ttl = token_ttl
        self.calls: list[Call] = []
        self._state = _State()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._inflight = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeWeChat:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = False  # server_close() joins the handler threads
        server.fake = self  # type: ignore[attr-defined]
        server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fakewechat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # cuts pending delays short
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeWeChat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeWeChat is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- steering ----------------------------------------------------------------------
    def fail_next(self, path: str, errcode: int, errmsg: str = "", times: int = 1) -> None:
        """Answer the next ``times`` calls to ``path`` with this WeChat error code."""
        with self._lock:
            rules = self._state.errors.setdefault(path, [])
            rules.extend([(errcode, errmsg or ERRMSG.get(errcode, "error"))] * times)

    def fail_http(self, path: str, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` calls to ``path`` with a bare HTTP error status."""
        with self._lock:
            self._state.http_errors.setdefault(path, []).extend([status] * times)

    def delay(self, path: str, seconds: float) -> None:
        """Wait ``seconds`` before answering every call to ``path`` (0 removes the delay)."""
        with self._lock:
            self._state.delays[path] = seconds

    def plan(self, path: str, *steps: str) -> None:
        """Script the next calls to ``path``, one step each (see the module docstring);
        a planned step comes before ``fail_next``/``fail_http`` rules."""
        for step in steps:
            for part in step.split("+"):
                kind, _, arg = part.partition(":")
                if kind not in ("ok", "err", "http", "drop", "slow") or (kind in ("err", "http", "slow") and not arg):
                    raise ValueError(f"unknown plan step {step!r}")
        with self._lock:
            self._state.plans.setdefault(path, []).extend(steps)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no call is being answered (slow answers finish after their client gave
        up); False if some still are after ``timeout`` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._inflight == 0, timeout)

    def planned(self, path: str) -> int:
        """Steps of ``plan`` not used yet."""
        with self._lock:
            return len(self._state.plans.get(path, []))

    def fail_recipient(self, recipient: str, errcode: int) -> None:
        """Every message to ``recipient`` (openid or WeCom userid) answers ``errcode``;
        0 heals it."""
        with self._lock:
            if errcode:
                self._state.recipient_errors[recipient] = errcode
            else:
                self._state.recipient_errors.pop(recipient, None)

    def expire_tokens(self) -> None:
        """Every token issued so far now answers 42001 (access_token expired)."""
        with self._lock:
            self._state.tokens = {t: (api, 0.0) for t, (api, _) in self._state.tokens.items()}

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        with self._lock:
            self._state.media[media_id] = _Media(data, content_type)

    def unsubscribe(self, openid: str) -> None:
        """The resident unfollowed the account: pushes to them answer 43004."""
        with self._lock:
            self._state.unsubscribed.add(openid)

    def close_window(self, openid: str) -> None:
        """The 48 h customer-service window is closed: custom messages answer 45015."""
        with self._lock:
            self._state.closed_windows.add(openid)

    def remove_wecom_user(self, userid: str) -> None:
        """The member left the corp: app messages to them answer 81013."""
        with self._lock:
            self._state.unknown_wecom_users.add(userid)

    # -- reading -------------------------------------------------------------------------
    @property
    def token_fetches(self) -> int:
        return self.official_token_fetches + self.wecom_token_fetches

    @property
    def official_token_fetches(self) -> int:
        return self._state.fetches["official"]

    @property
    def wecom_token_fetches(self) -> int:
        return self._state.fetches["wecom"]

    @property
    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self._state.tokens)

    def calls_to(self, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path]

    def _accepted(self, path: str) -> list[Any]:
        return [c.json for c in self.calls_to(path) if c.status == 200
                and isinstance(c.response, dict) and c.response.get("errcode") == 0]

    def sent_custom(self) -> list[dict[str, Any]]:
        """Customer-service messages WeChat accepted (客服消息), parsed bodies."""
        return self._accepted(CUSTOM_SEND)

    def sent_templates(self) -> list[dict[str, Any]]:
        """Template messages WeChat accepted (模板消息), parsed bodies."""
        return self._accepted(TEMPLATE_SEND)

    def sent_wecom(self) -> list[dict[str, Any]]:
        """WeCom app messages accepted (应用消息), parsed bodies."""
        return self._accepted(WECOM_SEND)

    def delivered(self) -> Counter[tuple[str, str]]:
        """How many times each (recipient, text) was accepted, over all three send APIs; a
        count above 1 is a message sent twice."""
        found: Counter[tuple[str, str]] = Counter()
        for path in (CUSTOM_SEND, TEMPLATE_SEND, WECOM_SEND):
            for body in self._accepted(path):
                found[(str(body.get("touser", "")), message_text(body))] += 1
        return found

    # -- answering (called from the handler threads) -------------------------------
    def _pause(self, path: str, planned: dict[str, str]) -> float:
        with self._lock:
            seconds = float(planned.get("slow") or self._state.delays.get(path, 0.0))
        if seconds > 0:
            self._stopping.wait(seconds)
        return seconds

    def _next_step(self, path: str) -> dict[str, str]:
        """The next planned step for ``path`` as {kind: argument}; {} when none is planned."""
        with self._lock:
            steps = self._state.plans.get(path)
            step = steps.pop(0) if steps else ""
        return {kind: arg for kind, _, arg in (p.partition(":") for p in step.split("+") if p)}

    def _answer(self, call: Call, planned: dict[str, str] | None = None) -> tuple[int, Any]:
        planned = planned or {}
        if "http" in planned:
            return int(planned["http"]), b"<html>server error</html>"
        if "err" in planned:
            errcode = int(planned["err"])
            return 200, {"errcode": errcode, "errmsg": ERRMSG.get(errcode, "error")}
        with self._lock:
            statuses = self._state.http_errors.get(call.path)
            if statuses:
                return statuses.pop(0), b"<html>server error</html>"
            if call.path == TOKEN:
                return 200, self._issue("official", call.query, ("appid", "secret"))
            if call.path == GETTOKEN:
                return 200, self._issue("wecom", call.query, ("corpid", "corpsecret"))
            api = self._check_token(call)
            if isinstance(api, dict):
                return 200, api
            rules = self._state.errors.get(call.path)
            if rules:
                errcode, errmsg = rules.pop(0)
                return 200, {"errcode": errcode, "errmsg": errmsg}
            sticky = self._recipient_error(call)
            if sticky is not None:
                return 200, sticky
            return self._serve(call, api)

    def _recipient_error(self, call: Call) -> dict[str, Any] | None:
        if call.path not in (CUSTOM_SEND, TEMPLATE_SEND, WECOM_SEND) or not isinstance(call.json, dict):
            return None
        errcode = self._state.recipient_errors.get(str(call.json.get("touser", "")))
        return None if errcode is None else _err(errcode)

    def _issue(self, api: str, query: dict[str, str], names: tuple[str, str]) -> dict[str, Any]:
        rules = self._state.errors.get(TOKEN if api == "official" else GETTOKEN)
        if rules:
            errcode, errmsg = rules.pop(0)
            return {"errcode": errcode, "errmsg": errmsg}
        for name, code in zip(names, (40013, 40125 if api == "official" else 40001), strict=True):
            if self.credentials[name] and query.get(name) != self.credentials[name]:
                return _err(code)
        token = f"{'OA' if api == 'official' else 'WW'}_{secrets.token_urlsafe(24)}"
        self._state.tokens[token] = (api, time.time() + self.token_ttl)
        self._state.fetches[api] += 1
        answer = {"access_token": token, "expires_in": self.token_ttl}
        return answer if api == "official" else {"errcode": 0, "errmsg": "ok", **answer}

    def _check_token(self, call: Call) -> str | dict[str, Any]:
        wanted = "official" if call.path in OFFICIAL_PATHS else "wecom" if call.path in WECOM_PATHS else ""
        found = self._state.tokens.get(call.query.get("access_token", ""))
        if found is None or (wanted and found[0] != wanted):
            return _err(40014 if wanted == "wecom" else 40001)
        if found[1] <= time.time():
            return _err(42001)
        return found[0]

    def _serve(self, call: Call, api: str) -> tuple[int, Any]:
        body = call.json if isinstance(call.json, dict) else None
        if call.path in (CUSTOM_SEND, TEMPLATE_SEND, WECOM_SEND) and body is None:
            return 200, _err(47001)
        if call.path == CUSTOM_SEND:
            return 200, self._custom(body or {})
        if call.path == TEMPLATE_SEND:
            return 200, self._template(body or {})
        if call.path == WECOM_SEND:
            return 200, self._wecom(body or {})
        if call.path == MEDIA_GET:
            media = self._state.media.get(call.query.get("media_id", ""))
            return (200, media) if media else (200, _err(40007))
        if call.path == USER_INFO:
            openid = call.query.get("openid", "")
            subscribed = int(openid not in self._state.unsubscribed)
            return 200, {"subscribe": subscribed, "openid": openid, "language": "zh_CN"}
        return 404, {"errcode": -1, "errmsg": f"unknown path {call.path}"}

    def _custom(self, body: dict[str, Any]) -> dict[str, Any]:
        openid = str(body.get("touser", ""))
        if not openid:
            return _err(40003)
        if openid in self._state.unsubscribed:
            return _err(43004)
        if openid in self._state.closed_windows:
            return _err(45015)
        return _err(0)

    def _template(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("touser"):
            return _err(40003)
        if not body.get("template_id"):
            return _err(40037)
        if body["touser"] in self._state.unsubscribed:
            return _err(43004)
        for key, item in (body.get("data") or {}).items():
            value = str((item or {}).get("value", ""))
            if len(value) > TEMPLATE_FIELD_LIMIT or "\n" in value or "\r" in value:
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value exceeds limit"}
        return {**_err(0), "msgid": len(self.calls)}

    def _wecom(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("agentid"):
            return {"errcode": 40056, "errmsg": "invalid agentid"}
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        invalid = [u for u in users if u in self._state.unknown_wecom_users]
        if users and len(invalid) == len(users):
            return {**_err(81013), "invaliduser": "|".join(invalid)}
        return {**_err(0), "invaliduser": "|".join(invalid), "invalidparty": "", "invalidtag": "",
                "msgid": f"msg{len(self.calls)}"}


def message_text(body: dict[str, Any]) -> str:
    """The words of a send request, whatever its kind (text, text card, markdown, template)."""
    kind = body.get("msgtype")
    if kind == "textcard":
        card = body.get("textcard") or {}
        return f"{card.get('title', '')}\n{card.get('description', '')}"
    if kind in ("text", "markdown"):
        return str((body.get(kind) or {}).get("content", ""))
    fields = body.get("data") or {}
    return "|".join(str((v or {}).get("value", "")) for v in fields.values())


def _err(errcode: int) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": "ok" if errcode == 0 else ERRMSG.get(errcode, "error")}


class _Handler(BaseHTTPRequestHandler):
    """Parses one request, asks the fake, writes JSON (or the media bytes) back."""

    timeout = 5
    server_version = "FakeWeChat/1.0"

    def do_GET(self) -> None:  # noqa: N802 - http.server names
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802 - http.server names
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        return

    def _handle(self, method: str) -> None:
        fake: FakeWeChat = self.server.fake  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            parsed: Any = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            parsed = None
        call = Call(method, parts.path, dict(parse_qsl(parts.query)), parsed, body, time.time())
        with fake._lock:
            fake.calls.append(call)
            fake._inflight += 1
        try:
            self._serve_call(fake, call, parts.path)
        finally:
            with fake._idle:
                fake._inflight -= 1
                fake._idle.notify_all()

    def _serve_call(self, fake: FakeWeChat, call: Call, path: str) -> None:
        planned = fake._next_step(path)
        call.delayed = fake._pause(path, planned)
        if "drop" in planned:
            call.status = 0
            self.close_connection = True
            return
        status, answer = fake._answer(call, planned)
        call.status, call.response = status, answer
        if isinstance(answer, _Media):
            payload, ctype = answer.data, answer.content_type
        elif isinstance(answer, bytes):
            payload, ctype = answer, "text/html"
        else:
            payload, ctype = json.dumps(answer, ensure_ascii=False).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
