"""the scheduler's run journal (scheduler_runs): runs begun and never ended are run again

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_runs",
        sa.Column("job_id", sa.String(length=100), nullable=False),
        sa.Column("run_at", core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("started_at", core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", core.db.AwareDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_scheduler_runs")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_runs")
