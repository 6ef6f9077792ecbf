"""PostgreSQL for the bench: the server named by ``CSM_BENCH_PG_URL``, or a throwaway one started from the server
binaries (as ``tests/conftest.py`` does), with the demo branch loaded into it."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Engine, text

from bench.database import BOOK, csms_for
from bench.desk import FROZEN_AT
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from storage.demo import build_demo
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory

URL_VARIABLE = "CSM_BENCH_PG_URL"
TIMEOUT_S = 120


def bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: $CSM_PG_BINDIR, PATH, or the newest Debian install."""
    if os.environ.get("CSM_PG_BINDIR"):
        candidates = [Path(os.environ["CSM_PG_BINDIR"])]
    else:
        on_path = shutil.which("initdb")
        candidates = [Path(on_path).resolve().parent] if on_path else []
        debian = glob.glob("/usr/lib/postgresql/*/bin")
        candidates += sorted((Path(d) for d in debian), key=lambda d: _version(d.parent.name), reverse=True)
    tools = ("initdb", "pg_ctl", "postgres")
    return next((d for d in candidates if all(os.access(d / tool, os.X_OK) for tool in tools)), None)


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


@contextmanager
def throwaway_server(binaries: Path) -> Iterator[str]:
    """A new server on a free loopback port, trust auth for ``postgres``; yields its URL; stopped and deleted after.

    Run as the ``postgres`` user when we are root (the server refuses root). Durability is off: it holds a copy.
    """
    base = Path(tempfile.mkdtemp(prefix="csm-bench-pg-"))
    run_as = None
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(base, account.pw_uid, account.pw_gid)
        run_as = "postgres"
    base.chmod(0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"LC_ALL": "C"}

    def run(*args: str) -> None:
        cmd = [str(binaries / args[0]), *args[1:]]
        if run_as is not None:
            cmd = ["runuser", "-u", run_as, "--", *cmd]
        subprocess.run(cmd, cwd=base, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=True)

    data, port = base / "data", _free_port()
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off -c full_page_writes=off"
    try:
        run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "-N")
        run("pg_ctl", "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60", "-o", options, "start")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if data.exists():
            with suppress(subprocess.SubprocessError, OSError):
                run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_demo(engine: Engine, clients: int, seed: int) -> None:
    """Upgrade the schema and load the demo branch, unless this very branch (seed, size and csm01's book) is already
    there.

    Then VACUUM ANALYZE, as autovacuum would soon after a bulk load: the planner sees the data it will query, and the
    visibility map lets index-only scans answer from the index (the queue's book and holdings, migration 0028).
    A database holding any other branch is refused (``DemoExists``).
    """
    upgrade(engine)
    clock = FrozenClock(FROZEN_AT)
    csms = csms_for(clients)
    with SqlUnitOfWorkFactory(engine, clock)() as tx:
        loaded = [tx.meta.get(f"demo_{fact}") for fact in ("seed", "clients", "csms", "book")]
    if loaded != [str(seed), str(clients), str(csms), str(BOOK)]:
        print(f"loading the demo branch into PostgreSQL: {clients:,} clients, {csms} CSMs, seed {seed} ...", flush=True)
        build_demo(engine, clock, clients=clients, seed=seed, policy=Policy(), csms=csms, book=BOOK)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def server_version(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(text("SHOW server_version")))
