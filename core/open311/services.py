"""The service list (服务目录): our 13 case categories as GeoReport v2 services (SPEC §3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.cases.policy import CATEGORIES, CATEGORY_LABELS
from core.errors import NotFound

# What each category covers, in the words a resident would use (SPEC §3, "typical content").
DESCRIPTIONS: dict[str, str] = {
    "env": "垃圾堆积、卫生死角、污水、异味、施工或商铺噪音、油烟等环境卫生问题",
    "city": "占道经营、乱摆摊、乱张贴乱悬挂乱堆放、乱停车、小广告等市容秩序问题",
    "facility": "路灯、井盖、道路破损、下水道堵塞、停水停电等公共道路和市政设施问题",
    "building": "违章搭建、私搭乱建、破坏承重墙、占用绿地等违法建设",
    "safety": "消防通道堵塞、楼道电动车充电、飞线充电、燃气泄漏、危房、电梯困人、高空抛物等安全隐患",
    "dispute": "邻里、漏水、家庭、物业、宠物等矛盾纠纷，需要调解",
    "security": "偷盗、打架、可疑人员、诈骗、赌博、吸毒等社会治安问题",
    "welfare": "低保、困难救助、独居老人、残疾人、优抚、养老等民政服务",
    "labor": "就业、失业登记、社保、医保、欠薪等劳动保障事项",
    "population": "流动人口登记、出租屋、户籍、计生办证、居住证等人口服务",
    "property": "物业不作为、小区设施维修、物业费、小区绿化、电梯维保等物业管理问题",
    "health": "老鼠蟑螂等病媒、流浪犬、食品安全、卫生防疫等卫生健康问题",
    "other": "不属于以上类别的其他问题，由网格长分拣",
}

# GeoReport's ``group``: categories a resident would look for together.
GROUPS: dict[str, str] = {
    "env": "环境卫生", "health": "环境卫生",
    "city": "城市管理", "facility": "城市管理", "building": "城市管理",
    "safety": "平安建设", "security": "平安建设", "dispute": "平安建设",
    "welfare": "民生服务", "labor": "民生服务", "population": "民生服务",
    "property": "物业小区",
    "other": "其他",
}
MAX_KEYWORDS = 10


@dataclass(frozen=True)
class Service:
    """One GeoReport service: a case category (案件类别)."""

    code: str
    name: str
    description: str
    group: str
    keywords: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"service_code": self.code, "service_name": self.name,
                "description": self.description, "metadata": False, "type": "realtime",
                "keywords": ",".join(self.keywords), "group": self.group}


def top_keywords(weights: Mapping[str, float], limit: int = MAX_KEYWORDS) -> tuple[str, ...]:
    """The strongest words (2–4 characters) of a category table, heaviest first (ties: shorter,
    then by name) — words a person would search for, not the table's long phrases."""
    words = [(w, weight) for w, weight in weights.items() if 2 <= len(w) <= 4 and "," not in w]
    ranked = sorted(words, key=lambda kv: (-kv[1], len(kv[0]), kv[0]))
    return tuple(word for word, _ in ranked[:limit])


def services(keyword_tables: Mapping[str, Mapping[str, float]]) -> list[Service]:
    """All 13 services in SPEC order; keywords come from the classifier's tables."""
    return [Service(code, CATEGORY_LABELS[code], DESCRIPTIONS[code], GROUPS[code],
                    top_keywords(keyword_tables.get(code, {})))
            for code in CATEGORIES]


def service_definition(code: str) -> dict[str, Any]:
    """GeoReport's service definition: no extra attributes are asked for any category."""
    if code not in CATEGORIES:
        raise NotFound(f"没有编码为 {code[:20]} 的服务")
    return {"service_code": code, "attributes": []}


def valid_codes(codes: Sequence[str]) -> bool:
    return all(code in CATEGORIES for code in codes)
