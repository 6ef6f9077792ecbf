"""The scoreboard's running tallies: per CSM, local day and measure, kept current with the contacts and sales they
count (``storage.score_tallies``), filled here from the records already held.

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_tallies",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "staff_id", "measure", name=op.f("pk_score_tallies")),
        sqlite_with_rowid=False,
    )
    from storage import score_tallies

    score_tallies.rebuild(op.get_bind())  # at the default offset (Asia/Shanghai): no row in branch_meta for it


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM branch_meta WHERE key = 'score_tallies.utc_offset_s'"))
    op.drop_table("score_tallies")
