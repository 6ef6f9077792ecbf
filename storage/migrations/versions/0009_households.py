"""Households and birthdays: clients linked as family (one row per pair), and the lunar-birthday preference; the
figures the queue's money at risk reads (the balance on the previous data date, the lowest forecast average).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of ``clients`` would have to drop the table every other one references.
    op.add_column("clients", sa.Column("lunar_birthday", sa.Integer(), nullable=True))
    op.add_column("clients", sa.Column("balance_before_fen", sa.BigInteger(), nullable=True))
    op.add_column("clients", sa.Column("avg_3m_low_fen", sa.BigInteger(), nullable=True))
    op.create_table(
        "client_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("relative_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("client_id < relative_id", name=op.f("ck_client_links_ordered")),
        sa.CheckConstraint("relation IN ('spouse', 'parent', 'child')", name=op.f("ck_client_links_relation")),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_links_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["relative_id"], ["clients.id"], name=op.f("fk_client_links_relative_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"], name=op.f("fk_client_links_created_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_links")),
        sa.UniqueConstraint("client_id", "relative_id", name=op.f("uq_client_links_client_id")),
    )
    op.create_index(op.f("ix_client_links_relative_id"), "client_links", ["relative_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_client_links_relative_id"), table_name="client_links")
    op.drop_table("client_links")
    op.drop_column("clients", "avg_3m_low_fen")
    op.drop_column("clients", "balance_before_fen")
    op.drop_column("clients", "lunar_birthday")
