"""Records are immutable in the database, and the audit chain is signed.

Risk assessments and suitability records are never changed or deleted; a sale neither, except that its
cancellation time is set once, to a time within its cooling-off period, nothing else with it (a cancellation
set afterwards would take a sale out of every count). Triggers refuse
the rest (and TRUNCATE on PostgreSQL), whatever path the write takes. The audit log's entries gain ``key_id``: the
key (kept outside the database) whose HMAC signs them; the entries before it keep their plain SHA-256 (NULL).

The SQLite trigger on sales compares every column the table has when this migration runs: a later migration that
adds a column to sales, or rebuilds any of these tables (a batch operation on SQLite drops its triggers), must
create them again as this one does.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RECORDS = ("risk_assessments", "suitability_records")
SALES = "sales"
CANCELLED = "cancelled_at"
MESSAGE = "records are immutable"
SALES_MESSAGE = "sales are immutable: only a cancellation in the cooling-off period may be recorded, once"
# A cancellation stands within the sale's cooling-off period: from the sale to the end of the period. SQLite
# compares instants as text, and text written by hand may not be in the ORM's format: it compares julian days.
IN_COOLING_OFF = f"NEW.{CANCELLED} >= OLD.sold_at AND NEW.{CANCELLED} < OLD.cooling_off_until"
IN_COOLING_OFF_SQLITE = (
    f"julianday(NEW.{CANCELLED}) >= julianday(OLD.sold_at) "
    f"AND julianday(NEW.{CANCELLED}) < julianday(OLD.cooling_off_until)"
)


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("key_id", sa.String(16), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql()
    else:
        _create_sqlite()


def _create_postgresql() -> None:
    op.execute(
        "CREATE FUNCTION records_immutable() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}: %', TG_TABLE_NAME; END $$"
    )
    op.execute(
        "CREATE FUNCTION sales_cancel_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF OLD.{CANCELLED} IS NULL AND NEW.{CANCELLED} IS NOT NULL AND {IN_COOLING_OFF} "
        f"AND to_jsonb(NEW) - '{CANCELLED}' = to_jsonb(OLD) - '{CANCELLED}' THEN RETURN NEW; END IF; "
        f"RAISE EXCEPTION '{SALES_MESSAGE}'; END $$"
    )
    for table in RECORDS:
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION records_immutable()"
        )
    op.execute(
        f"CREATE TRIGGER {SALES}_immutable BEFORE DELETE ON {SALES} FOR EACH ROW EXECUTE FUNCTION records_immutable()"
    )
    op.execute(
        f"CREATE TRIGGER {SALES}_cancel_only BEFORE UPDATE ON {SALES} FOR EACH ROW EXECUTE FUNCTION sales_cancel_only()"
    )
    for table in (*RECORDS, SALES):
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION records_immutable()"
        )


def _create_sqlite() -> None:
    for table in RECORDS:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {table}'); END"
            )
    op.execute(
        f"CREATE TRIGGER {SALES}_no_delete BEFORE DELETE ON {SALES} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {SALES}'); END"
    )
    columns = [c["name"] for c in sa.inspect(op.get_bind()).get_columns(SALES) if c["name"] != CANCELLED]
    unchanged = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in columns)
    op.execute(
        f"CREATE TRIGGER {SALES}_no_update BEFORE UPDATE ON {SALES} "
        f"WHEN NOT COALESCE(OLD.{CANCELLED} IS NULL AND NEW.{CANCELLED} IS NOT NULL AND {IN_COOLING_OFF_SQLITE} "
        f"AND {unchanged}, 0) "  # a comparison with NULL (no cooling-off) is no permission
        f"BEGIN SELECT RAISE(ABORT, '{SALES_MESSAGE}'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (*RECORDS, SALES):
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
        op.execute(f"DROP TRIGGER {SALES}_cancel_only ON {SALES}")
        op.execute("DROP FUNCTION sales_cancel_only()")
        op.execute("DROP FUNCTION records_immutable()")
        op.drop_column("audit_events", "key_id")
    else:
        for table in (*RECORDS, SALES):
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{event}")
        op.execute("ALTER TABLE audit_events DROP COLUMN key_id")
