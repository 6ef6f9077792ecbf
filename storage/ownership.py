"""Who the database belongs to: the service account the workstation runs as on a branch server."""

from __future__ import annotations

import os
import pwd

from sqlalchemy import Engine, text

from storage.engine import sqlite_path


def account_name() -> str:
    """The account this process runs as (from the kernel, not from $USER, which anyone can set)."""
    return pwd.getpwuid(os.geteuid()).pw_name


def owned_by_this_account(engine: Engine) -> bool:
    """SQLite: this account owns the file. PostgreSQL: the server signed us in as the role named after this
    account (peer authentication maps the OS account to the role of the same name)."""
    path = sqlite_path(engine.url)
    if path is not None:
        return path.exists() and path.stat().st_uid == os.geteuid()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return bool(conn.scalar(text("SELECT current_user")) == account_name())
    return False
