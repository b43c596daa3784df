"""Conversation state per user (会话状态): what the bot is waiting for from them.

Kept in the store (a Redis hash with expiry, or in-process), never in the database:
a report waiting for its address, the category menu, the rating prompt, the case a
photo should join.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any

from bot.store import Maps, Store, StoreUnavailable

DEFAULT_TTL = 30 * 60


def conversation_key(channel: str, user: str) -> str:
    return f"conv:{channel}:{user}"


class Conversation:
    """One user's state. ``deferred``: changes are kept and written by :meth:`save` in one
    round trip (the pipeline saves after each message); ``loaded``: the state already read."""

    def __init__(self, store: Store, channel: str, user: str, ttl: int = DEFAULT_TTL, *,
                 deferred: bool = False, loaded: dict[str, str] | None = None) -> None:
        self.store, self.key, self.ttl = store, conversation_key(channel, user), ttl
        self._cache: dict[str, str] | None = loaded
        self.deferred, self._dirty = deferred, False

    def _load(self) -> dict[str, str]:
        if self._cache is None:
            try:
                self._cache = self.store.get_map(self.key)
            except StoreUnavailable:
                self._cache = {}
        return self._cache

    def get(self, name: str, default: str = "") -> str:
        return self._load().get(name, default)

    def get_json(self, name: str) -> Any:
        raw = self.get(name)
        return json.loads(raw) if raw else None

    def update(self, **fields: Any) -> None:
        """Merge fields (None removes one); JSON-encodes anything that is not a string."""
        data = dict(self._load())
        for name, value in fields.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        self._cache = data
        self._dirty = True
        if not self.deferred:
            self.save()

    def save(self) -> None:
        """Write the changed state (a no-op when nothing changed)."""
        changes = self.changes()
        if changes:
            with contextlib.suppress(StoreUnavailable):  # without state the bot just asks again
                self.store.set_many({}, 0, changes)

    def changes(self) -> Maps:
        """The write :meth:`save` would make, for the caller to send with its own (the
        pipeline's reply and done mark): taken, so it is not made twice."""
        if not self._dirty or self._cache is None:
            return {}
        self._dirty = False
        return {self.key: (self._cache, self.ttl)}

    def mark(self, name: str, value: str, now: datetime) -> None:
        """Remember ``value`` under ``name`` with the time it was set (e.g. the case a photo joins)."""
        self.update(**{name: value, f"{name}_at": str(int(now.timestamp()))})

    def recent(self, name: str, now: datetime, seconds: int) -> str:
        """The value :meth:`mark` set under ``name`` if at most ``seconds`` old, else ''."""
        value, at = self.get(name), self.get(f"{name}_at")
        if value and at.isdigit() and now.timestamp() - int(at) <= seconds:
            return value
        return ""

    def clear(self, *names: str) -> None:
        self.update(**{name: None for name in (names or tuple(self._load()))})
