"""The further tasks one contact answered besides its own ``task_id``: a 回访 done answers the open 回访 of each of
the client's purchases, and each is recorded on the one contact (its closed row says how and who), counted once as
a call.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_tasks",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_tasks_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_contact_tasks_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("contact_id", "task_id", name=op.f("pk_contact_tasks")),
    )
    op.create_index(op.f("ix_contact_tasks_task_id"), "contact_tasks", ["task_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_tasks_task_id"), table_name="contact_tasks")
    op.drop_table("contact_tasks")
