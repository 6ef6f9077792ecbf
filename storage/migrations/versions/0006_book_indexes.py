"""Indexes on a manager's book: by 3-month average (the client list and the queue's tier lists) and by pinyin
initials (search), so a CSM's reads seek instead of walking the whole book.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_clients_manager_avg", "clients", ["manager_id", "avg_3m_fen"])
    op.create_index("ix_clients_manager_initials", "clients", ["manager_id", "name_initials"])


def downgrade() -> None:
    op.drop_index("ix_clients_manager_initials", "clients")
    op.drop_index("ix_clients_manager_avg", "clients")
