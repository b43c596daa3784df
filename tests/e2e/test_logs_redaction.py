"""No secret in any log line (SPEC §9): drive the app with recognisable secrets and read every
record from every logger, at DEBUG, as records and as the text and JSON lines they become.

The live server (werkzeug logs each request line with its query string) takes signed
callbacks in safe mode; the outbox worker pushes through the real clients to the loopback
fake (token fetches put the app secret and the access token in URLs that urllib3 logs at
DEBUG); then a push fails (token rejected, HTTP 500, the fake gone) and is logged as such.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
import requests

from bot.devtools.fakewechat import CUSTOM_SEND, WECOM_SEND, FakeWeChat
from bot.devtools.signer import Signer
from bot.logging_setup import JsonFormatter, TextFormatter, configure_logging
from bot.outbox_worker import OutboxWorker
from bot.wechat import build_clients, build_notifier
from bot.wechat.clients import reset_shared_clients
from core.outbox import enqueue
from core.uow import UnitOfWork

pytestmark = pytest.mark.usefixtures("town")
APPID, CORP = "wxLOGTESTAPP0001", "wwLOGTESTCORP001"
SECRETS = {
    "WECHAT_SECRET": "WXSECRETlog7f3a9c1e5b",
    "WECOM_SECRET": "CORPSECRETlog2d8b6e4a",
    "WECHAT_TOKEN": "CBTOKENofficial91x",
    "WECOM_TOKEN": "CBTOKENwecom7321y",
    "WECHAT_AES_KEY": "AESKEYofficialLOG" + "abcdefghijklmnopqrstuvwxyz",
    "WECOM_AES_KEY": "AESKEYwecomLOGxyz" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "SECRET_KEY": "FLASKSECRETkeyLOG5501",
    "METRICS_TOKEN": "METRICSbearerLOG8842",
}


class Capture(logging.Handler):
    """Keeps every record it is given."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def capture() -> Iterator[Capture]:
    """Every logger at DEBUG, every record to :class:`Capture` (also from non-propagating
    loggers); the levels and handlers are put back afterwards."""
    handler = Capture()
    manager = logging.root.manager
    loggers = [logging.getLogger()] + [v for v in manager.loggerDict.values()
                                       if isinstance(v, logging.Logger)]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
        if lg is logging.getLogger() or not lg.propagate:
            lg.addHandler(handler)
    yield handler
    for lg, level, disabled in saved:
        lg.setLevel(level)
        lg.disabled = disabled
        lg.removeHandler(handler)


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat(appid=APPID, secret=SECRETS["WECHAT_SECRET"], corp_id=CORP,
                    corp_secret=SECRETS["WECOM_SECRET"]) as f:
        yield f


@pytest.fixture
def settings(settings, fake):
    return settings.with_overrides(
        WECHAT_APPID=APPID, WECOM_CORP_ID=CORP, WECHAT_ENCRYPT_MODE="safe",
        WECHAT_API_BASE_URL=fake.base_url, WECOM_API_BASE_URL=fake.base_url,
        LOG_FORMAT="json", **SECRETS)


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    reset_shared_clients()


@pytest.fixture
def json_stream(settings) -> Iterator[io.StringIO]:
    """The deploy setup (JSON lines) writing to a stream; the root logger put back after."""
    root = logging.getLogger()
    level, stream = root.level, io.StringIO()
    configure_logging(settings, stream=stream)
    yield stream
    for h in [h for h in root.handlers if getattr(h, "wanggetong", False)]:
        root.removeHandler(h)
    root.setLevel(level)


def _leaks(text: str, forbidden: list[str]) -> list[str]:
    return [s for s in forbidden if s and s in text]


def _signatures(query: str) -> list[str]:
    return [v for k, v in parse_qsl(query) if k in ("signature", "msg_signature")]


def test_no_secret_token_or_signature_in_any_log_record(capture, json_stream, live_server, fake,
                                                         runtime, clock):
    stream = json_stream
    sent_signatures = _drive(live_server, fake, runtime, clock)

    forbidden = [*SECRETS.values(), *fake.issued_tokens, *sent_signatures]
    assert len(fake.issued_tokens) >= 3 and len(sent_signatures) >= 4
    records = capture.records
    assert len(records) > 30
    text_fmt, json_fmt = TextFormatter(), JsonFormatter()
    for record in records:
        seen = [record.getMessage(), record.exc_text or "", record.stack_info or "",
                repr(record.args), text_fmt.format(record), json_fmt.format(record)]
        seen += [str(v) for v in vars(record).values()]
        leaks = _leaks("\n".join(seen), forbidden)
        assert not leaks, (record.name, record.getMessage(), leaks)
    lines = stream.getvalue().splitlines()
    assert lines and all(json.loads(line)["level"] for line in lines)
    assert not _leaks(stream.getvalue(), forbidden)

    # the lines that carried secrets were logged, masked — not merely absent
    messages = "\n".join(r.getMessage() for r in records)
    assert re.search(r"secret=\*\*\*", messages)  # the token fetch (urllib3, DEBUG)
    assert re.search(r"access_token=\*\*\*", messages)  # a push
    assert re.search(r"signature=\*\*\*", messages)  # werkzeug's request line
    assert any(r.name == "wanggetong.request" and getattr(r, "status", 0) == 403 for r in records)
    assert any(r.name == "bot.wechat.notifier" and r.levelno == logging.WARNING for r in records)


def _drive(base: str, fake: FakeWeChat, runtime, clock) -> list[str]:  # type: ignore[no-untyped-def]
    official = Signer(token=SECRETS["WECHAT_TOKEN"], receive_id=APPID,
                      aes_key=SECRETS["WECHAT_AES_KEY"])
    wecom = Signer(token=SECRETS["WECOM_TOKEN"], receive_id=CORP, aes_key=SECRETS["WECOM_AES_KEY"],
                   account=CORP)
    ts, sigs = int(clock.now().timestamp()), []

    def post(path: str, query: str, body: bytes) -> requests.Response:
        sigs.extend(_signatures(query))
        return requests.post(f"{base}{path}?{query}", data=body, timeout=10)

    q = official.echo_plain("echo-123", ts)
    sigs.extend(_signatures(q))
    assert requests.get(f"{base}/wechat/official?{q}", timeout=10).text == "echo-123"
    q, b = official.safe(official.text("o-log-1", "绑定 阳光花园3栋", 1, ts), ts)
    assert post("/wechat/official", q, b).status_code == 200
    q, b = official.safe(official.text("o-log-1", "阳光花园3栋楼下垃圾堆了三天没人清", 2, ts), ts)
    assert post("/wechat/official", q, b).status_code == 200
    fields = wecom.text("leader1", "待办", 3, ts, AgentID=1000002)
    fields["ToUserName"] = CORP
    q, b = wecom.safe(fields, ts, with_signature=False)
    assert post("/wechat/work", q, b).status_code == 200
    q, b = official.safe(official.text("o-log-1", "帮助", 4, ts), ts)
    bad = q.replace("msg_signature=", "msg_signature=0")  # a forged signature is refused
    assert post("/wechat/official", bad, b).status_code == 403
    auth = {"Authorization": f"Bearer {SECRETS['METRICS_TOKEN']}"}
    assert requests.get(f"{base}/metrics", headers=auth, timeout=10).status_code == 200
    assert requests.get(f"{base}/metrics", headers={"Authorization": "Bearer wrong-token"},
                        timeout=10).status_code == 403

    worker = OutboxWorker(runtime.env, build_notifier(runtime.settings,
                                                      clients=build_clients(runtime.settings)),
                          media_dir=runtime.settings.MEDIA_DIR)
    assert worker.run_once()["sent"] >= 2  # the case's pushes: leader (WeCom), resident
    fake.expire_tokens()  # 40001 → refresh with the secret → retry
    fake.fail_http(WECOM_SEND, 500)
    _queue(runtime, "t1", "official", "o-log-1")
    _queue(runtime, "t2", "wecom", "leader1")
    worker.run_once()
    fake.fail_next(CUSTOM_SEND, 45009)  # quota: the channel backs off
    _queue(runtime, "t3", "official", "o-log-1")
    worker.run_once()
    fake.stop()  # the API is gone: connection refused, with the token in the URL
    _queue(runtime, "t4", "wecom", "member1")
    worker.run_once()
    return sigs


def _queue(runtime, key: str, channel: str, recipient: str) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(runtime.env) as uow:
        enqueue(uow.session, dedup_key=f"log-test:{key}", channel=channel, recipient=recipient,
                kind="notice", body="测试推送", now=uow.now())


def test_database_and_redis_passwords_are_masked(capture, settings):
    url = "postgresql+psycopg://grid:DBPASSlog3344x@db.internal:5432/wanggetong"
    settings = settings.with_overrides(DATABASE_URL=url, REDIS_URL="redis://:REDISPASSlog9@r:6379/0")
    configure_logging(settings)
    log = logging.getLogger("wanggetong.test")
    log.error("cannot reach %s", url)
    try:
        raise RuntimeError(f"connect failed: {url} and redis://:REDISPASSlog9@r:6379/0")
    except RuntimeError:
        log.exception("startup")
    log.warning("headers %s", {"Authorization": "Bearer abc.def-ghi", "access_token": "tokXYZ123"})
    text = "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in capture.records
                     if r.name == "wanggetong.test")
    for secret in ("DBPASSlog3344x", "REDISPASSlog9", "abc.def-ghi", "tokXYZ123"):
        assert secret not in text
    assert "grid:***@db.internal" in text and "Traceback" in text


def test_json_lines_carry_request_id_endpoint_status_and_duration(app, client, json_stream):
    stream = json_stream
    kept = client.get("/cases/GR209901010001", headers={"X-Request-Id": "nginx-abc.123"})
    made = client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
    with app.test_request_context("/wechat/official", headers={"X-Request-Id": "ctx-1"}):
        app.preprocess_request()
        logging.getLogger("wanggetong.test").warning("inside", extra={"case": "GR1"})
    assert kept.headers["X-Request-Id"] == "nginx-abc.123"
    assert re.fullmatch(r"[0-9a-f]{16}", made.headers["X-Request-Id"])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [page] = [x for x in lines if x["logger"] == "wanggetong.request"]  # /healthz 200 is DEBUG
    assert page["request_id"] == "nginx-abc.123" and page["endpoint"] == "/cases/<code>"
    assert page["status"] == kept.status_code and page["method"] == "GET"
    assert isinstance(page["duration_ms"], float) and page["ts"].endswith("+00:00")
    [inside] = [x for x in lines if x["logger"] == "wanggetong.test"]
    assert inside["request_id"] == "ctx-1" and inside["endpoint"] == "/wechat/official"
    assert inside["case"] == "GR1" and inside["level"] == "WARNING" and inside["msg"] == "inside"
