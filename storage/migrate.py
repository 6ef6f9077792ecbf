"""Schema upgrades with Alembic, run on start under a lock so that two processes never migrate at once.

A database already at ``HEAD`` is recognised with one plain query, so a normal start does not load Alembic.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock
from sqlalchemy import Connection, Engine, inspect, text

from storage.engine import sqlite_path
from storage.revision import HEAD as HEAD  # the newest migration (kept free of SQLAlchemy for the thin start)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x63736D  # "csm": the advisory lock that serialises upgrades on PostgreSQL


class ForeignDatabase(Exception):
    """The database holds tables but none of ours: another program's (or a wrong --db)."""


class MissingTable(Exception):
    """A table of the app is gone from a database at this app's revision (dropped by hand, or a damaged copy)."""

    def __init__(self, table: str) -> None:
        super().__init__(table)
        self.table = table


class UnreadableNumbers(Exception):
    """Rows of ``table`` whose numbers a migration cannot bring to their stored form (written by a path that skipped
    the domain): to correct by hand; the upgrade changed nothing."""

    def __init__(self, table: str, ids: list[int]) -> None:
        super().__init__(f"{table}: {ids}")
        self.table = table
        self.ids = ids


class DatabaseTooNew(Exception):
    """The database was written by a newer version of the app."""

    def __init__(self, revision: str) -> None:
        super().__init__(revision)
        self.revision = revision


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty one (one plain query)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        version: str | None = conn.scalar(text("SELECT version_num FROM alembic_version"))
        return version


def check_not_newer(engine: Engine) -> None:
    current = current_revision(engine)
    if current is None:
        return
    from alembic.script import ScriptDirectory

    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    if current not in known:
        raise DatabaseTooNew(current)


@contextlib.contextmanager
def _upgrade_lock(engine: Engine) -> Iterator[None]:
    path = sqlite_path(engine.url)
    if path is not None:
        with FileLock(f"{path}.migrate.lock", mode=0o600):
            yield
    elif engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
    else:
        yield


def check_tables(engine: Engine) -> None:
    """Every table of the app is there (one query); ``MissingTable`` names the first one that is not."""
    from storage.orm import Base

    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
    missing = sorted(set(Base.metadata.tables) - present)
    if missing:
        raise MissingTable(missing[0])


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; refuse one newer than this app, and one holding another program's tables
    (before anything is created beside it, the upgrade lock included)."""
    current = current_revision(engine)
    if revision == "head" and current == HEAD:
        return  # the usual start: nothing to do, and no need to load Alembic
    if current is None:
        with engine.connect() as conn:
            if inspect(conn).get_table_names():
                raise ForeignDatabase()
    from alembic import command

    with _upgrade_lock(engine):
        check_not_newer(engine)
        with engine.begin() as conn:
            command.upgrade(_config(conn), revision)
