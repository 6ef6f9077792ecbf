"""Staff leave and cover: a CSM's days away, and the colleague whose queue takes the due calls meanwhile.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLE = "staff_leave"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("cover_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("last_day >= first_day AND ends_at > starts_at", name=op.f("ck_staff_leave_days")),
        sa.CheckConstraint("cover_id IS NULL OR cover_id <> staff_id", name=op.f("ck_staff_leave_cover_other")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_leave_staff_id_staff")),
        sa.ForeignKeyConstraint(["cover_id"], ["staff.id"], name=op.f("fk_staff_leave_cover_id_staff")),
        sa.ForeignKeyConstraint(["recorded_by"], ["staff.id"], name=op.f("fk_staff_leave_recorded_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_leave")),
    )
    op.create_index("ix_staff_leave_staff_days", TABLE, ["staff_id", "first_day"])
    op.create_index("ix_staff_leave_cover_days", TABLE, ["cover_id", "starts_at"])


def downgrade() -> None:
    op.drop_index("ix_staff_leave_cover_days", table_name=TABLE)
    op.drop_index("ix_staff_leave_staff_days", table_name=TABLE)
    op.drop_table(TABLE)
