"""Scratch SQLite files for an import's bulk (its balances stage, its refused rows): on disk in a temporary folder of
their own, whatever database the branch uses, and gone when closed.

A temporary folder that is full or cannot be written is said plainly, as a ``DomainError`` (``failure``): SQLite
says "database or disk is full" as an ``sqlite3.Error`` (one of ``ERRORS``), and the folder's creation as an
``OSError``.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from csm_tui.domain.errors import DomainError

ERRORS = (sqlite3.Error,)
CACHE_KIB = 65_536  # each scratch file's page cache: SQLite spills to temporary files beyond it


def failure(error: Exception) -> DomainError:
    """What the admin is told when the scratch files fail (a full or unwritable folder): where, and the reason."""
    return DomainError("import_scratch.failed", folder=tempfile.gettempdir(), reason=str(error) or type(error).__name__)


@contextmanager
def scratch_database() -> Iterator[sqlite3.Connection]:
    """A new scratch SQLite database, inside a transaction (``BEGIN``), no journal and no syncing: fast, and only
    ever read by the import that wrote it."""
    try:
        folder = tempfile.TemporaryDirectory(prefix="csm-import-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise failure(exc) from None
    with folder:
        db = sqlite3.connect(Path(folder.name) / "scratch.db", isolation_level=None)
        try:
            for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{CACHE_KIB}"):
                db.execute(f"PRAGMA {pragma}")
            db.execute("BEGIN")
            yield db
        finally:
            db.close()
