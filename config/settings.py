"""Settings from the environment (配置).

Every name matches SPEC §8. A ``.env`` file in the project root is read for development
(values already in the environment win). Nothing here opens a connection.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
PROJECT_DIR = CONFIG_DIR.parent


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_DIR / 'instance' / 'wanggetong.db'}"


@dataclass(frozen=True)
class Settings:
    """All runtime settings; field names are the environment variable names."""

    DATABASE_URL: str = field(default_factory=_default_database_url)
    REDIS_URL: str = ""
    SECRET_KEY: str = "dev-only-change-me"
    STATS_LINK_TTL_HOURS: int = 72  # stats links in digests (signed with SECRET_KEY: set it)
    WECHAT_TOKEN: str = "wanggetong-dev-token"
    WECHAT_APPID: str = "wx0000000000000000"
    WECHAT_SECRET: str = ""
    WECHAT_AES_KEY: str = ""
    WECHAT_ENCRYPT_MODE: str = ""  # plain | compatible | safe; empty → safe when an AES key is set
    WECOM_CORP_ID: str = "ww0000000000000000"
    WECOM_AGENT_ID: str = "1000002"
    WECOM_SECRET: str = ""
    WECOM_TOKEN: str = "wanggetong-dev-token"
    WECOM_AES_KEY: str = "wanggetongDevOnlyKeyForLocalWeComCallbacks1"  # dev only: set your own
    WECHAT_API_BASE_URL: str = ""
    WECOM_API_BASE_URL: str = ""
    OPEN311_API_KEYS: str = ""
    OPEN311_RATE_PER_MINUTE: int = 60  # sustained POSTs a minute per API key; 0 disables
    OPEN311_RATE_BURST: int = 30  # POSTs at once before the rate applies
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    TIME_LIMIT_POLICY: str = "default"  # default (制度4/8) | zhidu11 (制度11)
    HOLIDAY_DIR: str = str(CONFIG_DIR / "holidays")
    ROUTING_FILE: str = str(CONFIG_DIR / "routing.yaml")
    POLICY_FILE: str = str(CONFIG_DIR / "policies.yaml")
    REMINDERS_FILE: str = str(CONFIG_DIR / "reminders.yaml")
    NLP_CONFIDENCE_THRESHOLD: float = 0.45
    MEDIA_DIR: str = str(PROJECT_DIR / "instance" / "media")
    TIMEZONE: str = "Asia/Shanghai"
    LOG_LEVEL: str = "INFO"
    # operations (docs/operations.md): log format, per-sender rate limit, /metrics access
    LOG_FORMAT: str = "text"  # text (development) | json (one object per line, for deploy)
    RATE_LIMIT_PER_MINUTE: int = 20  # sustained messages a minute per sender; 0 disables
    RATE_LIMIT_BURST: int = 12  # messages at once before the rate applies (9 photos + text)
    RATE_LIMIT_CHANNELS: str = "official"  # comma-separated: official, wecom
    METRICS_TOKEN: str = ""  # bearer token for GET /metrics; empty → loopback only

    @property
    def open311_keys(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.OPEN311_API_KEYS.split(",") if k.strip())

    @property
    def uses_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    def with_overrides(self, **overrides: object) -> Settings:
        return replace(self, **overrides)  # type: ignore[arg-type]


def _coerce(value: str, default: object) -> object:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, float):
        return float(value)
    if isinstance(default, int):
        return int(value)
    return value


def load_settings(environ: dict[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build :class:`Settings` from ``environ`` (default ``os.environ``) and ``.env``."""
    env = dict(os.environ if environ is None else environ)
    if dotenv and environ is None:
        from dotenv import dotenv_values

        for key, value in dotenv_values(PROJECT_DIR / ".env").items():
            if value is not None:
                env.setdefault(key, value)
    defaults = Settings()
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = env.get(f.name)
        if raw is not None and raw != "":
            values[f.name] = _coerce(raw, getattr(defaults, f.name))
    return replace(defaults, **values)
