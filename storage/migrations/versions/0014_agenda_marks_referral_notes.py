"""A safe agenda and referrals that keep the client's need.

``appointments.marked_at``: when a meeting was last marked (confirmed, held, no-show, cancelled), so a mark can be
undone the same day and no later. ``referrals.decision_note``: what the receiving manager wrote on accepting or
returning a referral, kept beside the client's need (``reason``), which is never overwritten.

Revision ID: 0014
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("appointments", sa.Column("marked_at", sa.DateTime(), nullable=True))
    op.add_column("referrals", sa.Column("decision_note", sa.String(length=500), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("decision_note")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("marked_at")
