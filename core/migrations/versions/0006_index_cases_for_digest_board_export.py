"""index cases and ledger events for the digest, the publicity board and the ledger export

Found with the scale run (bench/scale, 1,000,000 cases; docs/performance.md "## Scale"):
- cases (grid_id, resolved_at): the digest's 超期 as of 17:30 ("resolved_at IS NULL OR
  resolved_at > until") becomes a BitmapOr of two index ranges instead of reading every
  case of the community;
- cases (accepted_at): the digest's 受理 today and the 日报 figures (reported_at and
  closed_at already have theirs);
- cases (grid_id, closed_at): the board, the digest's month and the 考核 closures of a
  community over a time window;
- case_events (case_id, action, at): the events of one kind of a set of cases in a window
  (考核's 差评 of the year in the ledger export), and level_started_at.

Revision ID: 0006
Revises: 0007
Create Date: 2026-11-26
"""

from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None

CASE_INDEXES = {
    "ix_cases_grid_resolved": ["grid_id", "resolved_at"],
    "ix_cases_accepted_at": ["accepted_at"],
    "ix_cases_grid_closed": ["grid_id", "closed_at"],
}


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, columns in CASE_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_case_action", ["case_id", "action", "at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_case_action")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in reversed(CASE_INDEXES):
            batch_op.drop_index(name)
