"""Template messages (模板消息) used when the 48 h customer-service window is closed.

Since the 2023 template-message rules each field holds at most 20 characters and no
line breaks (e.g. ``thing`` ≤ 20, 不支持换行). Template ids are per Official Account (chosen
in 公众平台 → 模板消息), so the defaults below carry no id: an override supplies them,
e.g. ``{"accepted": "Xy…", "*": "Ab…"}``; ``"*"`` covers every other kind.
https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

FIELD_LIMIT = 20
ANY_KIND = "*"

STATUS_LABELS = {
    "accepted": "已受理", "merged": "已合并办理", "resolved": "已处理待核查", "closed": "已结案",
    "rejected": "不予受理", "reopened": "重新办理", "publicity": "办理结果公示",
}

# 办件进度通知: 编号 / 状态 / 说明 — source names are explained in :func:`field_values`.
CASE_PROGRESS_FIELDS = {"character_string1": "code", "phrase2": "status", "thing3": "body"}


@dataclass(frozen=True)
class TemplateSpec:
    """One template: its id and which template field shows which part of the push."""

    template_id: str = ""
    fields: Mapping[str, str] = field(default_factory=lambda: dict(CASE_PROGRESS_FIELDS))


DEFAULT_TEMPLATES: dict[str, TemplateSpec] = {ANY_KIND: TemplateSpec()}


def load_templates(overrides: Mapping[str, str | Mapping[str, Any]] | None = None,
                   ) -> dict[str, TemplateSpec]:
    """Defaults plus overrides: ``kind → template id`` or ``kind → {template_id, fields}``."""
    specs = dict(DEFAULT_TEMPLATES)
    for kind, value in (overrides or {}).items():
        base = specs.get(kind, specs[ANY_KIND])
        if isinstance(value, str):
            specs[kind] = replace(base, template_id=value)
        else:
            specs[kind] = TemplateSpec(str(value.get("template_id", base.template_id)),
                                       dict(value.get("fields", base.fields)))
    return specs


def template_for(specs: Mapping[str, TemplateSpec], kind: str) -> TemplateSpec | None:
    """The template configured for ``kind`` (or ``*``); None when it has no id."""
    spec = specs.get(kind) or specs.get(ANY_KIND)
    return spec if spec and spec.template_id else None


def clean_field(text: object, limit: int = FIELD_LIMIT) -> str:
    """One line, at most ``limit`` characters (the last one ``…`` when cut)."""
    line = re.sub(r"\s+", " ", str(text or "")).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def field_values(spec: TemplateSpec, *, kind: str, title: str, body: str,
                 data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The ``data`` object of a template message.

    Sources: ``code`` (``data["code"]``), ``status`` (label of the kind), ``title``,
    ``body``, or ``data.<key>`` for any other value the outbox row carries.
    """
    values = {"code": data.get("code", ""), "status": STATUS_LABELS.get(kind, title or kind),
              "title": title, "body": body}
    out: dict[str, dict[str, str]] = {}
    for key, source in spec.fields.items():
        raw = data.get(source[5:], "") if source.startswith("data.") else values.get(source, "")
        out[key] = {"value": clean_field(raw) or "—"}
    return out
