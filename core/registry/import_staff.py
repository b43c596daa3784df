"""The staff table (人员表): ``姓名,角色,网格编码,部门,企业微信账号,openid,手机``.

Keyed by 企业微信账号, else openid. A row sets the person's grids (replacing the earlier
set); an empty key column keeps what the database already knows (it never erases a key).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.registry.models import LEVEL_LABELS, ROLE_NAMES, Grid, Level, Role, Staff
from core.registry.records import Counts, FirstSeen, Problems, Record, text

ROLE_LEVEL = {Role.MEMBER: Level.GRID, Role.LEADER: Level.GRID, Role.MANAGER: Level.COMMUNITY,
              Role.CENTRE: Level.TOWN, Role.DEPARTMENT: Level.TOWN}
MANY_GRIDS = {Role.SUPERVISOR, Role.ADMIN}  # 一员多格
_CODE_SEPARATORS = re.compile(r"[、;；,，\s]+")
_PHONE_SEPARATORS = re.compile(r"[\s\-－—–‐]+")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_AREA = re.compile(r"0[0-9]{2,3}")
_LOCAL = re.compile(r"[0-9]{7,8}")


def normalise_phone(value: str) -> str | None:
    """手机 ``13800138000`` or 座机 ``0755-12345678``; ``None`` when neither."""
    value = re.sub(r"[()]", " ", unicodedata.normalize("NFKC", value)).strip()
    value = re.sub(r"^(\+|00)86[\s\-]*", "", value)
    parts = [p for p in _PHONE_SEPARATORS.split(value) if p]
    digits = "".join(parts)
    if _MOBILE.fullmatch(digits):
        return digits
    if not re.fullmatch("0[0-9]+", digits):
        return None
    if len(parts) > 1 and _AREA.fullmatch(parts[0]):
        area, local = parts[0], "".join(parts[1:])
    else:  # 010 and 02x have three digits, every other area code four
        cut = 3 if digits[1] in "12" else 4
        area, local = digits[:cut], digits[cut:]
    return f"{area}-{local}" if _LOCAL.fullmatch(local) else None


@dataclass
class StaffRow:
    """One checked row of the staff table, with the person it updates (if any)."""

    line: int
    name: str
    role: Role | None
    department: str
    userid: str
    openid: str
    phone: str
    grids: list[Grid] = field(default_factory=list)
    target: Staff | None = None


def _grids(record: Record, role: Role | None, grids: dict[str, Grid],
           problems: Problems) -> list[Grid]:
    line, label = record.line, record["角色"]
    codes = list(dict.fromkeys(c for c in _CODE_SEPARATORS.split(record["网格编码"]) if c))
    found = [grids[c] for c in codes if c in grids]
    for code in codes:
        if code not in grids:
            problems.add(line, f"网格编码「{code}」不存在（请先导入网格表）")
    if role is None:
        return found
    if not codes and role != Role.ADMIN:
        problems.add(line, f"「网格编码」不能为空（{label}须挂在某个网格上）")
    if len(codes) > 1 and role not in MANY_GRIDS:
        problems.add(line, f"只有督导员可以填写多个网格编码，{label}只能填一个")
    wanted = ROLE_LEVEL.get(role)
    for grid in found:
        if wanted is not None and grid.level != wanted:
            shown = LEVEL_LABELS.get(grid.level, grid.level)
            problems.add(line, f"{label}须挂在{LEVEL_LABELS[wanted]}一级，「{grid.code}」是{shown}")
    return found


def _parse(record: Record, grids: dict[str, Grid], problems: Problems) -> StaffRow:
    line = record.line
    name = text(record, "姓名", problems, limit=64, required=True)
    role_text = text(record, "角色", problems, limit=16, required=True)
    role = ROLE_NAMES.get(role_text)
    if role_text and role is None:
        problems.add(line, f"「角色」应为 {'、'.join(ROLE_NAMES)} 之一，而不是「{role_text}」")
    department = text(record, "部门", problems, limit=64)
    if role == Role.DEPARTMENT and not department:
        problems.add(line, "角色为部门时须填写「部门」（如 城管执法）")
    userid = text(record, "企业微信账号", problems, limit=64)
    openid = text(record, "openid", problems, limit=64)
    if not userid and not openid:
        problems.add(line, "「企业微信账号」和「openid」至少要填一个")
    phone = normalise_phone(record["手机"]) if record["手机"] else ""
    if phone is None:
        problems.add(line, f"「手机」格式不对：「{record['手机']}」"
                           "（应为11位手机号，或带区号的座机，如 0755-12345678）")
    found = _grids(record, role, grids, problems)
    return StaffRow(line, name, role, department, userid, openid, phone or "", found)


@dataclass
class People:
    """Staff already in the database, by 企业微信账号 and by openid."""

    by_userid: dict[str, Staff]
    by_openid: dict[str, Staff]

    @classmethod
    def load(cls, session: Session) -> People:
        staff = list(session.scalars(select(Staff)))
        return cls({p.wecom_userid: p for p in staff if p.wecom_userid},
                   {p.openid: p for p in staff if p.openid})


def _match(row: StaffRow, people: People, problems: Problems) -> Staff | None:
    """The person this row updates: by 企业微信账号, else by openid."""
    by_userid = people.by_userid.get(row.userid) if row.userid else None
    by_openid = people.by_openid.get(row.openid) if row.openid else None
    other = by_openid if by_openid is not by_userid else None
    if other is not None and (by_userid is not None or (row.userid and other.wecom_userid)):
        problems.add(row.line, f"openid「{row.openid}」已属于另一名人员 {other.name}（{other.key}）")
        return None
    return by_userid or by_openid


def import_staff(session: Session, records: list[Record], problems: Problems) -> Counts | None:
    """Check every row, then create or update staff by key; ``None`` if any row is bad."""
    grids = {g.code: g for g in session.scalars(select(Grid))}
    people = People.load(session)
    userids, openids, targets = FirstSeen(), FirstSeen(), FirstSeen()
    rows: list[StaffRow] = []
    for record in records:
        row = _parse(record, grids, problems)
        fresh = [not row.userid or userids.is_new(row.userid, row.line, problems,
                                                  f"企业微信账号「{row.userid}」"),
                 not row.openid or openids.is_new(row.openid, row.line, problems,
                                                  f"openid「{row.openid}」")]
        if all(fresh):
            row.target = _match(row, people, problems)
        if row.target is not None:
            targets.is_new(row.target.id, row.line, problems,
                           f"{row.target.name}（{row.target.key}）这一人员")
        rows.append(row)
    if problems:
        return None
    return _apply(session, rows)


def _snapshot(staff: Staff) -> tuple[object, ...]:
    return (staff.name, staff.role, staff.department, staff.phone, staff.wecom_userid,
            staff.openid, tuple(sorted(g.code for g in staff.grids)))


def _apply(session: Session, rows: list[StaffRow]) -> Counts:
    counts = Counts()
    for row in rows:
        staff = row.target
        before = _snapshot(staff) if staff is not None else None
        if staff is None:
            staff = Staff(active=True)
            session.add(staff)
        staff.name, staff.role, staff.department, staff.phone = (
            row.name, str(row.role), row.department, row.phone)
        staff.wecom_userid = row.userid or staff.wecom_userid
        staff.openid = row.openid or staff.openid
        if sorted(g.code for g in staff.grids) != sorted(g.code for g in row.grids):
            staff.grids = sorted(row.grids, key=lambda g: g.code)
        counts.tally(created=before is None, changed=before != _snapshot(staff))
    return counts
