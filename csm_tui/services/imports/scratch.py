"""Scratch SQLite files for an import's bulk (its balances stage, its refused rows): on disk in a temporary folder of
their own, whatever database the branch uses, and gone when closed.

An import that is killed cannot remove its folder: each folder holds a marker the import keeps locked (``flock``)
while it runs, and the kernel lets go of when it dies, however it dies. Every import first removes the folders of
this account whose marker is no longer locked (``sweep``).

A temporary folder that is full or cannot be written is said plainly, as a ``DomainError`` (``failure``): SQLite
says "database or disk is full" as an ``sqlite3.Error`` (one of ``ERRORS``), and the folder's creation as an
``OSError``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from csm_tui.domain.errors import DomainError

ERRORS = (sqlite3.Error,)
CACHE_KIB = 65_536  # each scratch file's page cache: SQLite spills to temporary files beyond it
PREFIX = "csm-import-"
MARKER = "running.lock"
UNMARKED_GRACE_S = 60  # a folder without a marker is one being made (or older than markers) until then


def failure(error: Exception) -> DomainError:
    """What the admin is told when the scratch files fail (a full or unwritable folder): where, and the reason."""
    return DomainError("import_scratch.failed", folder=tempfile.gettempdir(), reason=str(error) or type(error).__name__)


def sweep() -> None:
    """Remove this account's scratch folders that no running import holds (their imports were killed)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        with contextlib.suppress(OSError):
            info = folder.lstat()
            if not folder.is_dir() or folder.is_symlink() or info.st_uid != os.geteuid():
                continue
            try:
                fd = os.open(folder / MARKER, os.O_RDONLY)
            except FileNotFoundError:
                if time.time() - info.st_mtime > UNMARKED_GRACE_S:
                    shutil.rmtree(folder, ignore_errors=True)
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its import is running
            finally:
                os.close(fd)  # (a lock taken is let go with it: the folder is removed next)
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _held(folder: Path) -> Iterator[None]:
    """The folder's marker, locked while the block runs (and by the kernel no longer once this process is gone)."""
    try:
        fd = os.open(folder / MARKER, os.O_CREAT | os.O_RDONLY, 0o600)
    except OSError as exc:
        raise failure(exc) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def scratch_database() -> Iterator[sqlite3.Connection]:
    """A new scratch SQLite database, inside a transaction (``BEGIN``), no journal and no syncing: fast, and only
    ever read by the import that wrote it. Killed imports' folders are removed first."""
    sweep()
    try:
        folder = tempfile.TemporaryDirectory(prefix=PREFIX, ignore_cleanup_errors=True)
    except OSError as exc:
        raise failure(exc) from None
    with folder, _held(Path(folder.name)):
        db = sqlite3.connect(Path(folder.name) / "scratch.db", isolation_level=None)
        try:
            for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{CACHE_KIB}"):
                db.execute(f"PRAGMA {pragma}")
            db.execute("BEGIN")
            yield db
        finally:
            db.close()
