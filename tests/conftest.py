"""Fixtures for the whole suite.

Databases: ``db_url`` runs a test once on SQLite and once on PostgreSQL, each time on a fresh, empty database.
PostgreSQL is a real server started by the test session itself (``pg_server``) from the server binaries on PATH
or under /usr/lib/postgresql/*/bin. Without them the PostgreSQL cases are skipped, unless ``CSM_REQUIRE_PG=1``
(CI), which turns the skip into a failure.

Other fixtures: ``engine`` (migrated to head), ``clock`` (frozen on a Friday morning in Shanghai), ``uow_factory``
(units of work acting for the system) and ``sqlite_url`` (for SQLite-only tests). Every test runs with the
user data and config directories pointed at temporary ones and the ``CSM_*`` overrides removed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from csm_tui.clock import FrozenClock
from csm_tui.i18n import DEFAULT_LANGUAGE, set_language
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory

# Hypothesis: no deadline (a cold import or a busy machine must not fail a property), moderate example counts.
settings.register_profile(
    "csm", deadline=None, max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile("ci", parent=settings.get_profile("csm"), max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "csm"))

# 10:00 in Asia/Shanghai on Friday 27 November 2026.
FROZEN_AT = "2026-11-27T02:00:00Z"

_ENV_REMOVED = ("CSM_DB_URL", "CSM_STAFF", "CSM_LANG", "CSM_CONFIG")


# --- environment ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Never read or write the real user's data, config or cache; ignore the developer's ``CSM_*`` overrides."""
    home = tmp_path_factory.mktemp("xdg")
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (
            ("XDG_DATA_HOME", "data"),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_CACHE_HOME", "cache"),
            ("XDG_STATE_HOME", "state"),
        ):
            (home / sub).mkdir()
            mp.setenv(var, str(home / sub))
        for var in _ENV_REMOVED:
            mp.delenv(var, raising=False)
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language (zh_CN), whatever the test before it chose (the app, the command
    line and ``set_language`` keep the language process-wide)."""
    set_language(DEFAULT_LANGUAGE)
    yield
    set_language(DEFAULT_LANGUAGE)


# --- PostgreSQL ----------------------------------------------------------------------------------------------


def _pg_required() -> bool:
    return os.environ.get("CSM_REQUIRE_PG", "") == "1"


def _pg_unavailable(reason: str) -> NoReturn:
    """Skip, or fail when CSM_REQUIRE_PG=1 (CI must not pass by skipping)."""
    if _pg_required():
        pytest.fail(f"CSM_REQUIRE_PG=1 but PostgreSQL cannot be used: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


def _pg_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: $CSM_PG_BINDIR, PATH, or the newest Debian install."""
    if os.environ.get("CSM_PG_BINDIR"):
        candidates = [Path(os.environ["CSM_PG_BINDIR"])]
    else:
        candidates = []
        on_path = shutil.which("initdb")
        if on_path:
            # Debian links /usr/local/bin/initdb into /usr/lib/postgresql/N/bin; initdb finds postgres beside
            # its real location, so resolve the link.
            candidates.append(Path(on_path).resolve().parent)

        def version(d: str) -> tuple[int, ...]:
            part = Path(d).parent.name
            return tuple(int(x) for x in part.split(".") if x.isdigit())

        candidates += [Path(d) for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]
    for d in candidates:
        if all((d / tool).is_file() and os.access(d / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def _pg_tmpdir() -> str | None:
    """Where the server's files go: $CSM_PG_TMPDIR, else /dev/shm when usable (a RAM disk makes CREATE DATABASE
    several times faster), else the system temp dir."""
    if os.environ.get("CSM_PG_TMPDIR"):
        return os.environ["CSM_PG_TMPDIR"]
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        stats = os.statvfs(shm)
        if stats.f_bavail * stats.f_frsize > 512 * 1024 * 1024:
            return str(shm)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A throwaway PostgreSQL server: trust auth for ``postgres`` on 127.0.0.1 and a socket in ``socket_dir``."""

    host: str
    port: int
    socket_dir: Path
    user: str = "postgres"

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def create_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex}"
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _PgProcess:
    """initdb + pg_ctl, run as the ``postgres`` user when we are root (the server refuses to run as root)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="csm-pg-", dir=_pg_tmpdir()))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.run_as: str | None = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.base, ignore_errors=True)
                raise RuntimeError("running as root and there is no 'postgres' user to run the server as") from None
            os.chown(self.base, account.pw_uid, account.pw_gid)
            self.run_as = "postgres"
        self.base.chmod(0o700)
        # PG* variables of the developer's shell must not redirect the server or the tools.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        self.env["LC_ALL"] = "C"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as is not None:
            if shutil.which("runuser"):
                cmd = ["runuser", "-u", self.run_as, "--", *cmd]
            else:
                cmd = ["su", self.run_as, "-s", "/bin/sh", "-c", shlex.join(cmd)]
        return subprocess.run(
            cmd, cwd=self.base, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}")

    def start(self) -> PgServer:
        self._check(
            self._run(
                "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "-N"
            ),
            "initdb",
        )
        last_error: Exception | None = None
        for _attempt in range(3):  # the free port may be taken between choosing and binding it
            port = _free_port()
            options = (
                f"-F -p {port} -c listen_addresses=127.0.0.1 -k {self.base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            result = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start"
            )
            try:
                self._check(result, "pg_ctl start")
            except RuntimeError as exc:
                last_error = exc
                continue
            return PgServer(host="127.0.0.1", port=port, socket_dir=self.base)
        assert last_error is not None
        raise last_error

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(Exception):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for the session, started on first use and stopped (and deleted) at the end."""
    bindir = _pg_bindir()
    if bindir is None:
        where = os.environ.get("CSM_PG_BINDIR") or "on PATH or in /usr/lib/postgresql/*/bin"
        _pg_unavailable(f"no initdb/pg_ctl/postgres {where}")
    try:
        process = _PgProcess(bindir)
    except RuntimeError as exc:
        _pg_unavailable(str(exc))
    try:
        server = process.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        process.stop()
        _pg_unavailable(f"could not start the server from {bindir}: {exc}")
    try:
        yield server
    finally:
        process.stop()


# --- databases -----------------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database in a new temporary file (not yet created: make_engine creates it, mode 0600)."""
    return f"sqlite:///{tmp_path}/t.db"


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/t.db"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url``, migrated to the head revision."""
    eng = make_engine(db_url)
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    """2026-11-27T02:00:00Z: 10:00 on a Friday in Asia/Shanghai."""
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def uow_factory(engine: Engine, clock: FrozenClock) -> SqlUnitOfWorkFactory:
    """Units of work acting for the system (no staff member); ``.acting_as(staff)`` for a person."""
    return SqlUnitOfWorkFactory(engine, clock)


# --- a demo branch for the app's tests -------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo branch, built once per session on the frozen clock."""
    from tests.support.demo_branch import build_template

    return build_template(tmp_path_factory.mktemp("demo") / "template.db", FROZEN_AT)


@pytest.fixture
def demo_url(demo_template: Path) -> Iterator[str]:
    """A private copy of the demo branch for one test."""
    from tests.support.demo_branch import copy_of

    target = Path(tempfile.mkdtemp(prefix="csm-demo-")) / "demo.db"
    yield copy_of(demo_template, target)
    shutil.rmtree(target.parent, ignore_errors=True)
