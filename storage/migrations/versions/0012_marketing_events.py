"""Marketing events (营销活动): the events, their featured products and invitations; a client's employer (the payroll
company) and securities-custody flag, by which invitees are picked; prospects (潜在客户) met at events or introduced
by clients.

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("employer", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("securities_custody", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=64), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_events_capacity")),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_events_minutes")),
        sa.CheckConstraint(
            "kind IN ('community', 'payroll', 'securities', 'salon', 'branch')", name=op.f("ck_events_kind")
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlets.id"], name=op.f("fk_events_outlet_id_outlets")),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"], name=op.f("fk_events_created_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_starts", "events", ["starts_at"])
    op.create_table(
        "event_products",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_products_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_event_products_product_id_products")),
        sa.PrimaryKeyConstraint("event_id", "product_id", name=op.f("pk_event_products")),
    )
    op.create_table(
        "event_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("attended_at", sa.DateTime(), nullable=True),
        sa.Column("checked_in_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('invited', 'no_answer', 'accepted', 'declined', 'walk_in')",
            name=op.f("ck_event_invitations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_invitations_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_event_invitations_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_event_invitations_staff_id_staff")),
        sa.ForeignKeyConstraint(["invited_by"], ["staff.id"], name=op.f("fk_event_invitations_invited_by_staff")),
        sa.ForeignKeyConstraint(["checked_in_by"], ["staff.id"], name=op.f("fk_event_invitations_checked_in_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_invitations")),
        sa.UniqueConstraint("event_id", "client_id", name=op.f("uq_event_invitations_event_id")),
    )
    op.create_index("ix_event_invitations_client", "event_invitations", ["client_id"])
    op.create_index("ix_event_invitations_staff", "event_invitations", ["staff_id"])
    op.create_table(
        "prospects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("mobile", sa.String(length=11), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("met_by", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("introduced_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("converted_client_id", sa.Integer(), nullable=True),
        sa.Column("converted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("consent", name=op.f("ck_prospects_consent")),
        sa.ForeignKeyConstraint(["manager_id"], ["staff.id"], name=op.f("fk_prospects_manager_id_staff")),
        sa.ForeignKeyConstraint(["met_by"], ["staff.id"], name=op.f("fk_prospects_met_by_staff")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_prospects_event_id_events"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["introduced_by"], ["clients.id"], name=op.f("fk_prospects_introduced_by_clients"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["converted_client_id"],
            ["clients.id"],
            name=op.f("fk_prospects_converted_client_id_clients"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospects")),
    )
    op.create_index("ix_prospects_manager", "prospects", ["manager_id", "created_at"])
    op.create_index("ix_prospects_mobile", "prospects", ["mobile"])


def downgrade() -> None:
    op.drop_index("ix_prospects_mobile", table_name="prospects")
    op.drop_index("ix_prospects_manager", table_name="prospects")
    op.drop_table("prospects")
    op.drop_index("ix_event_invitations_staff", table_name="event_invitations")
    op.drop_index("ix_event_invitations_client", table_name="event_invitations")
    op.drop_table("event_invitations")
    op.drop_table("event_products")
    op.drop_index("ix_events_starts", table_name="events")
    op.drop_table("events")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("securities_custody")
        batch.drop_column("employer")
