"""Grid tree, staff, residents and addresses (网格、人员、居民、地址) — SPEC §2."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import AwareDateTime, Base


class Level(StrEnum):
    """层级 of the grid tree."""

    TOWN = "town"  # 街道/镇, level 1
    COMMUNITY = "community"  # 社区/村, level 2
    GRID = "grid"  # 单元网格, level 3


LEVEL_NAMES = {"街道": Level.TOWN, "镇": Level.TOWN, "社区": Level.COMMUNITY, "村": Level.COMMUNITY,
               "网格": Level.GRID}
LEVEL_LABELS = {Level.TOWN: "街道", Level.COMMUNITY: "社区", Level.GRID: "网格"}
PARENT_LEVEL = {Level.COMMUNITY: Level.TOWN, Level.GRID: Level.COMMUNITY}


class Role(StrEnum):
    """角色 of a staff member."""

    MEMBER = "member"  # 网格员 / 协管员 / 信息员
    LEADER = "leader"  # 网格长
    MANAGER = "manager"  # 网格管理者 (社区书记/主任)
    SUPERVISOR = "supervisor"  # 督导员
    CENTRE = "centre"  # 镇(街道)网格化服务管理中心
    DEPARTMENT = "department"  # 职能部门
    ADMIN = "admin"  # 平台管理员


ROLE_NAMES = {"网格员": Role.MEMBER, "协管员": Role.MEMBER, "信息员": Role.MEMBER,
              "网格长": Role.LEADER, "网格管理者": Role.MANAGER, "督导员": Role.SUPERVISOR,
              "中心": Role.CENTRE, "部门": Role.DEPARTMENT, "管理员": Role.ADMIN}
ROLE_LABELS = {Role.MEMBER: "网格员", Role.LEADER: "网格长", Role.MANAGER: "网格管理者",
               Role.SUPERVISOR: "督导员", Role.CENTRE: "中心", Role.DEPARTMENT: "部门",
               Role.ADMIN: "管理员"}


class Grid(Base):
    """A node of the grid tree: town, community or unit grid (网格)."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    households: Mapped[int | None]

    parent: Mapped[Grid | None] = relationship(remote_side=[id], lazy="joined", join_depth=3)


class StaffGrid(Base):
    """Which grids a staff member serves (a supervisor may cover several, 一员多格)."""

    __tablename__ = "staff_grids"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), primary_key=True, index=True)


class Staff(Base):
    """A grid worker, leader, manager, supervisor, centre or department member (工作人员)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), index=True)
    department: Mapped[str] = mapped_column(String(64), default="")
    wecom_userid: Mapped[str | None] = mapped_column(String(64), unique=True)
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(default=True)

    grids: Mapped[list[Grid]] = relationship(secondary="staff_grids", lazy="selectin",
                                             order_by=Grid.code)

    @property
    def key(self) -> str:
        return self.wecom_userid or self.openid or f"#{self.id}"


class Address(Base):
    """小区 + 楼栋 → unit grid; an empty 楼栋 places the whole estate."""

    __tablename__ = "addresses"
    __table_args__ = (UniqueConstraint("estate", "building", name="uq_addresses_estate_building"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate: Mapped[str] = mapped_column(String(128))
    building: Mapped[str] = mapped_column(String(64), default="")
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)

    grid: Mapped[Grid] = relationship(lazy="joined")


class Resident(Base):
    """A resident known by openid (居民); placed in a grid by binding an address."""

    __tablename__ = "residents"
    __table_args__ = (Index("ix_residents_grid", "grid_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    address: Mapped[str] = mapped_column(String(256), default="")
    subscribed: Mapped[bool] = mapped_column(default=True)
    wants_publicity: Mapped[bool] = mapped_column(default=False)
    last_message_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    window_sent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())

    grid: Mapped[Grid | None] = relationship(lazy="joined")
