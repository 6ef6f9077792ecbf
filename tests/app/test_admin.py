"""``csm admin`` (issue 8): staff SSH keys, the audit chain's verification, copying a branch to PostgreSQL, and
the ``ssh-session`` entry point's refusals. Only admins get in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select, text

from csm_tui.cli import main
from csm_tui.ssh_keys import AuthorizedKeys, BadKey, parse_public_key
from storage import audit
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import AuditRow, Base, ClientRow
from storage.ownership import owned_by_this_account
from tests.support.postgres import PgServer
from tests.support.sshd import make_key


@pytest.fixture
def as_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The OS login is the demo branch's admin."""
    for var in ("LOGNAME", "USER"):
        monkeypatch.setenv(var, "admin")
    monkeypatch.delenv("SUDO_USER", raising=False)


def csm(*args: str) -> Result:
    return CliRunner().invoke(main, ["--lang", "en", *args])


def add_key(demo_url: str, keys: Path, login: str, key: Path) -> Result:
    return csm("admin", "ssh-key", "add", "--staff", login, "--key", str(key), "--db", demo_url, "--file", str(keys))


# --- ssh-key --------------------------------------------------------------------------------------------------


def test_a_key_becomes_a_forced_command_entry_for_one_staff_member(
    demo_url: str, tmp_path: Path, as_admin: None
) -> None:
    keys = tmp_path / "home" / ".ssh" / "authorized_keys"
    key = make_key(tmp_path, "wang", 1)
    result = add_key(demo_url, keys, "csm01", key)
    assert result.exit_code == 0, result.output
    fingerprint = parse_public_key(key.read_text()).fingerprint
    assert f"The key {fingerprint} now opens the workstation as csm01" in result.output
    [line] = keys.read_text().splitlines()
    db_path = demo_url.removeprefix("sqlite:///")
    assert line.startswith('restrict,pty,command="')
    assert f' ssh-session --staff csm01 --db sqlite:///{db_path}" ssh-ed25519 ' in line
    assert line.endswith(" csm:csm01")
    assert keys.stat().st_mode & 0o777 == 0o600 and keys.parent.stat().st_mode & 0o777 == 0o700
    listed = csm("admin", "ssh-key", "list", "--db", demo_url, "--file", str(keys))
    assert listed.output.splitlines() == [f"csm01\tssh-ed25519\t{fingerprint}"]
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        last = conn.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).one()
    engine.dispose()
    assert (last.action, last.detail["login"], last.detail["fingerprint"]) == ("ssh_key_add", "csm01", fingerprint)


def test_keys_are_one_per_staff_member_and_other_lines_are_kept(demo_url: str, tmp_path: Path, as_admin: None) -> None:
    keys = tmp_path / "authorized_keys"
    keys.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOps ops@console\n", encoding="utf-8")
    first, second = make_key(tmp_path, "a", 1), make_key(tmp_path, "b", 2)
    assert add_key(demo_url, keys, "csm01", first).exit_code == 0
    assert add_key(demo_url, keys, "csm02", second).exit_code == 0
    again = add_key(demo_url, keys, "csm02", first)
    assert again.exit_code == 2 and "already in the file (for csm01)" in again.output
    assert [e.login for e in AuthorizedKeys(keys).entries()] == ["csm01", "csm02"]
    removed = csm("admin", "ssh-key", "remove", "--staff", "csm01", "--db", demo_url, "--file", str(keys))
    assert removed.exit_code == 0 and "Removed 1 key(s) of csm01" in removed.output
    lines = keys.read_text().splitlines()
    assert lines[0] == "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOps ops@console"
    assert [e.login for e in AuthorizedKeys(keys).entries()] == ["csm02"]
    none_left = csm("admin", "ssh-key", "remove", "--staff", "csm01", "--db", demo_url, "--file", str(keys))
    assert none_left.exit_code == 2 and "No SSH key of csm01" in none_left.output


def test_unknown_staff_and_bad_keys_are_refused_and_nothing_is_written(
    demo_url: str, tmp_path: Path, as_admin: None
) -> None:
    keys = tmp_path / "authorized_keys"
    unknown = add_key(demo_url, keys, "nobody", make_key(tmp_path, "n", 3))
    assert unknown.exit_code == 2 and "Unknown staff login: nobody" in unknown.output
    bad = tmp_path / "bad.pub"
    bad.write_text("ssh-ed25519 bm90IGEga2V5\n", encoding="utf-8")
    refused = add_key(demo_url, keys, "csm01", bad)
    assert refused.exit_code == 2 and "is not a usable SSH public key" in refused.output
    assert not keys.exists()


@pytest.mark.parametrize(
    "text_",
    ["", "ssh-dss AAAA", "ssh-ed25519 !!!", "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB", "a\nb\n"],
)
def test_parse_public_key_refuses_what_is_not_one_key(text_: str) -> None:
    with pytest.raises(BadKey):
        parse_public_key(text_)


def test_only_admins_run_admin_commands(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``sudo -u <service account> csm admin ...`` by a staff member who is no admin (the service account's own
    runs, without SUDO_USER, are trusted: it owns the database)."""
    for var in ("LOGNAME", "USER"):
        monkeypatch.setenv(var, "csm01")
    monkeypatch.setenv("SUDO_USER", "csm01")
    keys = tmp_path / "authorized_keys"
    for args in (
        ["admin", "ssh-key", "add", "--staff", "csm01", "--key", str(make_key(tmp_path, "k", 4)), "--file", str(keys)],
        ["admin", "ssh-key", "list", "--file", str(keys)],
        ["admin", "audit", "verify"],
    ):
        result = csm(*args, "--db", demo_url)
        assert result.exit_code == 2 and "Only a branch admin" in result.output, args
    assert not keys.exists()


def test_an_admin_through_sudo_as_the_service_account_is_recognised(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sudo -u csm csm admin ...``: the login is the service account's, SUDO_USER the admin who ran it."""
    for var in ("LOGNAME", "USER"):
        monkeypatch.setenv(var, "csm-service")
    monkeypatch.setenv("SUDO_USER", "admin")
    assert csm("admin", "audit", "verify", "--db", demo_url).exit_code == 0
    monkeypatch.setenv("SUDO_USER", "csm01")
    assert csm("admin", "audit", "verify", "--db", demo_url).exit_code == 2


# --- audit verify ---------------------------------------------------------------------------------------------


def test_audit_verify_reports_the_first_broken_link(demo_url: str, tmp_path: Path, as_admin: None) -> None:
    for seed, login in enumerate(("csm01", "csm02", "csm03"), 1):
        assert add_key(demo_url, tmp_path / "keys", login, make_key(tmp_path, login, seed)).exit_code == 0
    intact = csm("admin", "audit", "verify", "--db", demo_url)
    assert intact.exit_code == 0 and "The audit chain holds" in intact.output
    engine = make_engine(demo_url)
    with engine.begin() as conn:
        ids = conn.scalars(select(AuditRow.id).order_by(AuditRow.id)).all()
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET detail = '{}' WHERE id = :id"), {"id": ids[-2]})
    engine.dispose()
    broken = csm("admin", "audit", "verify", "--db", demo_url)
    assert broken.exit_code == 1
    assert f"broken at entry {ids[-2]}" in broken.output


# --- copy to PostgreSQL -----------------------------------------------------------------------------------------


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in Base.metadata.sorted_tables}


def test_copy_moves_a_branch_to_postgresql_with_counts_checked(
    demo_url: str, pg_server: PgServer, as_admin: None
) -> None:
    name = pg_server.create_database()
    target_url = pg_server.url(name)
    try:
        upgraded = csm("db", "upgrade", "--db", target_url)
        assert upgraded.exit_code == 0 and "latest version" in upgraded.output
        result = csm("admin", "copy", "--from", demo_url, "--to", target_url)
        assert result.exit_code == 0, result.output
        source, target = make_engine(demo_url), make_engine(target_url)
        expected = table_counts(source)
        assert table_counts(target) == expected
        for table, rows in expected.items():
            assert f"{table}\t{rows}" in result.output.splitlines()
        assert "counts match and the audit chain verifies" in result.output
        with target.connect() as conn:
            assert audit.verify(conn) is None
        # Sequences continue after the copied ids: new rows (and their audit entries) go in after them.
        with target.begin() as conn:
            conn.execute(text("INSERT INTO outlets (code, name, sells_wealth) VALUES ('NEW', '新网点', true)"))
            assert conn.scalar(text("SELECT max(id) FROM outlets")) == expected["outlets"] + 1
        again = csm("admin", "copy", "--from", demo_url, "--to", target_url)
        assert again.exit_code == 2 and "not empty" in again.output
        with target.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(ClientRow)) == expected["clients"]
        source.dispose()
        target.dispose()
    finally:
        pg_server.drop_database(name)


def test_a_copy_the_target_refuses_names_the_table_and_the_guards_words(
    demo_url: str, tmp_path: Path, as_admin: None
) -> None:
    """A contact the source holds on another client's task (written there around the guard, migration 0024): the
    target's guard refuses it, and the copy says which table and what the guard holds, keeping nothing."""
    source = make_engine(demo_url)
    with source.begin() as conn:
        conn.execute(text("DROP TRIGGER contacts_task_update"))
        conn.execute(
            text(
                "UPDATE contacts SET task_id = (SELECT min(t.id) FROM tasks t WHERE t.client_id <> contacts.client_id) "
                "WHERE id = (SELECT min(id) FROM contacts)"
            )
        )
    source.dispose()
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    assert csm("db", "upgrade", "--db", target_url).exit_code == 0
    result = csm("admin", "copy", "--from", demo_url, "--to", target_url)
    assert result.exit_code != 0
    assert "refused the rows of table contacts" in result.output and "contact refused: its task" in result.output
    target = make_engine(target_url)
    assert table_counts(target)["clients"] == 0
    target.dispose()


def test_postgresql_ownership_is_the_role_named_after_the_account_that_owns_the_database(
    pg_server: PgServer,
) -> None:
    """Peer authentication signs the service account in as its own role; that role is the owner once it owns the
    database; any other role is not."""
    name = pg_server.create_database()
    account = __import__("pwd").getpwuid(os.geteuid()).pw_name
    engine = make_engine(pg_server.url(name))
    created = False
    try:
        upgrade(engine)
        assert not owned_by_this_account(engine) or account == pg_server.user
        with engine.begin() as conn:
            created = not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": account})
            if created:
                conn.execute(text(f'CREATE ROLE "{account}" LOGIN'))
        own = make_engine(f"postgresql+psycopg://{account}@{pg_server.host}:{pg_server.port}/{name}")
        assert not owned_by_this_account(own)
        with engine.begin() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" OWNER TO "{account}"'))
        assert owned_by_this_account(own)
        own.dispose()
    finally:
        engine.dispose()
        pg_server.drop_database(name)
        if created:
            import psycopg

            with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP ROLE "{account}"')


# --- the ssh-session entry point --------------------------------------------------------------------------------


def test_ssh_session_is_refused_outside_ssh(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    result = csm("ssh-session", "--staff", "admin", "--db", demo_url)
    assert result.exit_code == 2 and "SSH keys only" in result.output


def test_ssh_session_is_refused_to_an_account_that_does_not_own_the_database(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving the file to another account needs root")
    monkeypatch.setenv("SSH_CONNECTION", "127.0.0.1 50000 127.0.0.1 22")
    path = Path(demo_url.removeprefix("sqlite:///"))
    os.chown(path, 65534, 65534)
    result = csm("ssh-session", "--staff", "csm01", "--db", demo_url)
    assert result.exit_code == 2 and "service account that owns the database" in result.output


def test_ssh_session_without_a_terminal_runs_nothing(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ssh host id`` gets no pty: the key still runs only the workstation, which says it needs a terminal."""
    monkeypatch.setenv("SSH_CONNECTION", "127.0.0.1 50000 127.0.0.1 22")
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "id")
    result = csm("ssh-session", "--staff", "csm01", "--db", demo_url)
    assert result.exit_code == 2 and "needs a terminal" in result.output


# --- backup -----------------------------------------------------------------------------------------------------


def test_backup_makes_a_private_consistent_copy_and_never_overwrites(
    demo_url: str, tmp_path: Path, as_admin: None
) -> None:
    target = tmp_path / "backup" / "csm-2026-11-27.db"
    target.parent.mkdir()
    result = csm("admin", "backup", "--db", demo_url, "--to", str(target))
    assert result.exit_code == 0 and f"Backed up to {target}" in result.output
    assert target.stat().st_mode & 0o777 == 0o600
    source, copy = make_engine(demo_url), make_engine(f"sqlite:///{target}")
    assert table_counts(copy) == table_counts(source)
    with copy.connect() as conn:
        assert audit.verify(conn) is None
    source.dispose()
    copy.dispose()
    again = csm("admin", "backup", "--db", demo_url, "--to", str(target))
    assert again.exit_code == 2 and "never overwrites" in again.output
