"""index open cases by grid, category and time (the duplicate check of every report)

A partial index: only open cases that were not merged, the candidates a new report is
compared with. The query in core/cases/report.py repeats the predicate word for word, so
SQLite and PostgreSQL can use it; it returns the newest 50 without reading closed,
rejected or merged cases and without a sort.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

OPEN_UNMERGED = "status IN ('reported', 'accepted', 'dispatched') AND merged_into_id IS NULL"


def upgrade() -> None:
    op.create_index("ix_cases_open_by_grid_category", "cases", ["grid_id", "category", "reported_at"],
                    unique=False, sqlite_where=sa.text(OPEN_UNMERGED),
                    postgresql_where=sa.text(OPEN_UNMERGED))


def downgrade() -> None:
    op.drop_index("ix_cases_open_by_grid_category", table_name="cases")
