"""A branch server as a bank's security officer would try it: who may open whose workstation, the authorized_keys
entries, ``csm admin``'s gate, the audit log, roles in the repositories, copy and backup.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import pwd
import re
import shlex
import sqlite3
import struct
import threading
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from csm_tui.cli import main, open_workstation
from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.config import Settings
from csm_tui.domain.appraisal import (
    NewGradeDecision,
    NewMysteryCheck,
    NewTrainingRecord,
    QuarterClose,
    ScoreSnapshot,
)
from csm_tui.domain.enums import (
    AmlSign,
    AmlStatus,
    AppointmentStatus,
    Channel,
    Disposition,
    EventKind,
    LeaveKind,
    ReferralKind,
    ReferralStatus,
    Role,
    TaskKind,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import (
    NewAmlReport,
    NewClient,
    NewContactRecord,
    NewEvent,
    NewInvitation,
    NewLeave,
    NewProspect,
    NewReferral,
    NewTask,
    ProductRead,
)
from csm_tui.policy import Policy
from csm_tui.services.clients import client_detail
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.ports import AccessDenied
from csm_tui.services.workstation import Workstation, sign_in
from csm_tui.ssh_keys import AuthorizedKeys, BadKey, PublicKey, forced_command, parse_public_key
from storage import audit
from storage.copy import TargetNotEmpty, copy_branch
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import AuditRow, Base, ClientRow
from storage.ownership import owned_by_this_account
from storage.uow import SqlUnitOfWorkFactory
from tests.support import roles_branch as roles
from tests.support.clock import FROZEN_AT
from tests.support.postgres import PgServer
from tests.support.roles_branch import NOW, TODAY, Branch

KERNEL_LOGIN = pwd.getpwuid(os.geteuid()).pw_name
SSH_ENV = "127.0.0.1 50000 127.0.0.1 22"
RESIDENT_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def csm(*args: str) -> Result:
    return CliRunner().invoke(main, ["--lang", "en", *args])


def make_key(seed: int) -> PublicKey:
    kind = b"ssh-ed25519"
    blob = struct.pack(">I", len(kind)) + kind + struct.pack(">I", 32) + seed.to_bytes(32, "big")
    return parse_public_key(f"ssh-ed25519 {base64.b64encode(blob).decode()} desk{seed}@bank")


def key_file(tmp_path: Path, seed: int) -> Path:
    path = tmp_path / f"desk{seed}.pub"
    path.write_text(make_key(seed).text() + f" desk{seed}@bank\n", encoding="utf-8")
    return path


def as_login(monkeypatch: pytest.MonkeyPatch, login: str, sudo_user: str | None = None) -> None:
    """What a shell can set: LOGNAME and USER (and SUDO_USER)."""
    for var in ("LOGNAME", "USER"):
        monkeypatch.setenv(var, login)
    if sudo_user is None:
        monkeypatch.delenv("SUDO_USER", raising=False)
    else:
        monkeypatch.setenv("SUDO_USER", sudo_user)


@pytest.fixture
def real_url(demo_url: str) -> str:
    """The demo branch, no longer marked as a demo: a real branch, where ``--staff`` is not for everyone."""
    engine = make_engine(demo_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE branch_meta SET value = '0' WHERE key = 'is_demo'"))
    engine.dispose()
    return demo_url


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another account needs root")


def staff_logins(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        logins = set(conn.scalars(text("SELECT login FROM staff")))
    engine.dispose()
    return logins


# --- who opens whose workstation --------------------------------------------------------------------------------


def test_a_shell_that_is_not_staff_cannot_sign_in_as_someone_else(
    real_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert KERNEL_LOGIN not in staff_logins(real_url)
    as_login(monkeypatch, KERNEL_LOGIN)
    out = tmp_path / "tasks.csv"
    for args in (["--staff", "csm02"], []):
        result = csm(*args, "export", "tasks", "--out", str(out), "--db", real_url)
        assert result.exit_code == 2, result.output
    monkeypatch.setenv("CSM_STAFF", "csm02")
    assert csm("export", "tasks", "--out", str(out), "--db", real_url).exit_code == 2
    assert not out.exists()


def test_the_os_login_comes_from_the_kernel_not_from_logname(
    real_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "tasks.csv"
    as_login(monkeypatch, "csm01")
    as_csm01 = csm("export", "tasks", "--out", str(out), "--db", real_url)
    as_login(monkeypatch, "admin")
    as_csm02 = csm("--staff", "csm02", "export", "tasks", "--out", str(out), "--db", real_url)
    assert (as_csm01.exit_code, as_csm02.exit_code) == (2, 2)
    assert not out.exists()


def test_csm_admin_is_refused_to_an_account_that_only_claims_an_admins_login(
    real_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_root()
    os.chown(real_url.removeprefix("sqlite:///"), 65534, 65534)  # the service account's file, readable by root
    as_login(monkeypatch, "admin")
    assert csm("admin", "audit", "verify", "--db", real_url).exit_code == 2


def test_sudo_user_is_ignored_unless_running_as_the_databases_owner(
    real_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_root()
    as_login(monkeypatch, KERNEL_LOGIN, sudo_user="admin")
    assert csm("admin", "audit", "verify", "--db", real_url).exit_code == 0  # we own it: sudo -u <owner>
    os.chown(real_url.removeprefix("sqlite:///"), 65534, 65534)
    refused = csm("admin", "audit", "verify", "--db", real_url)
    assert refused.exit_code == 2 and "Only a branch admin" in refused.output


def test_the_service_accounts_nightly_crontab_runs(
    real_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(real_url)
    assert owned_by_this_account(engine)
    engine.dispose()
    as_login(monkeypatch, KERNEL_LOGIN)  # cron sets LOGNAME to the account
    verify = csm("admin", "audit", "verify", "--db", real_url)
    backup = csm("admin", "backup", "--db", real_url, "--to", str(tmp_path / "nightly.db"))
    assert (verify.exit_code, backup.exit_code) == (0, 0), verify.output + backup.output


def test_ssh_session_from_a_shell_with_ssh_connection_faked_reaches_nothing(
    real_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manager's shell fakes SSH_CONNECTION and names the branch's file, or a symlink or hard link to it."""
    need_root()
    path = Path(real_url.removeprefix("sqlite:///"))
    os.chown(path, 65534, 65534)
    monkeypatch.setenv("SSH_CONNECTION", SSH_ENV)
    link = path.with_name("mine.db")
    link.symlink_to(path)
    hard = path.with_name("hard.db")
    os.link(path, hard)
    for target in (path, link, hard):
        result = csm("ssh-session", "--staff", "csm02", "--db", f"sqlite:///{target}")
        assert result.exit_code == 2 and "service account that owns the database" in result.output, target


def test_a_postgresql_role_named_after_the_account_that_owns_nothing_is_not_the_owner(pg_server: PgServer) -> None:
    name = pg_server.create_database()
    engine = make_engine(pg_server.url(name))
    created = False
    try:
        upgrade(engine)
        with engine.begin() as conn:
            created = not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": KERNEL_LOGIN})
            if created:  # the role is the cluster's: tests/app/test_admin.py creates it too
                conn.execute(text(f'CREATE ROLE "{KERNEL_LOGIN}" LOGIN'))
        reader = make_engine(f"postgresql+psycopg://{KERNEL_LOGIN}@{pg_server.host}:{pg_server.port}/{name}")
        with reader.connect() as conn:
            assert conn.scalar(text("SELECT has_table_privilege('audit_events', 'INSERT')")) is False
        try:
            assert not owned_by_this_account(reader)
        finally:
            reader.dispose()
    finally:
        engine.dispose()
        pg_server.drop_database(name)
        if created:
            import psycopg

            with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP ROLE "{KERNEL_LOGIN}"')


def test_an_export_over_ssh_cannot_overwrite_the_servers_files(demo_url: str, tmp_path: Path) -> None:
    db = Path(demo_url.removeprefix("sqlite:///"))
    keys = tmp_path / ".ssh" / "authorized_keys"
    keys.parent.mkdir()
    keys.write_text('restrict,pty,command="csm ssh-session --staff csm02 --db x" ' + make_key(2).text() + "\n")
    engine = make_engine(demo_url)
    ws = open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "csm01", via_ssh=True)
    for target in (keys, db):
        before = target.read_bytes()
        with contextlib.suppress(DomainError):
            export_list(ws, ExportKind.TASKS, target)
        assert target.read_bytes() == before, target
    engine.dispose()


def test_mouse_reporting_defaults_off_over_ssh() -> None:
    assert Settings().mouse_on({}) is True
    assert Settings().mouse_on({"SSH_CONNECTION": SSH_ENV}) is False
    assert Settings().mouse_on({"SSH_TTY": "/dev/pts/3"}) is False
    assert Settings(mouse=True).mouse_on({"SSH_CONNECTION": SSH_ENV}) is True
    assert Settings(mouse=False).mouse_on({}) is False


# --- authorized_keys --------------------------------------------------------------------------------------------


def test_the_forced_command_quotes_paths_and_refuses_what_it_cannot_quote(tmp_path: Path) -> None:
    url = "sqlite:////srv/csm data/$(touch pwned);x.db"
    command = forced_command("/opt/csm venv/bin/csm", "csm01", url)
    assert shlex.split(command) == ["/opt/csm venv/bin/csm", "ssh-session", "--staff", "csm01", "--db", url]
    for bad in ('/srv/a"b.db', "/srv/a\\b.db", "/srv/a\nb.db"):
        with pytest.raises(ValueError):
            forced_command("/usr/bin/csm", "csm01", f"sqlite:///{bad}")
    keys = AuthorizedKeys(tmp_path / ".ssh" / "authorized_keys")
    keys.add("csm01", make_key(1), command)
    [line] = keys.path.read_text().splitlines()
    assert line.startswith('restrict,pty,command="') and line.endswith(" csm:csm01")
    [entry] = keys.entries()
    assert (entry.login, entry.key, entry.command) == ("csm01", make_key(1), command)


def test_add_from_the_cli_writes_a_private_file_and_remove_takes_only_the_named_key(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, "admin")
    keys = tmp_path / "authorized_keys"
    keys.write_text("# the admin's own notes\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH9 other@host\n")
    keys.chmod(0o644)
    for seed, login in ((1, "csm01"), (2, "csm01"), (3, "csm02")):
        args = ("--staff", login, "--key", str(key_file(tmp_path, seed)), "--db", demo_url, "--file", str(keys))
        assert csm("admin", "ssh-key", "add", *args).exit_code == 0
    assert keys.stat().st_mode & 0o777 == 0o600
    again = csm("admin", "ssh-key", "add", "--staff", "csm02", "--key", str(key_file(tmp_path, 1)), "--db", demo_url,
                "--file", str(keys))  # fmt: skip
    assert again.exit_code == 2 and "csm01" in again.output
    removed = csm("admin", "ssh-key", "remove", "--staff", "csm01", "--fingerprint", make_key(2).fingerprint,
                  "--db", demo_url, "--file", str(keys))  # fmt: skip
    assert removed.exit_code == 0, removed.output
    listed = csm("admin", "ssh-key", "list", "--db", demo_url, "--file", str(keys)).output.splitlines()
    assert listed == [
        f"csm01\tssh-ed25519\t{make_key(1).fingerprint}",
        f"csm02\tssh-ed25519\t{make_key(3).fingerprint}",
    ]
    lines = keys.read_text().splitlines()
    assert lines[:2] == ["# the admin's own notes", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH9 other@host"]
    wrong = csm("admin", "ssh-key", "remove", "--staff", "csm02", "--fingerprint", make_key(1).fingerprint,
                "--db", demo_url, "--file", str(keys))  # fmt: skip
    assert wrong.exit_code == 2 and len(keys.read_text().splitlines()) == 4


@pytest.mark.parametrize(
    "text_",
    [
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        'restrict,command="sh" ' + make_key(1).text(),
        "ssh-rsa " + make_key(1).text().split()[1],  # the blob says ed25519
        make_key(1).text() + "\n" + make_key(2).text(),
    ],
)
def test_what_is_not_one_plain_public_key_is_refused(text_: str) -> None:
    with pytest.raises(BadKey):
        parse_public_key(text_)


def test_a_keys_file_with_a_latin1_comment_is_no_traceback(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, "admin")
    keys = tmp_path / "authorized_keys"
    keys.write_bytes(b"# cl\xe9 de Ren\xe9\n")
    result = csm("admin", "ssh-key", "add", "--staff", "csm01", "--key", str(key_file(tmp_path, 1)),
                 "--db", demo_url, "--file", str(keys))  # fmt: skip
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert keys.read_bytes().startswith(b"# cl\xe9 de Ren\xe9\n")


def test_a_postgresql_password_never_reaches_the_forced_command(
    demo_url: str, pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = pg_server.create_database()
    url = f"postgresql+psycopg://{pg_server.user}:s3cret-pw@{pg_server.host}:{pg_server.port}/{name}"  # trust auth
    source, target = make_engine(demo_url), make_engine(url)
    try:
        upgrade(target)
        copy_branch(source, target)
        as_login(monkeypatch, "admin")
        keys = tmp_path / "authorized_keys"
        added = csm("admin", "ssh-key", "add", "--staff", "csm01", "--key", str(key_file(tmp_path, 1)),
                    "--db", url, "--file", str(keys))  # fmt: skip
        assert "s3cret-pw" not in (keys.read_text() if keys.exists() else ""), added.output
    finally:
        source.dispose()
        target.dispose()
        pg_server.drop_database(name)


def _add_one(path: str, seed: int) -> None:
    AuthorizedKeys(Path(path)).add(f"s{seed}", make_key(seed), f"/usr/bin/csm ssh-session --staff s{seed} --db x")


def test_keys_added_at_once_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "authorized_keys"
    with ProcessPoolExecutor(6) as pool:
        list(pool.map(_add_one, [str(path)] * 60, range(60)))
    assert len(AuthorizedKeys(path).entries()) == 60


# --- the audit log ----------------------------------------------------------------------------------------------


def test_the_audit_table_refuses_update_delete_and_truncate(engine: Engine, clock: FrozenClock) -> None:
    with engine.begin() as conn:
        audit.append(conn, clock.now().datetime, None, [("test", "", "", {"n": 1}), ("test", "", "", {"n": 2})])
    statements = ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_events")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert audit.count(conn) == 2 and audit.verify(conn) is None


def _drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_verify_names_the_first_broken_link_however_the_middle_is_tampered(engine: Engine, clock: FrozenClock) -> None:
    with engine.begin() as conn:
        for n in range(6):
            audit.append(conn, clock.now().datetime, None, [("reveal", "clients", str(n), {"reason": f"r{n}"})])
        ids = conn.scalars(select(AuditRow.id).order_by(AuditRow.id)).all()
        _drop_triggers(conn)
    with engine.begin() as conn:  # change one entry's detail: that entry is broken
        conn.execute(text("UPDATE audit_events SET entity_id = '99' WHERE id = :i"), {"i": ids[2]})
        assert audit.verify(conn) == ids[2]
        row = conn.execute(select(AuditRow).where(AuditRow.id == ids[2])).mappings().one()
        rehashed = audit.entry_hash(
            row["prev_hash"],
            row["at"],
            row["staff_id"],
            row["action"],
            row["entity"],
            "99",
            row["detail"],
            audit.load_key(),
        )  # and re-hash it, even with the key: the next one's link breaks
        conn.execute(text("UPDATE audit_events SET hash = :h WHERE id = :i"), {"h": rehashed, "i": ids[2]})
        assert audit.verify(conn) == ids[3]
        conn.rollback()
    with engine.begin() as conn:  # an entry taken out of the middle
        conn.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": ids[1]})
        assert audit.verify(conn) == ids[2]
        conn.rollback()


def _workstation(b: Branch, who: str, clock: FrozenClock) -> Workstation:
    staff, policy = b.staff[who], Policy()
    return sign_in(b.system.acting_as(staff), staff, BranchTime(clock, policy.calendar.tz), policy, False, via="ssh")


def _audit_text(b: Branch) -> str:
    with b.system() as tx:
        return "\n".join(
            json.dumps([e.action, e.entity, e.entity_id, e.detail], ensure_ascii=False) for e in tx.audit.recent(10_000)
        )


def test_a_days_work_is_audited_without_full_id_or_phone_numbers(
    branch: Branch, clock: FrozenClock, tmp_path: Path
) -> None:
    ws = _workstation(branch, "csm_b", clock)
    w = branch.clients["w"]
    assert client_detail.reveal(ws, w, "客户临柜核实身份") == (roles.IDS["w"], "13800138000")
    with ws.uow(write=True) as tx:
        tx.clients.update(w, 1, mobile="13912345678", address="上海市浦东新区")
        tx.clients.set_flags(w, sms_opt_out=True)
        tx.contacts.add(roles.contact(w, branch.sid("csm_b")))
        tx.commit()
    assert export_list(ws, ExportKind.TASKS, tmp_path / "tasks.csv") >= 1
    with branch.system() as tx:
        actions = {(e.action, e.staff_id, json.dumps(e.detail, ensure_ascii=False)) for e in tx.audit.recent(10_000)}
    me = branch.sid("csm_b")
    assert any(a == "signin" and s == me and '"via": "ssh"' in d for a, s, d in actions)
    assert any(a == "reveal" and s == me for a, s, d in actions)
    assert any(a == "export" and s == me for a, s, d in actions)
    assert any(a == "update" and s == me and "mobile" in d for a, s, d in actions)
    logged = _audit_text(branch)
    assert not RESIDENT_ID.findall(logged) and not MOBILE.findall(logged), logged
    with branch.system() as tx:
        assert audit.verify(tx.session.connection()) is None


def test_a_reveal_reason_holding_a_phone_number_is_logged_masked(branch: Branch, clock: FrozenClock) -> None:
    ws = _workstation(branch, "csm_b", clock)
    client_detail.reveal(ws, branch.clients["w"], "客户来电13800138000要求核对身份证110105196001010017")
    logged = _audit_text(branch)
    assert not RESIDENT_ID.findall(logged) and not MOBILE.findall(logged)


def test_a_changed_branch_policy_is_in_the_audit_log(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, KERNEL_LOGIN)
    out = tmp_path / "tasks.csv"
    assert csm("--staff", "csm01", "export", "tasks", "--out", str(out), "--db", demo_url).exit_code == 0
    (tmp_path / "policy.toml").write_text("[calls]\ndaily_target = 3\n", encoding="utf-8")
    (tmp_path / "config.toml").write_text('policy_file = "policy.toml"\n', encoding="utf-8")
    monkeypatch.setenv("CSM_CONFIG", str(tmp_path / "config.toml"))
    out.unlink()
    changed = csm("--staff", "csm01", "export", "tasks", "--out", str(out), "--db", demo_url)
    assert changed.exit_code == 0, changed.output
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        actions = set(conn.scalars(select(AuditRow.action)))
    engine.dispose()
    assert {"signin", "export"} <= actions
    assert any("policy" in action for action in actions), actions


# --- roles in the repositories ------------------------------------------------------------------------------------


def test_more_repository_methods_are_scoped_by_role(branch: Branch) -> None:
    a = branch.clients["a"]
    with branch.uow("admin") as tx:
        appointment = tx.appointments.for_client(a, NOW)[0].id or 0
        number = tx.clients.get(a).number
    for who in ("csm_b", "sup2", "wm", "lobby", "teller"):
        with branch.uow(who, write=True) as tx:
            for attempt in (
                lambda: tx.clients.by_number(number),
                lambda: tx.balances.average(a, TODAY, TODAY),
                lambda: tx.tasks.open_calls(a, branch.sid("csm_a"), TODAY, [TaskKind.CALLBACK]),
                lambda: tx.tasks.reopen(branch.tasks["a"]),
                lambda: tx.tasks.reschedule(branch.tasks["a"], TODAY, None),
                lambda: tx.appointments.change(appointment, status=AppointmentStatus.CANCELLED),
                lambda: tx.appointments.get(appointment),
                lambda: tx.holdings.for_client(a),
                lambda: tx.checklists.marks(branch.sid("csm_a"), TODAY),
                lambda: tx.product_reads.record(
                    branch.sid("csm_a"), [ProductRead(product_id=branch.product, fingerprint="x", read_at=NOW)]
                ),
            ):
                with pytest.raises(AccessDenied):
                    attempt()
    with branch.uow("sup1", write=True) as tx:  # csm_a is in sup1's team
        assert tx.balances.average(a, TODAY, TODAY) == Decimal(1000)
        tx.appointments.change(appointment, status=AppointmentStatus.CONFIRMED)
        assert tx.checklists.marks(branch.sid("csm_a"), TODAY) == []


@pytest.mark.parametrize("who", ["lobby", "teller", "csm_b"])
def test_another_managers_lists_are_not_readable_through_views_or_appointments(branch: Branch, who: str) -> None:
    csm_a = branch.sid("csm_a")
    with branch.uow(who) as tx:
        for attempt in (
            lambda: tx.views.task_export(csm_a, open_only=False),
            lambda: tx.appointments.between(csm_a, NOW, NOW + dt.timedelta(days=7)),
        ):
            with pytest.raises(AccessDenied):
                attempt()


def test_a_referral_is_closed_only_by_the_manager_it_went_to(branch: Branch) -> None:
    with branch.uow("admin") as tx:
        [to_wm] = tx.referrals.open_to(branch.sid("wm"))
    for who in ("csm_a", "csm_b", "sup2", "lobby"):
        with branch.uow(who, write=True) as tx, pytest.raises(AccessDenied):
            tx.referrals.close(to_wm.id or 0, ReferralStatus.ACCEPTED, "", NOW)


def test_a_wealth_manager_cannot_refer_a_client_to_themselves(branch: Branch) -> None:
    wm, a = branch.sid("wm"), branch.clients["a"]
    with branch.uow("wm", write=True) as tx:
        try:
            tx.referrals.add(NewReferral(client_id=a, kind=ReferralKind.WODE, from_staff_id=wm, to_staff_id=wm,
                                      created_at=NOW))  # fmt: skip
            tx.commit()
        except AccessDenied:
            pass
    with branch.uow("wm") as tx, pytest.raises(AccessDenied):
        tx.clients.get(a)


@pytest.mark.parametrize("who", ["lobby", "teller"])
def test_lobby_and_tellers_cannot_make_themselves_a_clients_manager(branch: Branch, who: str) -> None:
    with branch.uow("admin", write=True) as tx:
        walk_in = tx.clients.add(NewClient(number="C77", name="散客", resident_id="110105197001010054")).id or 0
        tx.commit()
    with branch.uow(who, write=True) as tx:
        try:
            tx.clients.assign(walk_in, branch.sid(who))
            tx.commit()
        except AccessDenied:
            pass
    with branch.uow(who) as tx, pytest.raises(AccessDenied):
        tx.clients.get(walk_in)


# --- copy and backup ------------------------------------------------------------------------------------------------


def _fill_every_table(url: str) -> None:
    """The demo branch plus checklist days, marks and product reads (the demo builder leaves some empty)."""
    engine = make_engine(url)
    system = SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))
    with system() as tx:
        csm01 = tx.staff.by_login("csm01")
        product = tx.products.on_sale(TODAY)[0].id or 0
    assert csm01 is not None
    with system.acting_as(csm01)(write=True) as tx:
        tx.checklists.set_mark(csm01.id or 0, TODAY, "morning", NOW, ticked=True, note="晨会")
        tx.product_reads.record(csm01.id or 0, [ProductRead(product_id=product, fingerprint="f", read_at=NOW)])
        answered = tx.views.clients(csm01.id or 0, "", 1)[0].id
        tasks = [
            tx.tasks.add(
                NewTask(
                    client_id=answered, staff_id=csm01.id or 0, kind=TaskKind.SERVICE_CALLBACK, due_on=TODAY,
                    created_at=NOW,
                )
            ).id
            for _ in range(2)
        ]  # fmt: skip
        done = tx.contacts.add(  # one 回访 done answering two purchases' 回访
            NewContactRecord(
                client_id=answered, staff_id=csm01.id or 0, channel=Channel.PHONE, started_at=NOW,
                disposition=Disposition.SERVICE_DONE, satisfaction=5, task_id=tasks[0],
            )
        )  # fmt: skip
        tx.contacts.also_answers(done.id, tasks[1:])
        tx.commit()
    with system(write=True) as tx:  # the appraisal's records (issue 7), which the demo leaves empty
        sup = tx.staff.by_login("sup01")
        assert sup is not None and sup.id is not None and csm01.id is not None
        tx.scores.add_mystery_check(
            NewMysteryCheck(staff_id=csm01.id, checked_by=sup.id, year=2026, quarter=4, checked_on=TODAY, score=90)
        )
        tx.scores.add_training(
            NewTrainingRecord(staff_id=csm01.id, day=TODAY, minutes=90, topic="反洗钱", recorded_by=sup.id)
        )
        tx.scores.decide_grade(
            NewGradeDecision(staff_id=csm01.id, year=2026, reason="违规", decided_by=sup.id, decided_at=NOW)
        )
        tx.scores.close(
            QuarterClose(year=2026, quarter=3, closed_at=NOW, closed_by=sup.id),
            [ScoreSnapshot(year=2026, quarter=3, staff_id=csm01.id, lines=[])],
        )
        tx.scores.keep_averages(dt.date(2026, 9, 30), dt.date(2026, 7, 2))
        tx.leave.add(
            NewLeave(
                staff_id=csm01.id, kind=LeaveKind.SICK, first_day=TODAY, last_day=TODAY, starts_at=NOW,
                ends_at=NOW + dt.timedelta(days=1), recorded_by=sup.id, recorded_at=NOW,
            )
        )  # fmt: skip
        own = tx.views.clients(csm01.id, "", 1)[0]
        report = tx.aml.add(  # a suspicion report (AML), decided: the copy keeps it whole, triggers and all
            NewAmlReport(
                client_id=own.id, staff_id=csm01.id, outlet_id=csm01.outlet_id or 0, signs=(AmlSign.LARGE_CASH,),
                text="分次存入现金", filed_at=NOW,
            )
        )  # fmt: skip
        tx.commit()
    reviewer = system.acting_as(sup)  # the outlet's supervisor decides it (the system has no name to decide in)
    with reviewer(write=True) as tx:
        tx.aml.decide(report.id, Role.SUPERVISOR, AmlStatus.REPORTED, "已上报", NOW)
        client = tx.views.clients(csm01.id, "", 1)[0].id  # a marketing event, its invitation and a prospect (#21)
        event = tx.events.add(
            NewEvent(
                kind=EventKind.SALON, title="理财沙龙", starts_at=NOW + dt.timedelta(days=5), place="贵宾室",
                capacity=20, product_ids=(product,), created_by=csm01.id, created_at=NOW,
            )
        )  # fmt: skip
        tx.events.invite(NewInvitation(event_id=event.id, client_id=client, staff_id=csm01.id, created_at=NOW))
        tx.prospects.add(
            NewProspect(name="钱七", mobile="13912345678", consent=True, manager_id=csm01.id, event_id=event.id,
                        created_at=NOW)
        )  # fmt: skip
        tx.commit()
    with engine.connect() as conn:
        empty = [t.name for t in Base.metadata.sorted_tables if not conn.scalar(select(func.count()).select_from(t))]
    engine.dispose()
    assert empty == [], empty


def test_copy_takes_every_table_and_every_sequence_continues(
    demo_url: str, pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill_every_table(demo_url)
    as_login(monkeypatch, "admin")
    name = pg_server.create_database()
    target_url = pg_server.url(name)
    try:
        result = csm("admin", "copy", "--from", demo_url, "--to", target_url)
        assert result.exit_code == 0, result.output
        source, target = make_engine(demo_url), make_engine(target_url)
        with source.connect() as src, target.begin() as dst:
            for table in Base.metadata.sorted_tables:
                count = select(func.count()).select_from(table)
                assert src.scalar(count) == dst.scalar(count), table.name
                assert f"{table.name}\t{src.scalar(count)}" in result.output
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and pk[0].type.python_type is int:
                    top = dst.scalar(select(func.max(pk[0]))) or 0
                    following = dst.scalar(text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id'))"))
                    assert following > top, table.name
            assert audit.verify(dst) is None
        # the app writes to the copy: a manager's contact, audited, chain still whole
        system = SqlUnitOfWorkFactory(target, FrozenClock(FROZEN_AT))
        with system() as tx:
            csm01 = tx.staff.by_login("csm01")
            assert csm01 is not None
            own = tx.views.clients(csm01.id or 0, "", 1)[0].id
        with system.acting_as(csm01)(write=True) as tx:
            tx.contacts.add(
                NewContactRecord(client_id=own, staff_id=csm01.id or 0, channel=Channel.PHONE, started_at=NOW,
                              disposition=Disposition.NO_ANSWER)
            )  # fmt: skip
            tx.commit()
        with target.connect() as conn:
            assert audit.verify(conn) is None
        source.dispose()
        target.dispose()
    finally:
        pg_server.drop_database(name)


def test_copy_refuses_a_target_that_holds_anything(sqlite_url: str, tmp_path: Path, demo_url: str) -> None:
    source, target = make_engine(demo_url), make_engine(sqlite_url)
    upgrade(target)
    with target.begin() as conn:
        audit.append(conn, NOW, None, [("note", "", "", {})])
    with pytest.raises(TargetNotEmpty):
        copy_branch(source, target)
    with target.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ClientRow)) == 0
    source.dispose()
    target.dispose()


def test_backup_while_a_manager_writes_is_consistent_and_private(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, "admin")
    engine = make_engine(demo_url)
    system = SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))
    with system() as tx:
        csm01 = tx.staff.by_login("csm01")
        assert csm01 is not None
        own = [r.id for r in tx.views.clients(csm01.id or 0, "", 20)]
    stop = threading.Event()
    written = 0

    def write() -> None:
        nonlocal written
        while not stop.is_set():
            with system.acting_as(csm01)(write=True) as tx:
                tx.contacts.add(
                    NewContactRecord(client_id=own[written % len(own)], staff_id=csm01.id or 0, channel=Channel.PHONE,
                                  started_at=NOW, disposition=Disposition.BUSY)
                )  # fmt: skip
                tx.commit()
            written += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written < 5:
            stop.wait(0.01)
        target = tmp_path / "backup.db"
        result = csm("admin", "backup", "--db", demo_url, "--to", str(target))
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        contacts, audited = copy.execute(
            "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM audit_events WHERE entity = 'contacts')"
        ).fetchone()
    assert audited > 0
    backup = make_engine(f"sqlite:///{target}")
    with backup.connect() as conn:
        assert audit.verify(conn) is None
    backup.dispose()
    engine.dispose()
    assert contacts > 0 and written >= 5
