"""KYC and AML: a client's ID expiry, and suspicion reports that nobody may change but by the reviewer's decision.

``clients`` gains ``id_expiry`` (the ID's last valid day; NULL: not known yet) and ``id_long_term`` (a 长期 ID that
never expires). ``aml_reports`` holds the suspicion reports (反洗钱可疑交易报告) CSMs file for their outlet's reviewer.
Like the suitability records (0007) they are immutable in the database, whatever path a write takes: no DELETE, no
TRUNCATE, and an UPDATE only as the reviewer's one decision — ``status`` from ``open`` to ``reported`` or
``dismissed`` with who decided, when and a reason, every other column unchanged. A decided report is final.

The SQLite trigger compares every column the table has when this migration runs: a later migration that adds a column
to ``aml_reports`` (or rebuilds it in a batch operation, which drops its triggers) must create them again.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "aml_reports"
MESSAGE = "suspicion reports are immutable: only the reviewer decision of an open report may be recorded, once"
DECISION = ("status", "decided_by", "decided_at", "decision_reason")
# The one change allowed: an open report decided, by someone, at a time, with a reason.
DECIDED = (
    "OLD.status = 'open' AND NEW.status IN ('reported', 'dismissed') AND OLD.decided_by IS NULL "
    "AND OLD.decided_at IS NULL AND NEW.decided_by IS NOT NULL AND NEW.decided_at IS NOT NULL "
    "AND length(trim(NEW.decision_reason)) > 0"
)


def upgrade() -> None:
    op.add_column("clients", sa.Column("id_expiry", sa.Date(), nullable=True))
    op.add_column("clients", sa.Column("id_long_term", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("signs", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=False),
        sa.CheckConstraint("status IN ('open', 'reported', 'dismissed')", name=op.f("ck_aml_reports_status")),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_aml_reports_client_id_clients")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_aml_reports_staff_id_staff")),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlets.id"], name=op.f("fk_aml_reports_outlet_id_outlets")),
        sa.ForeignKeyConstraint(["decided_by"], ["staff.id"], name=op.f("fk_aml_reports_decided_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aml_reports")),
    )
    op.create_index("ix_aml_reports_outlet_status", TABLE, ["outlet_id", "status"])
    op.create_index("ix_aml_reports_staff", TABLE, ["staff_id"])
    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql()
    else:
        _create_sqlite()


def _create_postgresql() -> None:
    kept = " - ".join(f"'{c}'" for c in DECISION)
    op.execute(
        "CREATE FUNCTION aml_reports_decide_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'UPDATE' AND {DECIDED} AND to_jsonb(NEW) - {kept} = to_jsonb(OLD) - {kept} THEN RETURN NEW; "
        f"END IF; RAISE EXCEPTION '{MESSAGE}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION aml_reports_decide_once()"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION records_immutable()"
    )


def _create_sqlite() -> None:
    op.execute(f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    columns = [c["name"] for c in sa.inspect(op.get_bind()).get_columns(TABLE) if c["name"] not in DECISION]
    unchanged = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in columns)
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
        f"WHEN NOT COALESCE({DECIDED} AND {unchanged}, 0) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP TRIGGER {TABLE}_immutable ON {TABLE}")
        op.execute("DROP FUNCTION aml_reports_decide_once()")
    else:
        op.execute(f"DROP TRIGGER {TABLE}_no_update")
        op.execute(f"DROP TRIGGER {TABLE}_no_delete")
    op.drop_index("ix_aml_reports_staff", table_name=TABLE)
    op.drop_index("ix_aml_reports_outlet_status", table_name=TABLE)
    op.drop_table(TABLE)
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("id_long_term")
        batch.drop_column("id_expiry")
