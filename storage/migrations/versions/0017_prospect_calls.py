"""Calls to prospects: their call tasks, their contacts, and why their calls stopped.

A prospect (潜在客户) who consented to be contacted is called like a client (a first call, retries when nobody
answers, follow-ups) but is not a client: the tasks and contacts of clients (``tasks``, ``contacts``) are read by
the scoreboard, the task-list import and export, the 回访 figures and the client's history, all of which need a
client. A prospect's calls are kept in tables of their own, deleted with the prospect (``ON DELETE CASCADE``; the
purge deletes them explicitly too, counting them) and linked to the client a prospect becomes through
``prospects.converted_client_id``, so the history stays after the conversion.

- ``prospect_tasks``: one call to make (``kind``: the first call, a retry, a follow-up), due on a day (and at a time
  for a retry), open until done or cancelled; read by the CSM's queue through ``(staff_id, status, due_on)``.
- ``prospect_contacts``: one call made and its outcome, with a note.
- ``prospects.stopped`` / ``stopped_at``: the outcome that ended the calls (not interested, do not call — the consent
  withdrawn, wrong number); NULL while the prospect may be called.

Existing prospects who are neither converted nor stopped get their first call, due the day they were taken (the
queue shows what is overdue first).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prospects") as batch:
        batch.add_column(sa.Column("stopped", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("stopped_at", sa.DateTime(), nullable=True))
    op.create_table(
        "prospect_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prospect_id"], ["prospects.id"], name=op.f("fk_prospect_tasks_prospect_id_prospects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_prospect_tasks_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_tasks")),
    )
    op.create_index("ix_prospect_tasks_due", "prospect_tasks", ["staff_id", "status", "due_on"])
    op.create_index("ix_prospect_tasks_prospect", "prospect_tasks", ["prospect_id"])
    op.create_table(
        "prospect_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_prospect_contacts_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_prospect_contacts_staff_id_staff")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["prospect_tasks.id"],
            name=op.f("fk_prospect_contacts_task_id_prospect_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospect_contacts")),
    )
    op.create_index("ix_prospect_contacts_prospect", "prospect_contacts", ["prospect_id", "started_at"])
    prospects = sa.table(
        "prospects",
        sa.column("id", sa.Integer()), sa.column("manager_id", sa.Integer()), sa.column("created_at", sa.DateTime()),
        sa.column("converted_client_id", sa.Integer()), sa.column("stopped", sa.String()),
    )  # fmt: skip
    tasks = sa.table(
        "prospect_tasks",
        sa.column("prospect_id", sa.Integer()), sa.column("staff_id", sa.Integer()), sa.column("kind", sa.String()),
        sa.column("due_on", sa.Date()), sa.column("status", sa.String()), sa.column("created_at", sa.DateTime()),
    )  # fmt: skip
    bind = op.get_bind()
    waiting = bind.execute(
        sa.select(prospects.c.id, prospects.c.manager_id, prospects.c.created_at).where(
            prospects.c.converted_client_id.is_(None)
        )
    ).all()
    if waiting:
        bind.execute(
            tasks.insert(),
            [
                {"prospect_id": pid, "staff_id": manager, "kind": "first_call", "due_on": at.date(),
                 "status": "open", "created_at": at}
                for pid, manager, at in waiting
            ],
        )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_prospect_contacts_prospect", table_name="prospect_contacts")
    op.drop_table("prospect_contacts")
    op.drop_index("ix_prospect_tasks_prospect", table_name="prospect_tasks")
    op.drop_index("ix_prospect_tasks_due", table_name="prospect_tasks")
    op.drop_table("prospect_tasks")
    with op.batch_alter_table("prospects") as batch:
        batch.drop_column("stopped_at")
        batch.drop_column("stopped")
