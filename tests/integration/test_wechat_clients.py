"""The real wechatpy clients against the loopback fake of the WeChat API (bot/devtools/fakewechat.py).

No network beyond 127.0.0.1. Redis tests need ``TEST_REDIS_URL`` (e.g.
``redis://127.0.0.1:6379/15``) and are skipped without it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.fakewechat import (
    CUSTOM_SEND,
    GETTOKEN,
    MEDIA_GET,
    TOKEN,
    WECOM_SEND,
    FakeWeChat,
)
from bot.wechat import MediaError, Notifier, WeChatClients, build_clients
from bot.wechat.clients import DEFAULT_TIMEOUT, reset_shared_clients, shared_clients
from bot.wechat.errors import TokenError
from bot.wechat.templates import clean_field, load_templates
from bot.wechat.tokens import ExpiringMemoryStorage, LocalTokenLock, TokenKeeper, ttl_for
from config import Settings, load_settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set")
SECRET, CORP_SECRET = "oa-secret-0123456789", "wecom-secret-9876543210"
TIMEOUT = 0.5  # short, so the slow-API test stays quick
LONG_BODY = "您反映的问题（GR202611260001）已处理完毕，正在核查。\n处理情况：已清理楼道堆放的杂物并通知物业加强巡查"


@dataclass
class Push:
    """An outbox row as the notifier sees it."""

    channel: str
    recipient: str
    kind: str = "accepted"
    title: str = "事件GR202611260001"
    body: str = "您反映的问题已受理。\n编号：GR202611260001"
    url: str = ""
    data: dict[str, Any] = field(default_factory=lambda: {"code": "GR202611260001"})


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat(appid="wxtest", secret=SECRET, corp_id="wwtest", corp_secret=CORP_SECRET) as f:
        yield f


def make_settings(fake: FakeWeChat, tmp_path: Path, **extra: Any) -> Settings:
    return load_settings({}, dotenv=False).with_overrides(
        WECHAT_APPID="wxtest", WECHAT_SECRET=SECRET, WECOM_CORP_ID="wwtest",
        WECOM_SECRET=CORP_SECRET, WECOM_AGENT_ID="1000002", WECHAT_API_BASE_URL=fake.base_url,
        WECOM_API_BASE_URL=fake.base_url, MEDIA_DIR=str(tmp_path / "media"), **extra)


@pytest.fixture
def clients(fake: FakeWeChat, tmp_path: Path) -> Iterator[WeChatClients]:
    built = build_clients(make_settings(fake, tmp_path), timeout=TIMEOUT)
    yield built
    built.close()


@pytest.fixture
def notifier(clients: WeChatClients, tmp_path: Path) -> Notifier:
    return Notifier(clients, templates={"*": "TPL_PROGRESS", "closed": "TPL_CLOSED"},
                    media_dir=tmp_path / "media")


# -- tokens ---------------------------------------------------------------------------
def test_token_comes_from_the_fake_and_is_reused(fake, notifier):
    assert notifier.send(Push("official", "oRes1")).ok
    assert notifier.send(Push("official", "oRes2")).ok
    assert fake.official_token_fetches == 1
    sends = fake.calls_to(CUSTOM_SEND)
    assert {c.query["access_token"] for c in sends} == set(fake.issued_tokens)
    assert fake.calls_to(TOKEN)[0].query == {"grant_type": "client_credential", "appid": "wxtest",
                                            "secret": SECRET}


def test_expired_token_is_refreshed_once_and_the_send_succeeds(fake, notifier):
    assert notifier.send(Push("official", "oRes1")).ok
    fake.expire_tokens()
    result = notifier.send(Push("official", "oRes1"))
    assert result.ok
    assert fake.official_token_fetches == 2
    assert [c.response["errcode"] for c in fake.calls_to(CUSTOM_SEND)] == [0, 42001, 0]


def test_a_token_rejected_twice_is_retried_once_then_left_for_later(fake, notifier):
    fake.fail_next(CUSTOM_SEND, 40001, times=5)
    result = notifier.send(Push("official", "oRes1"))
    assert result.retry and result.errcode == 40001
    assert len(fake.calls_to(CUSTOM_SEND)) == 2  # wechatpy's own auto_retry would loop


def test_wecom_invalid_token_is_refreshed(fake, notifier):
    fake.fail_next(WECOM_SEND, 40014)
    assert notifier.send(Push("wecom", "member1")).ok
    assert fake.wecom_token_fetches == 2
    assert fake.calls_to(GETTOKEN)[0].query == {"corpid": "wwtest", "corpsecret": CORP_SECRET}


def test_token_endpoint_down_means_retry(fake, notifier):
    fake.fail_http(TOKEN, 500)
    result = notifier.send(Push("official", "oRes1"))
    assert result.retry and "HTTP 500" in result.reason
    assert notifier.send(Push("official", "oRes1")).ok


def test_wrong_secret_means_retry_not_dead_letter(fake, tmp_path):
    settings = make_settings(fake, tmp_path).with_overrides(WECHAT_SECRET="wrong")
    built = build_clients(settings, timeout=TIMEOUT)
    try:
        result = Notifier(built).send(Push("official", "oRes1"))
    finally:
        built.close()
    assert result.retry and result.errcode == 40125
    assert "wrong" not in result.reason


def test_redis_down_means_retry(fake, tmp_path):
    built = build_clients(make_settings(fake, tmp_path, REDIS_URL="redis://127.0.0.1:1/0"))
    try:
        result = Notifier(built).send(Push("official", "oRes1"))
    finally:
        built.close()
    assert result.retry and "token cache unavailable" in result.reason


def test_threads_of_one_process_fetch_one_token(fake, notifier):
    fake.delay(TOKEN, 0.2)
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(
        notifier.send(Push("official", "oRes1")).ok)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4 and fake.official_token_fetches == 1


def test_every_call_goes_to_the_base_url(fake, clients):
    assert clients.official.user.get("oRes1")["subscribe"] == 1
    absolute = "https://api.weixin.qq.com/datacube/getusersummary"
    assert clients.official.resolve_url(absolute) == f"{fake.base_url}/datacube/getusersummary"
    assert clients.wecom.resolve_url("message/send") == f"{fake.base_url}/cgi-bin/message/send"


def test_without_base_url_the_clients_keep_wechat_hosts(tmp_path):
    built = build_clients(load_settings({}, dotenv=False))
    try:
        assert built.official.resolve_url("message/custom/send") == (
            "https://api.weixin.qq.com/cgi-bin/message/custom/send")
        assert built.wecom.resolve_url("gettoken").startswith("https://qyapi.weixin.qq.com/")
        assert built.official.timeout == DEFAULT_TIMEOUT <= 5
    finally:
        built.close()


def test_one_set_of_clients_per_process(fake, tmp_path):
    settings = make_settings(fake, tmp_path)
    try:
        assert shared_clients(settings) is shared_clients(settings)
        assert shared_clients(settings).official.base_url == fake.base_url
    finally:
        reset_shared_clients()


def test_memory_cache_expires_tokens_before_wechat_does():
    now = [1000.0]
    storage = ExpiringMemoryStorage(clock=lambda: now[0])
    fetched = iter(["T1", "T2"])
    keeper = TokenKeeper(storage, "k", lambda: (next(fetched), 7200), LocalTokenLock())
    assert keeper.get() == "T1" and ttl_for(7200) == 6900
    now[0] += 6899
    assert keeper.get() == "T1"
    now[0] += 2
    assert keeper.get() == "T2"


def test_waiting_for_another_refresher_is_bounded():
    lock = LocalTokenLock()
    keeper = TokenKeeper(ExpiringMemoryStorage(), "k", lambda: ("T", 7200), lock, wait=0.1)
    assert lock.acquire("k") is not None  # someone else is refreshing and never finishes
    with pytest.raises(TokenError, match="timed out"):
        keeper.get()


# -- Official Account pushes --------------------------------------------------------
def test_customer_service_text_with_link(fake, notifier):
    push = Push("official", "oRes1", url="http://grid.test/cases/GR202611260001?a=1&b=2")
    result = notifier.send(push)
    assert result.ok and result.via == "custom"
    [sent] = fake.sent_custom()
    assert sent["touser"] == "oRes1" and sent["msgtype"] == "text"
    assert sent["text"]["content"] == (
        push.body + '\n<a href="http://grid.test/cases/GR202611260001?a=1&amp;b=2">查看详情</a>')


@pytest.mark.parametrize("errcode", [45015, 45047])
def test_window_closed_falls_back_to_a_template(fake, notifier, errcode):
    push = Push("official", "oRes1", kind="resolved", body=LONG_BODY, url="http://grid.test/c/1")
    fake.fail_next(CUSTOM_SEND, errcode)
    result = notifier.send(push)
    assert result.ok and result.via == "template"
    [sent] = fake.sent_templates()
    assert sent["template_id"] == "TPL_PROGRESS" and sent["url"] == "http://grid.test/c/1"
    values = [item["value"] for item in sent["data"].values()]
    assert values[:2] == ["GR202611260001", "已处理待核查"]
    assert all(len(v) <= 20 and "\n" not in v and "\r" not in v for v in values)
    assert values[2].startswith("您反映的问题") and values[2].endswith("…")


def test_window_known_closed_sends_the_template_directly(fake, notifier):
    assert notifier.send(Push("official", "oRes1", kind="closed"), window_open=False).ok
    assert fake.calls_to(CUSTOM_SEND) == []
    assert fake.sent_templates()[0]["template_id"] == "TPL_CLOSED"


def test_window_closed_without_a_template_gives_up(fake, clients):
    fake.close_window("oRes1")
    result = Notifier(clients).send(Push("official", "oRes1"))
    assert result.give_up and "no template" in result.reason


def test_quota_means_retry(fake, notifier):
    fake.fail_next(CUSTOM_SEND, 45009)
    result = notifier.send(Push("official", "oRes1"))
    assert result.retry and result.errcode == 45009 and "quota" in result.reason


@pytest.mark.parametrize("errcode", [43004, 40003])
def test_unsubscribed_or_invalid_openid_gives_up(fake, notifier, errcode):
    fake.fail_next(CUSTOM_SEND, errcode)
    result = notifier.send(Push("official", "oRes1"))
    assert result.give_up and result.errcode == errcode


def test_unsubscribed_during_template_fallback_gives_up(fake, notifier):
    fake.unsubscribe("oGone")
    result = notifier.send(Push("official", "oGone"), window_open=False)
    assert result.give_up and result.errcode == 43004 and result.via == ""


def test_http_500_means_retry(fake, notifier):
    fake.fail_http(CUSTOM_SEND, 500)
    result = notifier.send(Push("official", "oRes1"))
    assert result.retry and result.reason == "HTTP 500" and result.errcode is None


def test_a_slow_api_times_out_quickly_and_means_retry(fake, notifier):
    fake.delay(CUSTOM_SEND, TIMEOUT * 4)
    started = time.monotonic()
    result = notifier.send(Push("official", "oRes1"))
    assert result.retry and result.reason == "timeout"
    assert time.monotonic() - started < TIMEOUT * 3


def test_a_real_outbox_row_can_be_sent(fake, notifier):
    import core.models  # noqa: F401 - every mapper known
    from core.outbox import Notification

    row = Notification(channel="official", recipient="oRes1", kind="accepted", title="事件",
                       body="已受理", data={"code": "GR202611260001"})
    assert notifier.send(row).ok


# -- WeCom pushes ----------------------------------------------------------------------
def test_wecom_text_card(fake, notifier):
    push = Push("wecom", "member1", kind="dispatch", title="新派遣 GR202611260001",
                body="阳光花园3栋 楼道堆物\n时限 11月27日 17:30 <急>", url="http://grid.test/c/1")
    assert notifier.send(push).via == "textcard"
    [sent] = fake.sent_wecom()
    assert sent["touser"] == "member1" and sent["agentid"] == 1000002
    assert sent["msgtype"] == "textcard"
    assert sent["textcard"] == {"title": push.title, "url": push.url, "btntxt": "详情",
                                "description": "阳光花园3栋 楼道堆物<br>时限 11月27日 17:30 &lt;急&gt;"}


def test_wecom_text_and_markdown_without_link(fake, notifier):
    assert notifier.send(Push("wecom", "member1", title="", body="签到提醒")).via == "text"
    md = Push("wecom", "member1", body="**日报**", data={"format": "markdown"})
    assert notifier.send(md).via == "markdown"
    text, markdown = fake.sent_wecom()
    assert text["text"]["content"] == "签到提醒" and markdown["markdown"]["content"] == "**日报**"


def test_wecom_member_not_found_gives_up(fake, notifier):
    fake.remove_wecom_user("left1")
    result = notifier.send(Push("wecom", "left1"))
    assert result.give_up and result.errcode == 81013


# -- media -------------------------------------------------------------------------------
@pytest.mark.parametrize("channel", ["official", "wecom"])
def test_media_is_downloaded_to_the_media_dir(fake, notifier, tmp_path, channel):
    fake.add_media("MEDIA_1", b"\xff\xd8\xff\xe0photo", "image/jpeg")
    path = notifier.fetch_media(channel, "MEDIA_1")
    assert path.parent == tmp_path / "media" and path.suffix == ".jpg"
    assert path.read_bytes() == b"\xff\xd8\xff\xe0photo"
    assert fake.calls_to(MEDIA_GET)[0].query["media_id"] == "MEDIA_1"


def test_media_names_are_safe(fake, notifier, tmp_path):
    fake.add_media("../../etc/passwd", b"\x89PNG", "image/png")
    path = notifier.fetch_media("official", "../../etc/passwd", tmp_path / "x")
    assert path.parent == tmp_path / "x" and "/" not in path.name and ".." not in path.name


def test_media_failures_raise_a_clear_error(fake, notifier):
    with pytest.raises(MediaError, match="40007"):
        notifier.fetch_media("official", "missing")
    fake.fail_http(MEDIA_GET, 500)
    fake.add_media("M2", b"data")
    with pytest.raises(MediaError, match="media download failed"):
        notifier.fetch_media("wecom", "M2")


def test_template_fields_are_short_single_lines():
    assert clean_field("第一行\r\n第二行\u2028第三行") == "第一行 第二行 第三行"
    assert len(clean_field("一" * 50)) == 20
    specs = load_templates({"closed": {"template_id": "T", "fields": {"thing1": "data.grid"}}})
    assert specs["closed"].fields == {"thing1": "data.grid"} and specs["*"].template_id == ""


# -- logs and Redis ----------------------------------------------------------------------
def _assert_no_secrets(text: str, fake: FakeWeChat) -> None:
    assert fake.issued_tokens
    for secret in [*fake.issued_tokens, SECRET, CORP_SECRET]:
        assert secret not in text


def test_tokens_and_secrets_never_reach_the_logs(fake, notifier, caplog):
    caplog.set_level(logging.DEBUG)
    notifier.send(Push("official", "oRes1", url="http://grid.test/c/1"))
    fake.expire_tokens()
    fake.fail_http(CUSTOM_SEND, 502)
    results = [notifier.send(Push("official", "oRes1")), notifier.send(Push("wecom", "member1"))]
    _assert_no_secrets(caplog.text + "".join(r.reason for r in results), fake)
    assert "access_token=***" in caplog.text


@pytest.fixture
def redis_settings(fake: FakeWeChat, tmp_path: Path) -> Iterator[tuple[Settings, str]]:
    import redis

    prefix = f"wgt-test:{uuid.uuid4().hex[:8]}"
    yield make_settings(fake, tmp_path, REDIS_URL=REDIS_URL), prefix
    conn = redis.Redis.from_url(REDIS_URL)
    try:
        for key in conn.scan_iter(f"{prefix}:*"):
            conn.delete(key)
    finally:
        conn.close()


@needs_redis
def test_two_processes_share_one_token_through_redis(fake, redis_settings):
    settings, prefix = redis_settings
    first = build_clients(settings, timeout=TIMEOUT, token_prefix=prefix)
    second = build_clients(settings, timeout=TIMEOUT, token_prefix=prefix)
    try:
        fake.delay(TOKEN, 0.3)  # both ask at once; only one may fetch
        results: list[bool] = []
        threads = [threading.Thread(target=lambda c=c: results.append(
            Notifier(c).send(Push("official", "oRes1")).ok)) for c in (first, second) * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [True] * 4 and fake.official_token_fetches == 1
        fake.delay(TOKEN, 0)
        fake.expire_tokens()  # both see 42001; one refreshes, the other reads it
        assert Notifier(first).send(Push("official", "oRes1")).ok
        assert Notifier(second).send(Push("official", "oRes1")).ok
        assert fake.official_token_fetches == 2
    finally:
        first.close()
        second.close()


@needs_redis
def test_redis_path_logs_no_token(fake, redis_settings, caplog):
    settings, prefix = redis_settings
    caplog.set_level(logging.DEBUG)
    built = build_clients(settings, timeout=TIMEOUT, token_prefix=prefix)
    try:
        notifier = Notifier(built)
        assert notifier.send(Push("official", "oRes1")).ok
        assert notifier.send(Push("wecom", "member1", url="http://grid.test/c/1")).ok
    finally:
        built.close()
    _assert_no_secrets(caplog.text, fake)
