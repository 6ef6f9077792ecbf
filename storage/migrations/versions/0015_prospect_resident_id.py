"""A prospect's optional resident ID.

``prospects.resident_id``: the ID number a prospect gave with their consent (optional, validated like a client's),
so the client import converts them when it brings a client with the same resident ID, as it does for the same
mobile. Indexed for that match.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("prospects", sa.Column("resident_id", sa.String(length=18), nullable=True))
    op.create_index("ix_prospects_resident_id", "prospects", ["resident_id"])


def downgrade() -> None:
    op.drop_index("ix_prospects_resident_id", table_name="prospects")
    with op.batch_alter_table("prospects") as batch:
        batch.drop_column("resident_id")
