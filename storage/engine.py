"""One engine factory from a URL. SQLite gets the settings that let several processes share one file.

A URL or a file the workstation cannot use is refused before anything is opened or created (``UnusableDatabase``):
a malformed URL, a backend other than SQLite and PostgreSQL (psycopg), a SQLite path that is a directory, a device
or another special file, a file that cannot be read or is not an SQLite database. A database file this account may
read but not write is opened read-only, without creating its ``-wal`` and ``-shm`` files (they would take the file's
read-only mode and keep it unwritable later): browsing works and a save fails as ``READ_ONLY``.

``failure_cause`` names what a failed unit of work ran into, for the user: a full disk, a read-only database, a lock
held beyond the wait, a server gone; PostgreSQL connections are checked before use (``pool_pre_ping``), so the next
save after the server is back works.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
import urllib.parse
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

# Map the whole file: SQLite clamps this to its build's ceiling (SQLITE_MAX_MMAP_SIZE, about 2 GB in Debian's build).
MMAP_BYTES = 1 << 40
BUSY_TIMEOUT_MS = 30_000

# Execution option naming the kind of transaction a unit of work begins on SQLite.
SQLITE_BEGIN = "csm_sqlite_begin"


SQLITE_HEADER = b"SQLite format 3\x00"
DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}  # the backends we ship, by the driver we ship for each

# What a failed unit of work ran into (``failure_cause``); anything else is named by its error's type.
DISK_FULL = "disk_full"
READ_ONLY = "read_only"
LOCKED = "locked"
SERVER_GONE = "server_gone"
_SQLITE_CAUSES = {sqlite3.SQLITE_FULL: DISK_FULL, sqlite3.SQLITE_READONLY: READ_ONLY, sqlite3.SQLITE_BUSY: LOCKED,
                  sqlite3.SQLITE_LOCKED: LOCKED, sqlite3.SQLITE_PERM: READ_ONLY}  # fmt: skip
_PG_CAUSES = {"53100": DISK_FULL, "25006": READ_ONLY, "42501": READ_ONLY, "55P03": LOCKED, "57P01": SERVER_GONE,
              "57P02": SERVER_GONE, "57P03": SERVER_GONE}  # fmt: skip
_read_only: weakref.WeakSet[Engine] = weakref.WeakSet()
_PASSWORD = re.compile(r"(//[^:/@]*:)[^@]*@")  # user:password@ in a URL too broken to parse


class UnusableDatabase(Exception):
    """A database URL or file that cannot be used: ``reason`` says why (``database.<reason>`` in the catalogs),
    ``target`` names the URL (its password hidden) or the file."""

    def __init__(self, reason: str, target: str) -> None:
        super().__init__(reason, target)
        self.reason = reason
        self.target = target


def failure_cause(error: BaseException) -> str:
    """``DISK_FULL``, ``READ_ONLY``, ``LOCKED`` or ``SERVER_GONE`` for what the database said, else the error's type
    name."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return SERVER_GONE
    orig = getattr(error, "orig", error)
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
        return _SQLITE_CAUSES.get(code, type(error).__name__)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _PG_CAUSES:
        return _PG_CAUSES[sqlstate]
    if type(orig).__name__ == "OperationalError" and (sqlstate is None or sqlstate.startswith("08")):
        return SERVER_GONE  # psycopg: the connection was lost or refused (no SQL state: nothing reached a server)
    return type(error).__name__


def is_read_only(engine: Engine) -> bool:
    """The engine opened its SQLite file read-only (this account may not write it), or its PostgreSQL server takes
    no writes from this login (``note_server_read_only``)."""
    return engine in _read_only


# A PostgreSQL server or login that takes no writes: a standby (hot standby replica), a database or role whose
# transactions are read-only by default, or a login without INSERT on the audit log (every write writes to it).
_SERVER_WRITES = text(
    "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'"
    " AND has_table_privilege('audit_events', 'INSERT')"
)


def note_server_read_only(engine: Engine) -> None:
    """Mark a PostgreSQL engine read-only, as an unwritable SQLite file is, when the server takes no writes from
    this login: the app then opens for browsing instead of failing at the sign-in's audit entry."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        if not conn.scalar(_SERVER_WRITES):
            _read_only.add(engine)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def normalise_url(url: str | URL) -> URL:
    """Plain ``postgresql://`` URLs use psycopg 3, the driver we ship; a malformed URL or one of another backend or
    driver is ``UnusableDatabase``."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise UnusableDatabase("bad_url", _PASSWORD.sub(r"\1***@", str(url))) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in DRIVERS or driver not in ("", DRIVERS[backend]):
        raise UnusableDatabase("unsupported", parsed.render_as_string(hide_password=True))
    return parsed


def _server_default_access(dbapi_connection: Any, _record: Any) -> None:
    """A PostgreSQL connection goes back to the pool with psycopg's default access, the server's: a read unit's
    READ ONLY (``storage.uow``) does not carry over to the next unit, nor does READ WRITE override a database that
    is read-only by default."""
    if dbapi_connection is not None:
        dbapi_connection.read_only = None


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine on ``url``; a new SQLite file is created (private). Raises ``UnusableDatabase`` (see above)."""
    parsed = normalise_url(url)
    path = sqlite_path(parsed)
    if path is None:
        # The workstation's statements are small reads of a CSM's rows, which PostgreSQL's JIT (on above a plan cost
        # of 100,000) only slows: at 300,000 clients it compiled the queue's one statement on every run, 125 ms for a
        # statement that runs in 60. Each run is planned for its own values: the statements psycopg prepares (from
        # their sixth run on a connection) save their parse, about 3 ms of the queue's at 1,000,000 clients, while a
        # plan made once for any values (which PostgreSQL may switch to after five runs) is slower for a statement
        # that sends its constants as parameters. (The queue's statement writes its constants in and asks for that
        # plan itself: ``storage.queue_sources``.) Both as said unless the URL's own ``options`` say otherwise. The
        # pool hands out the connection used last, whose statements are prepared.
        if "options" not in parsed.query:
            options = "-c jit=off -c plan_cache_mode=force_custom_plan"
            kwargs["connect_args"] = {"options": options, **kwargs.get("connect_args", {})}
        if "poolclass" not in kwargs:  # a pool of the caller's choosing may have no order
            kwargs.setdefault("pool_use_lifo", True)
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
        event.listen(engine, "checkin", _server_default_access)
        return engine
    if not _usable_file(path):
        _create_private_file(path)
    elif not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)):
        engine = create_engine(parsed, creator=_read_only_connect(path), **kwargs)
        _configure_sqlite(engine, read_only=True)
        _read_only.add(engine)
        return engine
    engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
    _configure_sqlite(engine)
    return engine


def _usable_file(path: Path) -> bool:
    """Whether ``path`` exists, as a readable SQLite file (or an empty one); ``UnusableDatabase`` when it is there
    but is not one (a directory, a device, another program's file) or cannot be read."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        raise UnusableDatabase("unreadable", str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise UnusableDatabase("not_a_file", str(path))
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError:
        raise UnusableDatabase("unreadable", str(path)) from None
    if header and header != SQLITE_HEADER:
        raise UnusableDatabase("not_sqlite", str(path))
    if header and not _ours(path):
        raise UnusableDatabase("foreign", str(path))
    return True


def _ours(path: Path) -> bool:
    """An SQLite file holds no tables or ours (the first migration writes ``alembic_version`` with them): read as an
    unchanging file, so that nothing is created beside another program's database, nor its journal mode changed."""
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        raise UnusableDatabase("not_sqlite", str(path)) from None
    return not tables or "alembic_version" in tables


def _read_only_connect(path: Path) -> Any:
    """Connections to a file this account may only read, creating nothing beside it: through its ``-wal`` and
    ``-shm`` files when both are there to read (another process writes it), else as an unchanging file."""
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    if wal.exists() and not os.access(shm, os.R_OK):
        raise UnusableDatabase("wal_pending", str(path))
    immutable = "" if wal.exists() else "&immutable=1"
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro{immutable}"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)

    return connect


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _create_private_file(path: Path) -> None:
    """A new database file is readable by its owner only (mode 0600), and so are directories made for it (0700);
    client data lives in it. SQLite gives its -wal and -shm files the database file's mode."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return  # made meanwhile by another process
    except OSError:
        raise UnusableDatabase("cannot_create", str(path)) from None
    os.close(fd)


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not read_only:  # a read-only file keeps the journal it has
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Read pages straight from the operating system's cache, shared by every session on a branch server, instead
        # of copying them into each connection's small private cache: a CSM's clients lie scattered over a big file.
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front so that read-then-write never fails with "database is locked".
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
