"""管辖范围 as a query: which cases a staff member sees (their grids and everything below).

The grid-by-grid check lives in :func:`core.registry.lookup.in_jurisdiction`; this module
turns the same rule into a SQL filter for lists and counts (待办, 督办, 日报, 统计).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import Session

from core.cases.models import Case
from core.registry.lookup import TRIAGE_ROLES, subtree
from core.registry.models import Role, Staff

LEADING_ROLES = frozenset({Role.LEADER, Role.MANAGER, Role.SUPERVISOR, Role.CENTRE, Role.ADMIN})


@dataclass(frozen=True)
class Scope:
    """The grids a person answers for; ``grid_ids`` None means everywhere (admin)."""

    staff: Staff
    grid_ids: frozenset[int] | None
    triage: bool  # also the cases not yet placed in a grid
    label: str

    def cases(self) -> ColumnElement[bool]:
        """A WHERE clause selecting the cases in this scope."""
        if self.grid_ids is None:
            return true()
        parts: list[ColumnElement[bool]] = []
        if self.grid_ids:
            parts.append(Case.grid_id.in_(sorted(self.grid_ids)))
        if self.triage:
            parts.append(Case.grid_id.is_(None))
        return or_(*parts) if parts else false()


def scope_of(session: Session, person: Staff) -> Scope:
    """管辖范围 of ``person``: admins everywhere, others their grids and the grids below."""
    if person.role == Role.ADMIN:
        return Scope(person, None, True, "全部网格")
    ids = subtree(session, [g.id for g in person.grids])
    label = "、".join(g.name for g in person.grids) or "未分配网格"
    return Scope(person, frozenset(ids), person.role in TRIAGE_ROLES, label)
