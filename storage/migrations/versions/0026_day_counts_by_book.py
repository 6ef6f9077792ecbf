"""The checklist's day counts read as many rows whatever the branch's size and the CSM's history
(``storage.checklist_views``, ``storage.first_checklist``):

- ``ix_holdings_client_maturity`` (client, status, maturity date) replaces ``ix_holdings_client`` (client). A CSM's
  clients with an active holding maturing this week are found from the book, one index probe a client. Before,
  the databases either read every holding of the book or the whole branch's holdings maturing this week (through
  ``ix_holdings_maturity``), which grows with the branch: 9.6 ms at 300,000 clients, 18.8 ms at 1,000,000.
- ``ix_tasks_staff_closed`` (staff, closed at): the callbacks still open and those closed today. Before, every task
  of the CSM's history was read to find them (about 10,000 after 18 months, 9–15 ms of the first screen).

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_holdings_client_maturity", "holdings", ["client_id", "status", "maturity_date"])
    op.drop_index("ix_holdings_client", table_name="holdings")
    op.create_index("ix_tasks_staff_closed", "tasks", ["staff_id", "closed_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_staff_closed", table_name="tasks")
    op.create_index("ix_holdings_client", "holdings", ["client_id"])
    op.drop_index("ix_holdings_client_maturity", table_name="holdings")
