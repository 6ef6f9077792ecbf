"""Staff members' first and last day on staff: every quarter a CSM was on staff is scored, and only those.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_CHECK = "left_on IS NULL OR started_on IS NULL OR left_on >= started_on"


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch copy of ``staff`` would have to drop the table every other one references. SQLite
    # takes the check with the column; PostgreSQL as a constraint of the table (named as the ORM names it).
    op.add_column("staff", sa.Column("started_on", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        check = sa.CheckConstraint(_CHECK, name=op.f("ck_staff_dates"))
        op.add_column("staff", sa.Column("left_on", sa.Date(), check, nullable=True))
    else:
        op.add_column("staff", sa.Column("left_on", sa.Date(), nullable=True))
        op.create_check_constraint(op.f("ck_staff_dates"), "staff", _CHECK)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_staff_dates"), "staff", type_="check")
    op.drop_column("staff", "left_on")  # SQLite 3.35+ drops a column in place, its own check with it
    op.drop_column("staff", "started_on")
