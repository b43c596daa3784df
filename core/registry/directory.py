"""Who serves where (人员名录): the staff a rule asks for, as ORM rows or as plain values.

The rules that pick people — routing (派遣), the urgent alert (突发事件), the request to
dispatch (待派遣) — are written once against :class:`Directory`. The ORM use cases pass
:class:`OrmDirectory` (``Staff`` rows with their grids); the report's Core writer passes
:class:`CoreDirectory`: the same rows, same order, one statement each, no relations loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.prepared import Prepared
from core.registry.lookup import staff_at
from core.registry.models import Grid, Role, Staff, StaffGrid


class Person(Protocol):
    """What the rules and the pushes read of a staff member."""

    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def wecom_userid(self) -> str | None: ...


@dataclass(frozen=True)
class StaffRef:
    """A staff member as plain values (no session, no relations)."""

    id: int
    name: str
    role: str
    department: str
    wecom_userid: str | None


class Directory(Protocol):
    def at(self, grid: Grid | None, role: Role, department: str = "") -> Sequence[Person]:
        """Active staff with ``role`` attached exactly to ``grid``, by id."""
        ...

    def centre_everywhere(self) -> Sequence[Person]:
        """Every active centre member (中心), whatever their town."""
        ...


class OrmDirectory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def at(self, grid: Grid | None, role: Role, department: str = "") -> list[Staff]:
        return staff_at(self.session, grid, role, department=department)

    def centre_everywhere(self) -> list[Staff]:
        return list(self.session.scalars(_CENTRE_ORM))


_COLUMNS = (Staff.id, Staff.name, Staff.role, Staff.department, Staff.wecom_userid)
# The statements of staff_at and OrmDirectory.centre_everywhere, reading columns only.
_AT_SELECT = (select(*_COLUMNS).join(StaffGrid, StaffGrid.staff_id == Staff.id)
       .where(StaffGrid.grid_id == bindparam("grid_id"), Staff.active.is_(True),
              Staff.role == bindparam("role"))
       .order_by(Staff.id))
_AT = Prepared(_AT_SELECT)
_AT_DEPARTMENT = Prepared(_AT_SELECT.where(Staff.department == bindparam("department")))
_CENTRE_ORM = select(Staff).where(Staff.role == Role.CENTRE, Staff.active.is_(True))
_CENTRE = Prepared(select(*_COLUMNS).where(Staff.role == Role.CENTRE, Staff.active.is_(True)))


class CoreDirectory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def at(self, grid: Grid | None, role: Role, department: str = "") -> list[StaffRef]:
        if grid is None:
            return []
        params = {"grid_id": grid.id, "role": role.value}
        stmt = _AT
        if department:
            stmt, params["department"] = _AT_DEPARTMENT, department
        return [StaffRef(*row) for row in stmt.all(self.session, params)]

    def centre_everywhere(self) -> list[StaffRef]:
        return [StaffRef(*row) for row in _CENTRE.all(self.session)]
