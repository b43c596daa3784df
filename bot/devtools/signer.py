"""Build callbacks exactly as WeChat and WeCom send them: signed, and in safe mode encrypted.

Used by `flask chat`, `flask demo`, the benchmark and the tests.

Signature = sha1 of the sorted (token, timestamp, nonce); in AES mode msg_signature = sha1
of the sorted (token, timestamp, nonce, Encrypt) and Encrypt = base64(AES-256-CBC(random16
+ length + xml + appid/corpid), PKCS#7 to 32 bytes), key = base64(EncodingAESKey + "=").
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import struct
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def aes_encrypt(aes_key: str, xml: str, receive_id: str) -> str:
    key = base64.b64decode(aes_key + "=")
    body = xml.encode()
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + receive_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def aes_decrypt(aes_key: str, encrypted: str) -> tuple[str, str]:
    key = base64.b64decode(aes_key + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    plain = plain[: -plain[-1]]
    length = struct.unpack(">I", plain[16:20])[0]
    return plain[20 : 20 + length].decode(), plain[20 + length :].decode()


def message_xml(fields: dict[str, object]) -> str:
    parts = []
    for name, value in fields.items():
        if isinstance(value, int | float):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{escape(str(value))}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Signer:
    """Makes (query string, body) pairs for one account."""

    token: str
    receive_id: str  # AppID (Official Account) or CorpID (WeCom)
    aes_key: str = ""
    account: str = "gh_test_account"

    def text(self, sender: str, content: str, msg_id: int, ts: int, **extra: object) -> dict:
        return {"ToUserName": self.account, "FromUserName": sender, "CreateTime": ts,
                "MsgType": "text", "Content": content, "MsgId": msg_id, **extra}

    def plain(self, fields: dict[str, object], ts: int, nonce: str | None = None) -> tuple[str, bytes]:
        nonce = nonce or secrets.token_hex(8)
        sig = sha1_sorted(self.token, str(ts), nonce)
        query = urlencode({"signature": sig, "timestamp": ts, "nonce": nonce, "openid": fields.get("FromUserName", "")})
        return query, message_xml(fields).encode()

    def safe(self, fields: dict[str, object], ts: int, nonce: str | None = None,
             receive_id: str | None = None, with_signature: bool = True) -> tuple[str, bytes]:
        nonce = nonce or secrets.token_hex(8)
        encrypted = aes_encrypt(self.aes_key, message_xml(fields), receive_id or self.receive_id)
        params: dict[str, object] = {"timestamp": ts, "nonce": nonce,
                                     "msg_signature": sha1_sorted(self.token, str(ts), nonce, encrypted)}
        if with_signature:  # the Official Account also sends the plain signature and encrypt_type
            params.update(signature=sha1_sorted(self.token, str(ts), nonce), encrypt_type="aes")
        body = f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        return urlencode(params), body.encode()

    def echo_plain(self, echostr: str, ts: int) -> str:
        nonce = secrets.token_hex(8)
        return urlencode({"signature": sha1_sorted(self.token, str(ts), nonce), "timestamp": ts,
                          "nonce": nonce, "echostr": echostr})

    def echo_wecom(self, echostr: str, ts: int) -> str:
        nonce = secrets.token_hex(8)
        encrypted = aes_encrypt(self.aes_key, echostr, self.receive_id)
        return urlencode({"msg_signature": sha1_sorted(self.token, str(ts), nonce, encrypted),
                          "timestamp": ts, "nonce": nonce, "echostr": encrypted})

    def open_reply(self, body: bytes) -> str:
        """The reply XML, decrypted when it came encrypted."""
        import xml.etree.ElementTree as ET

        root = ET.fromstring(body)
        enc = root.findtext("Encrypt")
        if enc is None:
            return body.decode()
        xml, rid = aes_decrypt(self.aes_key, enc)
        assert rid == self.receive_id
        return xml

    def reply_text(self, body: bytes) -> str:
        import xml.etree.ElementTree as ET

        return ET.fromstring(self.open_reply(body)).findtext("Content") or ""
