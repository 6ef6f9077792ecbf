"""Search reads as many rows whatever the branch's size (``storage.views.clients``):

- ``ix_clients_name`` and ``ix_clients_initials`` carry the client's id after the name and the initials. Others'
  clients are found by a prefix of either, a screenful in the order of (that column, the id). On the column alone
  PostgreSQL read every client sharing the first value the prefix matched to order them by id: all the branch's
  ``lj`` of two-character names at 300,000 clients (4,556 rows, 13 ms of a keystroke), more the bigger the branch.
  Ordered by both, the index gives the screenful and stops. (SQLite's indexes end with the rowid already; the same
  definitions keep the two schemas alike.)
- ``ix_clients_manager_number``: the own book's clients by a prefix of their client number. PostgreSQL otherwise
  intersected the book with every client of the branch whose number has that prefix (33,000 for ``C8`` at 300,000).
- PostgreSQL samples the names ten times as finely (``STATISTICS 1000``). From the default sample it took a
  surname's range of names (``林`` up to ``林`` and the last code point) for a few dozen clients where thousands
  are, and read and sorted them all instead of reading the screenful in the index's order.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


NAME_STATISTICS = 1000  # PostgreSQL's default is 100


def upgrade() -> None:
    for name, column in (("ix_clients_name", "name"), ("ix_clients_initials", "name_initials")):
        op.drop_index(name, table_name="clients")
        op.create_index(name, "clients", [column, "id"])
    op.create_index("ix_clients_manager_number", "clients", ["manager_id", "number"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE clients ALTER COLUMN name SET STATISTICS {NAME_STATISTICS}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE clients ALTER COLUMN name SET STATISTICS -1")
    op.drop_index("ix_clients_manager_number", table_name="clients")
    for name, column in (("ix_clients_name", "name"), ("ix_clients_initials", "name_initials")):
        op.drop_index(name, table_name="clients")
        op.create_index(name, "clients", [column])
