"""What our two clients add to wechatpy's (主动调用): base-URL redirect, shared token, retry once.

wechatpy 1.8 hard-codes ``https://api.weixin.qq.com`` / ``https://qyapi.weixin.qq.com`` in
``fetch_access_token`` and in the ``API_BASE_URL`` of several API groups. This mixin sends
every call — token endpoints included — to the configured base URL, keeps the token in a
shared cache with one refresher (:mod:`bot.wechat.tokens`), gives the token request a
timeout, and retries a call once when WeChat rejects the token (40001/40014/42001).
wechatpy's own ``auto_retry`` must be off: it re-fetches without a lock and recurses for as
long as WeChat says 40001.

获取 Access token: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from bot.wechat.errors import TOKEN_ERRCODES, TokenError
from bot.wechat.tokens import TokenKeeper, TokenLock

log = logging.getLogger(__name__)


class SharedTokenClient:
    """Mixin for a wechatpy client: base-URL redirect, shared token, one retry."""

    label = ""
    _http: requests.Session
    timeout: float

    def _setup(self, base_url: str, storage: SessionStorage, lock: TokenLock) -> None:
        self.base_url = base_url.rstrip("/")
        self.keeper = TokenKeeper(storage, self.access_token_key, self._fetch_token, lock)

    def _token_endpoint(self) -> tuple[str, dict[str, str]]:
        raise NotImplementedError

    def resolve_url(self, url_or_endpoint: str, api_base_url: str | None = None) -> str:
        """Full URL of an endpoint, moved to ``base_url`` when one is configured."""
        url = url_or_endpoint
        if not url.startswith(("http://", "https://")):
            url = f"{api_base_url or self.API_BASE_URL}{url}"  # type: ignore[attr-defined]
        parts = urlsplit(url)
        if self.base_url and (parts.hostname or "").endswith("weixin.qq.com"):
            url = f"{self.base_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return url

    @property
    def access_token(self) -> str:
        return self.keeper.get()

    def fetch_access_token(self) -> dict[str, Any]:
        """wechatpy's hook: force a new token (under the shared lock)."""
        return {"access_token": self.keeper.refresh(stale=self.keeper.storage.get(self.keeper.key))}

    def _fetch_token(self) -> tuple[str, int]:
        url, params = self._token_endpoint()
        log.info("%s: fetching a new access token", self.label)
        try:
            res = self._http.get(self.resolve_url(url), params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TokenError(None, f"token endpoint unreachable ({type(exc).__name__})") from None
        if res.status_code >= 400:
            raise TokenError(None, f"token endpoint answered HTTP {res.status_code}")
        try:
            result = res.json()
        except ValueError:
            raise TokenError(None, "token endpoint answered no JSON") from None
        if result.get("errcode") or not result.get("access_token"):
            raise TokenError(result.get("errcode"), str(result.get("errmsg", "no access_token")))
        return str(result["access_token"]), int(result.get("expires_in", 7200))

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        url = self.resolve_url(url_or_endpoint, kwargs.pop("api_base_url", None))
        params = kwargs.pop("params", None)
        for attempt in (1, 2):
            query = dict(params) if isinstance(params, dict) else {}
            sent = query.get("access_token") or self.access_token
            query["access_token"] = sent
            try:
                return super()._request(method, url, params=query, **kwargs)  # type: ignore[misc]
            except WeChatClientException as exc:
                if attempt == 2 or exc.errcode not in TOKEN_ERRCODES:
                    raise
                log.info("%s: access token rejected (errcode %s), refreshing once",
                         self.label, exc.errcode)
                self.keeper.refresh(stale=sent)
                params = {k: v for k, v in (params or {}).items() if k != "access_token"}
        raise AssertionError("unreachable")  # pragma: no cover
