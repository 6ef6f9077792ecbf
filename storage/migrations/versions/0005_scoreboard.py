"""The scoreboard: mystery-shopper checks, training, grade decisions, closed quarters and their snapshots; clients'
3-month averages kept at quarter ends; the regular-investment flag of a sale.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of ``sales`` would have to drop a table that holdings reference.
    op.add_column("sales", sa.Column("regular_plan", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_tasks_origin", "tasks", ["origin", "origin_id"])
    op.create_index("ix_suitability_client_product", "suitability_records", ["client_id", "product_id", "outcome"])
    op.create_table(
        "mystery_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("checked_by", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("passed", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_mystery_checks_staff_id_staff")),
        sa.ForeignKeyConstraint(["checked_by"], ["staff.id"], name=op.f("fk_mystery_checks_checked_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mystery_checks")),
    )
    op.create_index("ix_mystery_checks_period", "mystery_checks", ["year", "quarter", "staff_id"])
    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_training_records_staff_id_staff")),
        sa.ForeignKeyConstraint(["recorded_by"], ["staff.id"], name=op.f("fk_training_records_recorded_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
    )
    op.create_index("ix_training_records_staff_day", "training_records", ["staff_id", "day"])
    op.create_table(
        "grade_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_grade_decisions_staff_id_staff")),
        sa.ForeignKeyConstraint(["decided_by"], ["staff.id"], name=op.f("fk_grade_decisions_decided_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_decisions")),
        sa.UniqueConstraint("staff_id", "year", name=op.f("uq_grade_decisions_staff_id")),
    )
    op.create_table(
        "quarter_closes",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["closed_by"], ["staff.id"], name=op.f("fk_quarter_closes_closed_by_staff")),
        sa.PrimaryKeyConstraint("year", "quarter", name=op.f("pk_quarter_closes")),
    )
    op.create_table(
        "kept_averages",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("avg_3m_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_kept_averages_client_id_clients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("as_of", "client_id", name=op.f("pk_kept_averages")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "score_snapshots",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_score_snapshots_staff_id_staff")),
        sa.PrimaryKeyConstraint("year", "quarter", "staff_id", name=op.f("pk_score_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("score_snapshots")
    op.drop_table("kept_averages")
    op.drop_table("quarter_closes")
    op.drop_table("grade_decisions")
    op.drop_index("ix_training_records_staff_day", table_name="training_records")
    op.drop_table("training_records")
    op.drop_index("ix_mystery_checks_period", table_name="mystery_checks")
    op.drop_table("mystery_checks")
    op.drop_index("ix_suitability_client_product", table_name="suitability_records")
    op.drop_index("ix_tasks_origin", table_name="tasks")
    op.drop_column("sales", "regular_plan")  # SQLite 3.35+ drops a column in place
