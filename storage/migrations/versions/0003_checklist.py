"""The daily checklist: each staff member's marks and day summary, and which products each has read.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("summary_figures", sa.JSON(), nullable=True),
        sa.Column("summary_saved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_checklist_days_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_days")),
        sa.UniqueConstraint("staff_id", "day", name=op.f("uq_checklist_days_staff_id")),
    )
    op.create_table(
        "checklist_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("ticked", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["day_id"], ["checklist_days.id"], name=op.f("fk_checklist_marks_day_id_checklist_days"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_marks")),
        sa.UniqueConstraint("day_id", "item", name=op.f("uq_checklist_marks_day_id")),
    )
    op.create_table(
        "product_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_product_reads_staff_id_staff")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_reads_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_reads")),
        sa.UniqueConstraint("staff_id", "product_id", name=op.f("uq_product_reads_staff_id")),
    )


def downgrade() -> None:
    op.drop_table("product_reads")
    op.drop_table("checklist_marks")
    op.drop_table("checklist_days")
