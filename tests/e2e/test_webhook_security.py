"""Hostile and odd callbacks: each a 4xx or a friendly reply, never a 500, nothing lost."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.devtools.signer import sha1_sorted
from core.inbound import InboundMessage


def _count(uow) -> int:
    with uow() as tx:
        return tx.session.scalar(select(func.count(InboundMessage.id)))


def test_echostr_verification(client, official, wecom, clock):
    ts = int(clock.now().timestamp())
    resp = client.get("/wechat/official?" + official.echo_plain("hello123", ts))
    assert resp.status_code == 200 and resp.data == b"hello123"
    resp = client.get("/wechat/work?" + wecom.echo_wecom("echo-456", ts))
    assert resp.status_code == 200 and resp.data == b"echo-456"
    assert client.get("/wechat/official?signature=x&timestamp=1&nonce=2&echostr=3").status_code == 403


def test_plain_and_safe_messages_get_replies(resident_chat):
    assert "反映问题" in resident_chat().say("帮助")
    assert "反映问题" in resident_chat("o-2", safe=True).say("帮助")


def test_bad_signature_stale_timestamp_wrong_appid(client, official, clock, uow):
    ts = int(clock.now().timestamp())
    fields = official.text("o-1", "帮助", 1, ts)
    query, body = official.plain(fields, ts)
    bad = query.replace("signature=", "signature=0")
    assert client.post("/wechat/official?" + bad, data=body).status_code == 403
    old = ts - 3600
    query, body = official.plain(official.text("o-1", "帮助", 2, old), old)
    assert client.post("/wechat/official?" + query, data=body).status_code == 403
    query, body = official.safe(fields, ts, receive_id="wxSOMEONEELSE")
    assert client.post("/wechat/official?" + query, data=body).status_code == 403
    assert _count(uow) == 0


def test_wecom_message_for_another_corp_is_refused(client, wecom, clock):
    ts = int(clock.now().timestamp())
    fields = wecom.text("leader1", "待办", 5, ts, AgentID=1000002)
    query, body = wecom.safe(fields, ts, receive_id="wwSOMEOTHERCORP", with_signature=False)
    assert client.post("/wechat/work?" + query, data=body).status_code == 403


def test_entity_expansion_and_doctype_refused(client, official, clock):
    ts = int(clock.now().timestamp())
    nonce = "n1"
    sig = sha1_sorted(official.token, str(ts), nonce)
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>"
            "<MsgType>text</MsgType><Content>&lol2;</Content><MsgId>1</MsgId></xml>")
    resp = client.post(f"/wechat/official?signature={sig}&timestamp={ts}&nonce={nonce}", data=bomb)
    assert resp.status_code == 400


def test_large_and_malformed_bodies(client, official, clock):
    ts = int(clock.now().timestamp())
    query, _ = official.plain(official.text("o-1", "x", 3, ts), ts)
    assert client.post("/wechat/official?" + query, data=b"<xml>" + b"a" * (1024 * 1024)).status_code == 413
    assert client.post("/wechat/official?" + query, data=b"<xml><unclosed>").status_code == 400
    assert client.post("/wechat/official?" + query, data=b"not xml at all").status_code == 400
    assert client.post("/wechat/work?" + query, data=b"<xml><Encrypt>@@@</Encrypt></xml>").status_code in (400, 403)


def test_unknown_type_empty_content_emoji(resident_chat):
    chat = resident_chat()
    assert "反映问题" in chat.send("shortvideo", MediaId="m1", ThumbMediaId="t1")
    assert "反映问题" in chat.say("")
    assert chat.say("👍👍👍")  # something friendly, never an error
