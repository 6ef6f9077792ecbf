"""Indexes for the queries the screens run: the queue, search, the timeline and the scoreboard.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_clients_manager_name", "clients", ["manager_id", "name"])
    op.create_index("ix_clients_name", "clients", ["name"])
    op.create_index("ix_clients_initials", "clients", ["name_initials"])
    op.create_index("ix_clients_mobile", "clients", ["mobile"])
    op.create_index("ix_balance_spans_client_day", "balance_spans", ["client_id", "first_day"])
    op.create_index("ix_holdings_client", "holdings", ["client_id"])
    op.create_index("ix_holdings_maturity", "holdings", ["maturity_date", "status"])
    op.create_index("ix_contacts_client_started", "contacts", ["client_id", "started_at"])
    op.create_index("ix_contacts_staff_started", "contacts", ["staff_id", "started_at"])
    op.create_index("ix_tasks_staff_status_due", "tasks", ["staff_id", "status", "due_on"])
    op.create_index("ix_tasks_client", "tasks", ["client_id"])
    op.create_index("ix_appointments_staff_starts", "appointments", ["staff_id", "starts_at"])
    op.create_index("ix_appointments_client", "appointments", ["client_id"])
    op.create_index("ix_assessments_client_taken", "risk_assessments", ["client_id", "taken_at"])
    op.create_index("ix_suitability_client", "suitability_records", ["client_id"])
    op.create_index("ix_sales_staff_sold", "sales", ["staff_id", "sold_at"])
    op.create_index("ix_sales_client", "sales", ["client_id"])
    op.create_index("ix_referrals_to_status", "referrals", ["to_staff_id", "status"])
    op.create_index("ix_referrals_client", "referrals", ["client_id"])
    op.create_index("ix_audit_at", "audit_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_at", table_name="audit_events")
    op.drop_index("ix_referrals_client", table_name="referrals")
    op.drop_index("ix_referrals_to_status", table_name="referrals")
    op.drop_index("ix_sales_client", table_name="sales")
    op.drop_index("ix_sales_staff_sold", table_name="sales")
    op.drop_index("ix_suitability_client", table_name="suitability_records")
    op.drop_index("ix_assessments_client_taken", table_name="risk_assessments")
    op.drop_index("ix_appointments_client", table_name="appointments")
    op.drop_index("ix_appointments_staff_starts", table_name="appointments")
    op.drop_index("ix_tasks_client", table_name="tasks")
    op.drop_index("ix_tasks_staff_status_due", table_name="tasks")
    op.drop_index("ix_contacts_staff_started", table_name="contacts")
    op.drop_index("ix_contacts_client_started", table_name="contacts")
    op.drop_index("ix_holdings_maturity", table_name="holdings")
    op.drop_index("ix_holdings_client", table_name="holdings")
    op.drop_index("ix_balance_spans_client_day", table_name="balance_spans")
    op.drop_index("ix_clients_mobile", table_name="clients")
    op.drop_index("ix_clients_initials", table_name="clients")
    op.drop_index("ix_clients_name", table_name="clients")
    op.drop_index("ix_clients_manager_name", table_name="clients")
