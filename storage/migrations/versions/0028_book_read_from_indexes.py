"""The queue reads a CSM's book and its active holdings from two indexes alone on PostgreSQL (an index-only scan),
not from the clients' and holdings' pages (``storage.queue_sources``):

- ``ix_clients_manager_avg`` (manager, 3-month average) also carries the client's columns the queue's parts read
  (``BOOK_COLUMNS``). A book's 3,000 clients lie on as many pages of the table, scattered as clients were taken on
  over the years: 2,752 pages at 1,000,000 clients, against about 45 of the index.
- ``ix_holdings_client_maturity`` (client, status, maturity date) also carries the holding's id, product and amount:
  the active holdings of the book are read without a visit to each one's page.

PostgreSQL answers from the index alone for the rows on pages its visibility map marks all-visible. A write clears
its page's mark until autovacuum has been over the table again: after the daily balance import, which rewrites every
client, the queue reads the table's pages as before for as long as that takes. The price is paid in the writes: the
import's update of a client now always writes the index's entry anew (its data date is carried): about 5 % more
time for an update of every client, measured at 60,000 clients; few of those updates could be made in place before,
the clients' pages being full. SQLite has no included columns: nothing changes there.

The indexes are rebuilt in the migration's transaction: the two tables wait for it on the first start at 0028
(seconds at 1,000,000 clients).

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# Each index's key columns, and the columns it carries besides on PostgreSQL.
INDEXES = {
    "ix_clients_manager_avg": (
        "clients",
        ["manager_id", "avg_3m_fen"],
        ["id", "name", "balance_fen", "balance_before_fen", "avg_3m_low_fen", "assets_as_of", "resident_id",
         "lunar_birthday", "id_expiry", "id_long_term"],
    ),
    "ix_holdings_client_maturity": (
        "holdings", ["client_id", "status", "maturity_date"], ["id", "product_id", "amount_fen"]
    ),
}  # fmt: skip


def upgrade() -> None:
    _rebuild(carry=True)


def downgrade() -> None:
    _rebuild(carry=False)


def _rebuild(*, carry: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (table, keys, carried) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, keys, postgresql_include=carried if carry else [])
