"""The synthetic district (模拟辖区): towns, communities, unit grids, staff, addresses, residents.

Everything is drawn from one seeded ``random.Random``, so the same seed gives the same rows.
Ids are assigned here (grids, staff, residents) so the case generator can refer to them
before anything is loaded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from core.clock import SHANGHAI

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志国春燕海波晓东文斌"
PLACE_WORDS = ("阳光", "幸福", "和平", "建设", "团结", "新华", "东风", "光明", "胜利", "红星",
               "长安", "金桥", "银湖", "翠苑", "锦绣", "丽景", "紫荆", "桂花", "青松", "枫林",
               "滨江", "望湖", "春晖", "朝阳", "丰收", "民主", "育才", "清泉", "龙岗", "凤凰")
ESTATE_TAILS = ("花园", "小区", "新村", "家园", "苑", "公寓", "雅居", "名都")
DEPARTMENTS = ("环卫所", "城管执法", "市政", "应急办", "司法所", "派出所", "民政办", "人社所",
               "住建办", "卫健办")


@dataclass
class Shape:
    """How big the district is."""

    towns: int = 5
    communities: int = 50
    grids: int = 1000
    staff: int = 20000
    residents_per_grid: int = 200
    estates_per_grid: int = 2
    buildings_per_estate: int = 8


@dataclass
class District:
    """The rows of the grid tree and who serves where, plus lookups the generator needs."""

    grids: list[tuple] = field(default_factory=list)  # id, code, name, level, parent_id, households
    staff: list[tuple] = field(default_factory=list)  # id, name, role, department, userid, phone
    staff_grids: list[tuple[int, int]] = field(default_factory=list)
    addresses: list[tuple] = field(default_factory=list)  # id, estate, building, grid_id
    residents: list[tuple] = field(default_factory=list)  # id, openid, grid_id, address, created
    town_of: dict[int, int] = field(default_factory=dict)  # grid or community id → town id
    community_of: dict[int, int] = field(default_factory=dict)  # unit grid id → community id
    grid_ids: list[int] = field(default_factory=list)
    grid_weights: list[int] = field(default_factory=list)  # households
    grid_name: dict[int, str] = field(default_factory=dict)
    community_codes: list[str] = field(default_factory=list)
    leader: dict[int, int] = field(default_factory=dict)  # grid → 网格长
    members: dict[int, list[int]] = field(default_factory=dict)  # grid → active 网格员
    managers: dict[int, list[int]] = field(default_factory=dict)  # community → 网格管理者
    supervisors: dict[int, list[int]] = field(default_factory=dict)  # community → 督导员
    centre: dict[int, list[int]] = field(default_factory=dict)  # town → 中心
    department: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # (town, 部门)
    userid: dict[int, str] = field(default_factory=dict)
    name: dict[int, str] = field(default_factory=dict)
    estates: dict[int, list[str]] = field(default_factory=dict)  # grid → estate names
    openids: dict[int, list[str]] = field(default_factory=dict)  # grid → residents' openids


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def build_district(shape: Shape, seed: int) -> District:
    """The whole grid tree, its staff and residents, deterministic for ``seed``."""
    rng = random.Random(f"district:{seed}")
    d = District()
    next_id = iter(range(1, 10**9))
    town_ids = []
    for t in range(shape.towns):
        gid = next(next_id)
        town_ids.append(gid)
        d.grids.append((gid, f"T{t + 1:02d}", f"{PLACE_WORDS[t % len(PLACE_WORDS)]}街道", "town", None,
                        None))
    community_ids = []
    for c in range(shape.communities):
        gid, town = next(next_id), town_ids[c * shape.towns // shape.communities]
        word = PLACE_WORDS[(c * 7 + 3) % len(PLACE_WORDS)] + ("" if c < len(PLACE_WORDS) else "二")
        code = f"C{c + 1:03d}"
        d.grids.append((gid, code, f"{word}社区", "community", town, None))
        d.town_of[gid] = town
        d.grid_name[gid] = f"{word}社区"
        d.community_codes.append(code)
        community_ids.append(gid)
    for g in range(shape.grids):
        gid = next(next_id)
        community = community_ids[g * shape.communities // shape.grids]
        households = rng.randint(200, 500)
        name = f"{d.grid_name[community]}第{g % (shape.grids // shape.communities) + 1}网格"
        d.grids.append((gid, f"G{g + 1:04d}", name, "grid", community, households))
        d.community_of[gid] = community
        d.town_of[gid] = d.town_of[community]
        d.grid_ids.append(gid)
        d.grid_weights.append(households)
        d.grid_name[gid] = name
    _staff(d, shape, rng, town_ids, community_ids)
    _addresses(d, shape, rng)
    _residents(d, shape, rng)
    return d


def _staff(d: District, shape: Shape, rng: random.Random, towns: list[int],
           communities: list[int]) -> None:
    sid = 0

    def add(role: str, grids: list[int], department: str = "", active: bool = True) -> int:
        nonlocal sid
        sid += 1
        name = person_name(rng)
        userid = f"s{sid:05d}"
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        d.staff.append((sid, name, role, department, userid, phone, active))
        d.staff_grids.extend((sid, g) for g in grids)
        d.userid[sid], d.name[sid] = userid, name
        return sid

    for town in towns:
        d.centre[town] = [add("centre", [town]) for _ in range(3)]
        for dept in DEPARTMENTS:
            d.department[(town, dept)] = [add("department", [town], dept) for _ in range(2)]
    for c in communities:
        d.managers[c] = [add("manager", [c]) for _ in range(2)]  # 书记 and 主任
    for i in range(0, len(communities), 3):  # 一员多格: a supervisor covers three communities
        covered = communities[i:i + 3]
        sv = add("supervisor", covered)
        for c in covered:
            d.supervisors[c] = [sv]
    for g in d.grid_ids:
        d.leader[g] = add("leader", [g])
        d.members[g] = []
    left = shape.staff - sid
    for k in range(max(0, left)):
        g = d.grid_ids[k % len(d.grid_ids)]
        active = rng.random() > 0.02  # a few members have left (离职)
        s = add("member", [g], active=active)
        if active:
            d.members[g].append(s)


def _addresses(d: District, shape: Shape, rng: random.Random) -> None:
    used: set[str] = set()
    aid = 0
    for g in d.grid_ids:
        names = []
        while len(names) < shape.estates_per_grid:
            name = rng.choice(PLACE_WORDS) + rng.choice(PLACE_WORDS) + rng.choice(ESTATE_TAILS)
            if name not in used:
                used.add(name)
                names.append(name)
        d.estates[g] = names
        for estate in names:
            for b in range(1, shape.buildings_per_estate + 1):
                aid += 1
                d.addresses.append((aid, estate, f"{b}栋", g))


def _residents(d: District, shape: Shape, rng: random.Random) -> None:
    rid = 0
    joined = datetime(2024, 6, 1, 9, 0, tzinfo=SHANGHAI)
    for g in d.grid_ids:
        d.openids[g] = []
        for _ in range(shape.residents_per_grid):
            rid += 1
            openid = f"oWGT{rid:08d}{rng.getrandbits(40):010x}"
            estate = rng.choice(d.estates[g])
            address = f"{estate}{rng.randint(1, shape.buildings_per_estate)}栋"
            d.residents.append((rid, openid, g, address, joined))
            d.openids[g].append(openid)
