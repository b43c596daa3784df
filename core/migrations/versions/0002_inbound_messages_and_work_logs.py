"""inbound messages and work logs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

import core.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("dedup_key", sa.String(length=160), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("msg_type", sa.String(length=24), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("media_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_inbound_messages_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("channel", "dedup_key", name="uq_inbound_channel_key"),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_messages_sender"), ["sender"], unique=False)

    op.create_table(
        "work_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", core.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_work_logs_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_work_logs_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_logs")),
    )
    with op.batch_alter_table("work_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_logs_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_logs_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_logs_staff_id"))
        batch_op.drop_index(batch_op.f("ix_work_logs_at"))

    op.drop_table("work_logs")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_messages_sender"))

    op.drop_table("inbound_messages")
