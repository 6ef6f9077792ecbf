"""A throwaway PostgreSQL server for the test session: found on PATH or under /usr/lib/postgresql/*/bin, started
by ``initdb`` and ``pg_ctl`` (as the ``postgres`` user when run as root), one empty database per test. The
``pg_server`` and ``db_url`` fixtures in ``tests/conftest.py`` use it; a test that stops and starts the server
itself (storage failures) takes ``PgProcess`` from here."""

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
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest


def pg_required() -> bool:
    return os.environ.get("CSM_REQUIRE_PG", "") == "1"


def pg_unavailable(reason: str) -> NoReturn:
    """Skip, or fail when CSM_REQUIRE_PG=1 (CI must not pass by skipping)."""
    if pg_required():
        pytest.fail(f"CSM_REQUIRE_PG=1 but PostgreSQL cannot be used: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


def pg_bindir() -> Path | None:
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


def pg_tmpdir() -> str | None:
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


def free_port() -> int:
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

    def create_database(self, options: str = "") -> str:
        """A new database (``options``: the rest of CREATE DATABASE, such as its locale); its name."""
        import psycopg

        name = f"t_{uuid.uuid4().hex}"
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" {options}')
        return name

    def collations(self, provider: str) -> set[str]:
        """The collations the server knows from ``provider`` (``c``: the system's locales, ``i``: ICU's)."""
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            found = conn.execute("SELECT collname FROM pg_collation WHERE collprovider = %s", (provider,))
            return {name for (name,) in found}

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PgProcess:
    """initdb + pg_ctl, run as the ``postgres`` user when we are root (the server refuses to run as root)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="csm-pg-", dir=pg_tmpdir()))
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
            port = free_port()
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
