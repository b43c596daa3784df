"""Download a temporary media file (获取临时素材) — a resident's or member's photo.

Official Account: https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_temporary_materials.html
WeCom: https://developer.work.weixin.qq.com/document/path/90254
Both answer ``GET /cgi-bin/media/get?media_id=…`` with the bytes, or JSON with an errcode.
wechatpy's WeCom ``media.download`` calls ``requests.get`` on a hard-coded host with no
timeout, so the call goes through the client's ``get`` instead (base URL, token, retry).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException

from bot.wechat.errors import MediaError, describe

MAX_BYTES = 10 * 1024 * 1024  # WeChat's own ceiling for temporary images
EXTENSIONS = {
    "image/jpeg": ".jpg", "image/jpg": ".jpg", "image/png": ".png", "image/gif": ".gif",
    "image/webp": ".webp", "audio/amr": ".amr", "audio/speex": ".speex", "video/mp4": ".mp4",
}


def safe_name(prefix: str, media_id: str, content_type: str) -> str:
    """``official_<id chars>_<digest>.jpg``: no path separators, no dots, bounded length."""
    visible = re.sub(r"[^A-Za-z0-9_-]", "", media_id)[:48]
    digest = hashlib.sha256(media_id.encode()).hexdigest()[:10]
    ext = EXTENSIONS.get(content_type.split(";")[0].strip().lower(), ".bin")
    return f"{re.sub(r'[^a-z0-9]', '', prefix.lower()) or 'media'}_{visible}_{digest}{ext}"


def download(client: Any, media_id: str, dest_dir: str | Path, *, prefix: str) -> Path:
    """Fetch ``media_id`` with ``client`` and write it atomically under ``dest_dir``."""
    if not media_id:
        raise MediaError("media download failed: empty media_id")
    try:
        res = client.get("media/get", params={"media_id": media_id})
    except WeChatClientException as exc:
        raise MediaError(f"media download failed: {describe(exc.errcode, exc.errmsg)}") from None
    except requests.RequestException as exc:
        raise MediaError(f"media download failed: {type(exc).__name__}") from None
    if not isinstance(res, requests.Response):
        raise MediaError("media download failed: WeChat answered JSON, not a file")
    data = res.content
    if not data or len(data) > MAX_BYTES:
        raise MediaError(f"media download failed: {len(data)} bytes")
    folder = Path(dest_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(prefix, media_id, res.headers.get("Content-Type", ""))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise MediaError(f"media could not be saved: {exc.strerror}") from None
    return target
