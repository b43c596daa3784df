"""A small town for tests, built straight through the ORM.

阳光街道 T01
├── 幸福社区 C01 — 网格 G01 (阳光花园1-3栋), G02 (阳光花园4-6栋)
└── 和平社区 C02 — 网格 G03 (和平新村)
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.registry.models import Address, Grid, Role, Staff

STAFF = [
    # userid, name, role, grid codes, department
    ("leader1", "王网格长", Role.LEADER, ["G01"], ""),
    ("member1", "李网格员", Role.MEMBER, ["G01"], ""),
    ("leader2", "赵网格长", Role.LEADER, ["G02"], ""),
    ("leader3", "钱网格长", Role.LEADER, ["G03"], ""),
    ("manager1", "孙书记", Role.MANAGER, ["C01"], ""),
    ("manager2", "周主任", Role.MANAGER, ["C02"], ""),
    ("super1", "吴督导", Role.SUPERVISOR, ["C01"], ""),
    ("centre1", "郑中心", Role.CENTRE, ["T01"], ""),
    ("cg1", "冯城管", Role.DEPARTMENT, ["T01"], "城管执法"),
    ("admin", "陈管理员", Role.ADMIN, [], ""),
]


def seed_town(session: Session) -> dict[str, Grid]:
    t01 = Grid(code="T01", name="阳光街道", level="town")
    c01 = Grid(code="C01", name="幸福社区", level="community", parent=t01)
    c02 = Grid(code="C02", name="和平社区", level="community", parent=t01)
    g01 = Grid(code="G01", name="幸福社区第一网格", level="grid", parent=c01, households=300)
    g02 = Grid(code="G02", name="幸福社区第二网格", level="grid", parent=c01, households=280)
    g03 = Grid(code="G03", name="和平社区第一网格", level="grid", parent=c02, households=350)
    grids = {g.code: g for g in (t01, c01, c02, g01, g02, g03)}
    session.add_all(grids.values())
    for userid, name, role, codes, dept in STAFF:
        session.add(Staff(name=name, role=role, wecom_userid=userid, department=dept,
                          phone="13800000000", grids=[grids[c] for c in codes]))
    for building, grid in (("1栋", g01), ("2栋", g01), ("3栋", g01), ("4栋", g02),
                           ("5栋", g02), ("6栋", g02)):
        session.add(Address(estate="阳光花园", building=building, grid=grid))
    session.add(Address(estate="和平新村", building="", grid=g03))
    session.flush()
    return grids
