"""A save that fails says what happened — a full disk, a read-only database, a lock held beyond the wait, a server
gone — and that nothing was saved, in either language; once the cause is gone, the next save works without a
restart."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text

from csm_tui.clock import FrozenClock
from csm_tui.i18n import LANGUAGES, set_language
from csm_tui.services.ports import StorageFailure
from storage import engine as engine_module
from storage.engine import DISK_FULL, LOCKED, READ_ONLY, SERVER_GONE, make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support.clock import FROZEN_AT
from tests.support.postgres import PgProcess, PgServer, pg_bindir
from widgets.failures import describe


def save(engine: Engine, note: str = "x") -> None:
    """One unit of work that writes (an audit entry of ``note``) and commits."""
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        tx.audit.record("note", "", "", text=note)
        tx.commit()


def failed_save(engine: Engine, note: str = "x") -> StorageFailure:
    with pytest.raises(StorageFailure) as failure:
        save(engine, note)
    return failure.value


def said_in_each_language(failure: StorageFailure) -> dict[str, str]:
    said = {}
    for lang in LANGUAGES:
        set_language(lang)
        said[lang] = describe(failure)
    return said


def assert_named(failure: StorageFailure, cause: str, *words: str) -> None:
    assert failure.cause == cause
    said = said_in_each_language(failure)
    assert "Nothing was saved" in said["en"] and "未保存任何内容" in said["zh_CN"]
    assert not [text for text in said.values() if "Error" in text]  # the cause in words, not the driver's type
    for word in words:
        assert word in said["en"]


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=False).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root, and a container that allows mounts)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def test_a_full_disk_is_named_and_the_save_after_freeing_space_works(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "2m") as disk:
        engine = make_engine(f"sqlite:///{disk / 'branch.db'}")
        upgrade(engine)
        save(engine)
        filler = disk / "filler"
        with contextlib.suppress(OSError), filler.open("wb", buffering=0) as out:
            while True:
                out.write(b"\0" * 4096)
        failure = failed_save(engine, "很长的备注" * 4000)
        assert_named(failure, DISK_FULL, "disk is full")
        filler.unlink()
        save(engine, "很长的备注" * 400)
        engine.dispose()


def test_a_lock_held_beyond_the_wait_is_named_and_the_save_after_it_works(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with contextlib.closing(sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")  # another session holds the write lock
        assert_named(failed_save(engine), LOCKED, "locked", "try again")
        holder.execute("ROLLBACK")
    save(engine)
    engine.dispose()


def read_only(server: PgServer, name: str, on: str) -> None:
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {on}')


def test_a_read_only_postgresql_database_is_named(pg_server: PgServer) -> None:
    name = pg_server.create_database()
    try:
        engine = make_engine(pg_server.url(name))
        upgrade(engine)
        read_only(pg_server, name, "on")
        engine.dispose()  # new connections read the setting
        assert_named(failed_save(engine), READ_ONLY, "read-only")
        read_only(pg_server, name, "off")
        engine.dispose()
        save(engine)
        engine.dispose()
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def own_pg_server() -> Iterator[tuple[PgProcess, PgServer]]:
    """A PostgreSQL server of this test's own, to stop and start without disturbing the others."""
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries")
    process = PgProcess(bindir)
    try:
        yield process, process.start()
    finally:
        process.stop()


def test_a_postgresql_server_gone_is_named_and_the_save_after_its_restart_works(
    own_pg_server: tuple[PgProcess, PgServer],
) -> None:
    process, server = own_pg_server
    engine = make_engine(server.url(server.create_database()))
    upgrade(engine)
    save(engine)  # the session's connection is in the pool
    stopped = process._run("pg_ctl", "-D", str(process.data), "-m", "fast", "-w", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert_named(failed_save(engine), SERVER_GONE, "cannot be reached")
    restarted = process._run("pg_ctl", "-D", str(process.data), "-l", str(process.log), "-w", "restart")
    assert restarted.returncode == 0, restarted.stderr
    save(engine)  # the same engine, no restart of the app
    killed = process._run("pg_ctl", "-D", str(process.data), "-l", str(process.log), "-m", "immediate", "-w", "restart")
    assert killed.returncode == 0, killed.stderr
    save(engine)  # a connection the server dropped (killed, not closed) is found out before use
    engine.dispose()


def test_a_postgresql_lock_held_beyond_the_wait_is_named_and_the_save_after_it_works(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = pg_server.create_database()
    try:
        engine = make_engine(pg_server.url(name))
        upgrade(engine)
        monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
        with psycopg.connect(pg_server.conninfo(dbname=name)) as holder:
            holder.execute("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")  # another session holds the table
            assert_named(failed_save(engine), LOCKED, "locked", "try again")
        save(engine)  # the holder's transaction ended with its connection
        engine.dispose()
    finally:
        pg_server.drop_database(name)


async def test_a_search_while_the_postgresql_server_is_gone_names_it_and_the_next_one_works(
    own_pg_server: tuple[PgProcess, PgServer],
) -> None:
    """The app sits idle on F3; the server stops: a search (a read, saving nothing) says the server cannot be reached,
    not that something could not be saved; once the server is back the next search shows its results."""
    from csm_tui.app import CsmApp
    from csm_tui.cli import open_workstation
    from csm_tui.policy import Policy
    from storage.demo import build_demo
    from tests.support.pilot import notices, recording_notices, settle, table_rows

    process, server = own_pg_server
    engine = make_engine(server.url(server.create_database()))
    upgrade(engine)
    build_demo(engine, FrozenClock(FROZEN_AT), clients=30, seed=1, policy=Policy())
    with engine.connect() as conn:
        number = conn.execute(text("SELECT min(number) FROM clients")).scalar_one()
    app = recording_notices(CsmApp(open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "csm01"), lang="en"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        stopped = process._run("pg_ctl", "-D", str(process.data), "-m", "fast", "-w", "stop")
        assert stopped.returncode == 0, stopped.stderr
        await pilot.press(*number[:-1])
        await settle(pilot)
        said = notices(app)
        assert any("Could not load" in m and "cannot be reached" in m for m in said), said
        assert not any("Could not save" in m for m in said), said
        options = f"-F -p {server.port} -c listen_addresses=127.0.0.1 -k {server.socket_dir}"
        started = process._run("pg_ctl", "-D", str(process.data), "-l", str(process.log), "-w", "-o", options, "start")
        assert started.returncode == 0, started.stderr
        await pilot.press(number[-1])
        await settle(pilot)
        assert any(number in " ".join(row) for row in table_rows(app))
    engine.dispose()
