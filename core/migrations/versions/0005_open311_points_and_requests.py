"""open311: coordinates of addresses and the API's record of each request

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "address_points",
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["address_id"], ["addresses.id"], ondelete="CASCADE",
                                name=op.f("fk_address_points_address_id_addresses")),
        sa.PrimaryKeyConstraint("address_id", name=op.f("pk_address_points")),
    )
    op.create_table(
        "open311_requests",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=16), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("address_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_open311_requests_case_id_cases")),
        sa.ForeignKeyConstraint(["address_id"], ["addresses.id"], ondelete="SET NULL",
                                name=op.f("fk_open311_requests_address_id_addresses")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_open311_requests")),
    )
    with op.batch_alter_table("open311_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open311_requests_client"), ["client"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("open311_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_requests_client"))
    op.drop_table("open311_requests")
    op.drop_table("address_points")
