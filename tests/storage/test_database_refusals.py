"""A database the workstation cannot use is refused in one line naming the URL or file and what to do, exit 2, never
a traceback; nothing is created beside a device or a file that is not ours. A database this account may only read
opens read-only: browsing works, a save says why it cannot, and no file is left behind that blocks it later."""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from csm_tui.cli import main, open_workstation
from csm_tui.cli_support import open_existing_database
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Role
from csm_tui.i18n import set_language
from csm_tui.policy import Policy
from csm_tui.services.ports import StorageFailure
from storage.engine import READ_ONLY, make_engine
from storage.migrate import upgrade
from storage.ownership import account_name
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder
from tests.support.clock import FROZEN_AT
from tests.support.postgres import PgServer
from widgets.failures import describe

NOBODY = 65534
COMMANDS = [
    [],
    ["db", "upgrade"],
    ["admin", "audit", "verify"],
    ["admin", "ssh-key", "add", "--staff", "csm01", "--key", __file__],
]


def csm(*args: str, config: Path | None = None) -> tuple[int, str]:
    settings = ["--config", str(config)] if config else []
    result = CliRunner().invoke(main, ["--lang", "en", *settings, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def refused(url: str, *fragments: str) -> None:
    for command in COMMANDS:
        code, output = csm(*command, "--db", url)
        assert code == 2, output
        assert "Traceback" not in output and output.count("\n") == 1, output
        for fragment in fragments:
            assert fragment in output, output


def siblings(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir() if p.name.startswith(path.name) and p != path}


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("mysql://csm@db.branch/csm", "mysql://csm@db.branch/csm"),
        ("mysql+pymysql://csm:secret@db/csm", "mysql+pymysql://csm:***@db/csm"),
        ("postgresql+psycopg2://csm@db/csm", "postgresql+psycopg2://csm@db/csm"),
        ("garbage-url", "garbage-url"),
        ("postgresql://csm:secret@db:port/csm", "postgresql://csm:***@db:port/csm"),
    ],
)
def test_a_url_of_another_backend_or_none_at_all_is_refused_by_name(url: str, named: str) -> None:
    refused(url, named, "sqlite:///")
    assert "secret" not in csm("--db", url)[1]


def test_a_device_is_refused_and_nothing_is_created_beside_it() -> None:
    before = set(os.listdir("/dev"))
    refused("sqlite:////dev/null", "/dev/null", "not a database file")
    assert not {"null-journal", "null-wal", "null-shm", "null.migrate.lock"} & set(os.listdir("/dev"))
    assert set(os.listdir("/dev")) - before == set()


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    refused(f"sqlite:///{tmp_path / 'folder'}", str(tmp_path / "folder"), "not a database file")


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("客户名单\n", encoding="utf-8")
    refused(f"sqlite:///{notes}", str(notes), "not an SQLite database")
    assert notes.read_text(encoding="utf-8") == "客户名单\n" and siblings(notes) == set()


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE ledger (id INTEGER)")
    before = other.read_bytes()
    refused(f"sqlite:///{other}", str(other), "another program")
    assert other.read_bytes() == before and siblings(other) == set()


def test_another_programs_postgresql_database_is_refused(pg_server: PgServer) -> None:
    name = pg_server.create_database()
    try:
        engine = make_engine(pg_server.url(name))
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE ledger (id INTEGER)"))
        engine.dispose()
        refused(pg_server.url(name), name, "another program")
    finally:
        pg_server.drop_database(name)


def test_a_database_missing_a_table_is_refused_naming_it(demo_url: str) -> None:
    engine = make_engine(demo_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE referrals"))
    engine.dispose()
    refused(demo_url, demo_url.removeprefix("sqlite:///"), "referrals", "backup")


def test_a_file_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, output = csm("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'file' / 'csm.db'}")
    assert code == 2 and "cannot be created" in output and "Traceback" not in output


def as_another_account(work: Callable[[], Any]) -> Any:
    """``work()`` run by an account that owns nothing here (nobody), with its own settings folder, in a child of this
    process: what it returned, or the exception it raised."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        os.close(read)
        try:
            home = tempfile.mkdtemp()  # the other account's own settings folder (its audit key goes there)
            os.chown(home, NOBODY, NOBODY)
            os.environ["XDG_CONFIG_HOME"] = home
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            outcome: Any = work()
        except BaseException as exc:  # handed to the parent whole
            outcome = exc
        with os.fdopen(write, "wb") as out:
            pickle.dump(outcome, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        data = fh.read()
    os.waitpid(child, 0)
    return pickle.loads(data)


def _warm(url: str) -> None:
    """Load every module opening a branch needs, while this process may still read the virtual environment (on a
    copy of the branch: the database the other account opens is left as it was)."""
    copy = Path(tempfile.mkdtemp()) / "warm.db"
    shutil.copyfile(url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    engine = open_existing_database(url)
    ws = open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "csm01")
    with ws.uow() as tx:
        tx.staff.by_login("csm01")
    engine.dispose()  # the last connection gone, the -wal and -shm files go
    for command in COMMANDS:
        csm(*command, "--db", url)
    shutil.rmtree(copy.parent)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another account")
def test_another_account_is_told_it_cannot_read_the_private_database(demo_url: str) -> None:
    _warm(demo_url)
    path = demo_url.removeprefix("sqlite:///")
    config = Path(tempfile.mkdtemp()) / "config.toml"  # settings the other account may read
    config.parent.chmod(0o755)
    config.write_text("", encoding="utf-8")

    def run() -> list[tuple[int, str]]:
        return [csm(*command, "--db", demo_url, config=config) for command in COMMANDS]

    for code, output in as_another_account(run):
        assert code == 2 and path in output and "cannot be read by this account" in output, output


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another account")
def test_a_read_only_file_opens_for_browsing_and_leaves_nothing_that_blocks_it_later(
    demo_url: str, tmp_path: Path
) -> None:
    set_language("en")
    _warm(demo_url)
    path = Path(demo_url.removeprefix("sqlite:///"))
    os.chown(path.parent, NOBODY, NOBODY)
    os.chown(path, NOBODY, NOBODY)
    path.chmod(0o400)

    def browse_then_save() -> tuple[str, str]:
        ws = open_workstation(open_existing_database(demo_url), FrozenClock(FROZEN_AT), Policy(), "csm01")
        with ws.uow() as tx:
            staff = tx.staff.by_login("csm01")
        try:
            with ws.uow(write=True) as tx:
                tx.audit.record("note")
                tx.commit()
        except StorageFailure as exc:
            return staff.name if staff else "", describe(exc)
        return "", "saved"

    name, said = as_another_account(browse_then_save)
    assert name and "read-only" in said and "Nothing was saved" in said
    assert siblings(path) == set()  # no -shm made read-only with the file
    path.chmod(0o600)

    def save() -> str:
        ws = open_workstation(open_existing_database(demo_url), FrozenClock(FROZEN_AT), Policy(), "csm01")
        with ws.uow(write=True) as tx:
            tx.audit.record("note")
            tx.commit()
        return "saved"

    assert as_another_account(save) == "saved"


def test_a_read_only_filesystem_opens_for_browsing_and_a_save_says_why_not(demo_url: str, tmp_path: Path) -> None:
    mount = tmp_path / "ro"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=False).returncode:
        pytest.skip("cannot mount a tmpfs here (not root, or no permission in this container)")
    try:
        path = mount / "branch.db"
        path.write_bytes(Path(demo_url.removeprefix("sqlite:///")).read_bytes())
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        engine = open_existing_database(f"sqlite:///{path}")
        ws = open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "csm01")
        with ws.uow() as tx:
            assert tx.staff.by_login("csm01") is not None
        with pytest.raises(StorageFailure) as failure, ws.uow(write=True) as tx:
            tx.audit.record("note")
            tx.commit()
        assert failure.value.cause == READ_ONLY
        engine.dispose()
        assert sorted(p.name for p in mount.iterdir()) == ["branch.db"]
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


# Back from a client, the list's search has the focus again: Escape to the list before the next destination's digit.
DESTINATIONS = ["1", "2", "3", "enter", "escape", "escape", "4", "5", "6", "f3", "escape"]


def test_every_destination_of_a_read_only_file_opens_or_says_why_not(demo_url: str, tmp_path: Path) -> None:
    """Browsing a read-only branch through the app: each destination shows its data, or (the scoreboard, which
    keeps the quarter's averages before it shows them) says the database is read-only; nothing is written."""
    import asyncio
    import termios  # noqa: F401  (the other account cannot read the standard library: loaded here)
    import tty  # noqa: F401

    from csm_tui.app import CsmApp
    from tests.support.pilot import notices, recording_notices, settle

    def browse(url: str) -> list[str]:
        app = recording_notices(
            CsmApp(open_workstation(open_existing_database(url), FrozenClock(FROZEN_AT), Policy(), "csm01"), lang="en")
        )

        async def run() -> list[str]:
            async with app.run_test(size=(160, 50)) as pilot:
                for key in DESTINATIONS:
                    await pilot.press(key)
                    await settle(pilot)
            return notices(app)

        return asyncio.run(run())

    set_language("en")
    _warm(demo_url)
    copy = tmp_path / "warm.db"
    shutil.copyfile(demo_url.removeprefix("sqlite:///"), copy)
    browse(f"sqlite:///{copy}")  # every screen's modules loaded while this process may read them
    path = Path(demo_url.removeprefix("sqlite:///"))
    os.chown(path.parent, NOBODY, NOBODY)
    os.chown(path, NOBODY, NOBODY)
    path.chmod(0o400)
    before = path.read_bytes()
    said = as_another_account(lambda: browse(demo_url))
    assert isinstance(said, list), said
    assert said and all("read-only" in message for message in said), said
    assert path.read_bytes() == before and siblings(path) == set()


@pytest.mark.parametrize("how", ["read-only by default", "a login that may only read"])
def test_a_postgresql_server_that_takes_no_writes_opens_for_browsing_and_a_save_says_why_not(
    pg_server: PgServer, how: str
) -> None:
    """A standby, a database read-only by default or a login granted SELECT only: signing in must not fail on the
    sign-in's audit entry; the branch opens for browsing, and a save fails as read-only (nothing written)."""
    name = pg_server.create_database()
    owner = make_engine(pg_server.url(name))
    try:
        upgrade(owner)
        with SqlUnitOfWorkFactory(owner, FrozenClock(FROZEN_AT))(write=True) as tx:
            build = BranchBuilder(tx)
            build.outlet()
            build.staff(account_name(), "王芳", Role.CSM)  # signing in as the OS login, as a CSM does
            tx.commit()
        url = pg_server.url(name)
        with owner.begin() as conn:
            if how == "read-only by default":
                conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
            else:
                reader = f"r_{name[2:14]}"
                conn.execute(text(f'CREATE ROLE "{reader}" LOGIN'))
                conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{reader}"'))
                url = url.replace(f"//{pg_server.user}@", f"//{reader}@")
        audited = _audit_count(owner)
        engine = open_existing_database(url)
        ws = open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), None)
        with ws.uow() as tx:
            assert tx.staff.by_login(account_name()) is not None
        with pytest.raises(StorageFailure) as failure, ws.uow(write=True) as tx:
            tx.audit.record("note")
            tx.commit()
        assert failure.value.cause == READ_ONLY
        engine.dispose()
        assert _audit_count(owner) == audited
    finally:
        owner.dispose()
        pg_server.drop_database(name)


def _audit_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM audit_events")) or 0)
