"""Who the database belongs to: the service account the workstation runs as on a branch server."""

from __future__ import annotations

import os

from sqlalchemy import Engine, text

from storage.engine import sqlite_path
from storage.os_account import account_name as account_name

# The owners that count on PostgreSQL: the database's own (pg_database.datdba) and the app's audit table's.
_PG_OWNERS = text(
    "SELECT pg_get_userbyid(d.datdba) FROM pg_database d WHERE d.datname = current_database() "
    "UNION SELECT t.tableowner FROM pg_tables t WHERE t.tablename = 'audit_events' "
    "AND t.schemaname = current_schema()"
)


def owned_by_this_account(engine: Engine) -> bool:
    """SQLite: this account owns the file. PostgreSQL: the server signed us in as the role named after this
    account (peer authentication maps the OS account to the role of the same name) and that role owns the
    database or the app's tables — a role that may merely connect (a reporting role, say) is not the owner."""
    path = sqlite_path(engine.url)
    if path is not None:
        return path.exists() and path.stat().st_uid == os.geteuid()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            me = conn.scalar(text("SELECT current_user"))
            return bool(me == account_name() and me in set(conn.scalars(_PG_OWNERS)))
    return False
