"""Time-limit policies and the routing table, loaded from ``config/`` (时效、派遣路由)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from core.errors import InvalidInput

LEVELS = ("grid", "community", "town", "county")
LEVEL_LABELS = {"grid": "网格", "community": "社区", "town": "镇(街道)", "county": "县级"}
CATEGORIES = ("env", "city", "facility", "building", "safety", "dispute", "security", "welfare",
              "labor", "population", "property", "health", "other")
CATEGORY_LABELS = {
    "env": "环境卫生", "city": "市容秩序", "facility": "市政设施", "building": "违法建设",
    "safety": "安全隐患", "dispute": "矛盾纠纷", "security": "社会治安", "welfare": "民政服务",
    "labor": "劳动保障", "population": "人口服务", "property": "物业管理", "health": "卫生健康",
    "other": "其他",
}
# 来源渠道: where a case came from.
CHANNEL_LABELS = {"official": "公众号", "wecom": "企业微信", "open311": "Open311接口"}


def next_level(level: str) -> str | None:
    """The level a case escalates to (上报), or None at the county."""
    i = LEVELS.index(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


@dataclass(frozen=True)
class TimeLimitPolicy:
    """处置时效: working days allowed per level."""

    name: str
    label: str
    limits: dict[str, int]
    max_days: int | None = None

    def days_for(self, level: str) -> int:
        return self.limits[level]


@dataclass(frozen=True)
class RoutingTable:
    """Category × level → role or department, and each category's first level."""

    first_level: dict[str, str]
    routes: dict[str, dict[str, str]]

    def first_level_for(self, category: str) -> str:
        return self.first_level.get(category, "grid")

    def assignee_for(self, category: str, level: str) -> str:
        return self.routes.get(category, {}).get(level) or self.routes["default"][level]


def _read_yaml(path: str | Path) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise InvalidInput(f"{path}{line}: YAML 格式错误: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: 顶层必须是映射")
    return data


def load_policy(path: str | Path, name: str) -> TimeLimitPolicy:
    data = _read_yaml(path)
    if name not in data:
        raise InvalidInput(f"{path}: 没有名为 {name!r} 的时效策略（可选: {', '.join(data)}）")
    entry = data[name]
    limits = {lvl: int(entry["limits"][lvl]) for lvl in LEVELS}
    if any(v < 1 for v in limits.values()):
        raise InvalidInput(f"{path}: {name} 的时限必须是正整数")
    cap = entry.get("max_days")
    return TimeLimitPolicy(name, str(entry.get("label", name)), limits,
                           int(cap) if cap is not None else None)


def load_routing(path: str | Path) -> RoutingTable:
    data = _read_yaml(path)
    first = {str(k): str(v) for k, v in (data.get("first_level") or {}).items()}
    routes = {str(k): {str(lk): str(lv) for lk, lv in (v or {}).items()}
              for k, v in (data.get("routes") or {}).items()}
    for cat, lvl in first.items():
        if cat not in CATEGORIES or lvl not in LEVELS:
            raise InvalidInput(f"{path}: first_level 中 {cat}: {lvl} 无效")
    if "default" not in routes or any(lvl not in routes["default"] for lvl in LEVELS):
        raise InvalidInput(f"{path}: routes.default 必须为每个层级 {LEVELS} 指定承办")
    for cat, by_level in routes.items():
        if cat != "default" and cat not in CATEGORIES:
            raise InvalidInput(f"{path}: routes 中未知类别 {cat}")
        for lvl in by_level:
            if lvl not in LEVELS:
                raise InvalidInput(f"{path}: routes.{cat} 中未知层级 {lvl}")
    return RoutingTable(first, routes)
