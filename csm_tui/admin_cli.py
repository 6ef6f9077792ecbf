"""``csm admin``: the branch admin's commands — SSH keys, the audit chain, moving a branch to another database.

Who may run them (the account is the kernel's, never $LOGNAME/$USER, which any shell sets):

- the service account that owns the database, run by itself (its crontab: nightly ``backup`` and ``audit verify``):
  it can read and change the database file anyway, and the authorized_keys file is its own; it acts as the system;
- a staff admin through ``sudo -u <service account>``: ``SUDO_USER`` names them (honoured only when the account
  owns the database; nobody but root and sudoers can run anything as the service account, which has no shell);
- a staff admin whose own OS account is their staff login (e.g. on PostgreSQL with their own role).

Anyone else is refused, a sudoer who is not a staff admin included.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import zoneinfo
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from csm_tui.cli_support import (
    SharedGroup,
    database_url,
    fail,
    file_refusal,
    open_database,
    open_existing_database,
)
from csm_tui.clock import BranchTime, SystemClock
from csm_tui.config import Settings
from csm_tui.domain.enums import Role
from csm_tui.i18n import t
from csm_tui.policy import PolicyError, load_policy
from csm_tui.services.events import prospects
from csm_tui.services.workstation import UnknownStaff, find_staff
from csm_tui.ssh_keys import AuthorizedKeys, BadKey, KeyExists, default_file, forced_command, parse_public_key
from storage import audit, score_tallies
from storage.copy import CopyRefused, CountMismatch, TargetNotEmpty, backup_sqlite, copy_branch
from storage.engine import UnusableDatabase, normalise_url, sqlite_path
from storage.ownership import account_name, owned_by_this_account
from storage.uow import SqlUnitOfWorkFactory

EXIT_BROKEN = 1

db_option = click.option(
    "--db", "db_url", metavar="URL", help="Database URL (default: SQLite in the user data directory)."
)


def _forced_url(url: str) -> str:
    """The URL for a forced command: a SQLite path made absolute (the command runs in the service account's
    home). A URL holding a password is refused: the command line sits in authorized_keys and in every local
    user's ``ps``; the password belongs in the service account's ~/.pgpass (or use peer authentication)."""
    try:
        parsed = normalise_url(url)
    except UnusableDatabase as exc:
        fail(t(f"database.{exc.reason}", target=exc.target))
    if parsed.password is not None:
        fail(t("server_security.password_in_url"))
    path = sqlite_path(parsed)
    if path is not None:
        parsed = parsed.set(database=str(path.resolve()))
    return parsed.render_as_string()


def _admin(url: str) -> tuple[Engine, SqlUnitOfWorkFactory]:
    """The branch's database and who acts on it (the service account acts as the system); anyone else is
    refused."""
    engine = open_existing_database(url)
    system = SqlUnitOfWorkFactory(engine, SystemClock())
    owner = owned_by_this_account(engine)
    sudo_user = os.environ.get("SUDO_USER") if owner else None
    if owner and not sudo_user:
        return engine, system
    try:
        staff = find_staff(system, sudo_user or account_name())
    except UnknownStaff:
        staff = None
    if staff is None or staff.role is not Role.ADMIN:
        fail(t("admin.not_admin"))
    return engine, system.acting_as(staff)


@click.group(cls=SharedGroup)
def admin() -> None:
    """Branch administration (admins only)."""


@admin.group("ssh-key")
def ssh_key() -> None:
    """Staff members' SSH keys: each opens the workstation as its staff member and nothing else."""


def _keys_file(settings: Settings, path: Path | None) -> AuthorizedKeys:
    return AuthorizedKeys(path or settings.authorized_keys or default_file())


def _this_csm() -> str:
    """The ``csm`` program of this installation, for the forced command."""
    beside = Path(sys.executable).with_name("csm")
    found = str(beside) if beside.exists() else shutil.which("csm")
    return str(Path(found).resolve()) if found else "csm"


keys_file_option = click.option(
    "--file", "keys_path", type=click.Path(path_type=Path), help="authorized_keys file (default: ~/.ssh/...)."
)


@ssh_key.command("add")
@click.option("--staff", "login", required=True, metavar="LOGIN")
@click.option("--key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@keys_file_option
@click.option("--csm", "program", metavar="PATH", help="The csm program the key runs (default: this one).")
@click.pass_obj
def ssh_key_add(
    settings: Settings, login: str, key_file: Path, db_url: str | None, keys_path: Path | None, program: str | None
) -> None:
    """Let the key in FILE open the workstation as LOGIN."""
    url = _forced_url(database_url(db_url, settings))
    _engine, uow = _admin(url)
    try:
        staff = find_staff(uow, login)
    except UnknownStaff:
        fail(t("cli.unknown_staff", login=login))
    try:
        key = parse_public_key(key_file.read_text(encoding="utf-8", errors="replace"))
        command = forced_command(program or _this_csm(), staff.login, url)
    except (BadKey, ValueError) as exc:
        fail(t("admin.bad_key", path=key_file, reason=str(exc)))
    keys = _keys_file(settings, keys_path)
    try:
        keys.add(staff.login, key, command)
    except KeyExists as exc:
        fail(t("admin.key_exists", login=exc.login or "?"))
    with uow(write=True) as tx:
        tx.audit.record(
            "ssh_key_add",
            "staff",
            str(staff.id),
            login=staff.login,
            fingerprint=key.fingerprint,
            account=account_name(),
        )
        tx.commit()
    click.echo(t("admin.key_added", login=staff.login, fingerprint=key.fingerprint, path=keys.path))


@ssh_key.command("list")
@db_option
@keys_file_option
@click.pass_obj
def ssh_key_list(settings: Settings, db_url: str | None, keys_path: Path | None) -> None:
    """The staff keys in the authorized_keys file: login, key type and fingerprint."""
    _admin(database_url(db_url, settings))
    for entry in _keys_file(settings, keys_path).entries():
        click.echo(f"{entry.login}\t{entry.key.kind}\t{entry.key.fingerprint}")


@ssh_key.command("remove")
@click.option("--staff", "login", required=True, metavar="LOGIN")
@click.option("--fingerprint", metavar="SHA256:...", help="Only this key (default: all the staff member's keys).")
@db_option
@keys_file_option
@click.pass_obj
def ssh_key_remove(
    settings: Settings, login: str, fingerprint: str | None, db_url: str | None, keys_path: Path | None
) -> None:
    """Take LOGIN's keys (or one of them) out of the authorized_keys file."""
    _engine, uow = _admin(database_url(db_url, settings))
    removed = _keys_file(settings, keys_path).remove(login, fingerprint)
    if not removed:
        fail(t("admin.no_key", login=login))
    with uow(write=True) as tx:
        for entry in removed:
            tx.audit.record(
                "ssh_key_remove", "staff", "", login=login, fingerprint=entry.key.fingerprint, account=account_name()
            )
        tx.commit()
    click.echo(t("admin.key_removed", login=login, count=len(removed)))


@admin.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@db_option
@click.option(
    "--key", "key_file", type=click.Path(dir_okay=False, path_type=Path),
    help="The audit key file (default: audit.key beside the settings).",
)  # fmt: skip
@click.option(
    "--checkpoint", "checkpoint_file", type=click.Path(dir_okay=False, path_type=Path),
    help="The checkpoint file (default: audit-checkpoints.json beside the settings).",
)  # fmt: skip
@click.pass_obj
def audit_verify(settings: Settings, db_url: str | None, key_file: Path | None, checkpoint_file: Path | None) -> None:
    """Check every link and signature of the audit chain, and that it still holds what the last verification found
    (its count and head hash, the checkpoint kept beside the key); exit 1 naming what broke, 2 when it cannot be
    read. Prints the checkpoint for the nightly cron mail."""
    engine, _uow = _admin(database_url(db_url, settings))
    key_path = key_file or audit.key_path()
    checkpoints = checkpoint_file or audit.checkpoint_path()
    database = audit.database_name(engine)
    try:
        key = audit.load_key(key_path)
        since = audit.last_checkpoint(database, checkpoints)
        with engine.connect() as conn:
            verdict = audit.check(conn, key, since)
            unguarded = audit.missing_guards(conn)
    except audit.AuditFileError as exc:
        fail(t("admin.audit_file_unusable", path=exc.path, reason=exc.reason))
    except SQLAlchemyError as exc:
        fail(t("admin.audit_unreadable", reason=type(exc).__name__))
    if not verdict.holds:
        fail(_broken(verdict, since, key_path), EXIT_BROKEN)
    if unguarded:
        fail(t("admin.audit_unguarded", triggers=", ".join(unguarded)), EXIT_BROKEN)
    try:
        audit.record_checkpoint(database, verdict.checkpoint, checkpoints)
    except audit.AuditFileError as exc:
        fail(t("admin.audit_file_unusable", path=exc.path, reason=exc.reason))
    click.echo(t("admin.audit_intact", count=verdict.count, head=verdict.head))
    if key is not None and verdict.signed:
        click.echo(t("admin.audit_signed", signed=verdict.signed, key_id=key.key_id, path=key_path))
    if verdict.unchecked:
        message = "admin.audit_no_key" if key is None else "admin.audit_other_keys"
        click.echo(t(message, unchecked=verdict.unchecked, path=key_path))
    if verdict.unsigned:
        click.echo(t("admin.audit_unsigned_before_key", unsigned=verdict.unsigned))
    if since is None:
        click.echo(t("admin.audit_first_checkpoint"))
    click.echo(
        t("admin.audit_checkpoint", count=verdict.count, last_id=verdict.last_id, head=verdict.head, path=checkpoints)
    )


def _broken(verdict: audit.Verdict, since: audit.Checkpoint | None, key_path: Path) -> str:
    """What broke, in words."""
    problem = verdict.problem
    if problem is audit.Problem.UNSIGNED:
        return t("admin.audit_unsigned", id=verdict.broken)
    if problem is audit.Problem.OTHER_KEY:
        return t("admin.audit_other_key", id=verdict.broken, path=key_path)
    if since is not None and problem in (audit.Problem.CUT, audit.Problem.REWRITTEN):
        key = "admin.audit_cut" if problem is audit.Problem.CUT else "admin.audit_rewritten"
        return t(key, expected=since.count, last_id=since.last_id, head=since.head, count=verdict.count)
    return t("admin.audit_broken", id=verdict.broken)


@admin.command("copy")
@click.option("--from", "source_url", required=True, metavar="URL", help="The branch's database now.")
@click.option("--to", "target_url", required=True, metavar="URL", help="An empty database to move it to.")
def admin_copy(source_url: str, target_url: str) -> None:
    """Copy a whole branch into an empty database (e.g. SQLite to PostgreSQL), checking every table's count."""
    source, _uow = _admin(source_url)
    target = open_database(target_url)
    try:
        copied = copy_branch(source, target)
    except TargetNotEmpty as exc:
        fail(t("admin.target_not_empty", table=exc.table))
    except CountMismatch as exc:
        fail(t("admin.count_mismatch", table=exc.table, source=exc.source, target=exc.target))
    except CopyRefused as exc:
        fail(t("admin.copy_refused", table=exc.table, reason=exc.reason))
    except SQLAlchemyError as exc:
        fail(t("admin.copy_failed", reason=type(exc).__name__))
    for item in copied:
        click.echo(f"{item.table}\t{item.rows}")
    with target.connect() as conn:
        broken = audit.verify(conn)
    if broken is not None:
        fail(t("admin.audit_broken", id=broken), EXIT_BROKEN)
    click.echo(t("admin.copied", tables=len(copied), rows=sum(c.rows for c in copied)))


@admin.group("prospects")
def prospects_group() -> None:
    """Prospects (people met or introduced who are not clients yet)."""


@prospects_group.command("purge")
@db_option
@click.pass_obj
def prospects_purge(settings: Settings, db_url: str | None) -> None:
    """Delete the prospects never converted to clients after the policy's retention (PIPL); audited by count."""
    _engine, uow = _admin(database_url(db_url, settings))
    try:
        policy = load_policy(settings.policy_file)
    except PolicyError as exc:
        fail(file_refusal("policy", exc.path, exc.key, exc.reason))
    count = prospects.purge(uow, BranchTime(uow.clock, policy.calendar.tz), policy)
    click.echo(t("admin.prospects_purged", count=count))


@admin.command("backup")
@db_option
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False, path_type=Path), help="New file.")
@click.pass_obj
def admin_backup(settings: Settings, db_url: str | None, target: Path) -> None:
    """A consistent copy of a SQLite branch while it is in use (PostgreSQL: use pg_dump). The copy is private."""
    engine, _uow = _admin(database_url(db_url, settings))
    if sqlite_path(engine.url) is None:
        fail(t("admin.backup_sqlite_only"))
    if target.exists():
        fail(t("admin.backup_exists", path=target))
    try:
        backup_sqlite(engine, target)
    except (SQLAlchemyError, OSError) as exc:
        target.unlink(missing_ok=True)
        fail(t("admin.copy_failed", reason=type(exc).__name__))
    click.echo(t("admin.backed_up", path=target))


@admin.group("scores")
def scores_group() -> None:
    """The scoreboard's running tallies."""


@scores_group.command("verify")
@db_option
@click.option("--mend", is_flag=True, help="Work the tallies out afresh from the records where they drifted.")
@click.pass_obj
def scores_verify(settings: Settings, db_url: str | None, mend: bool) -> None:
    """Compare the scoreboard's running tallies with the full recomputation from the records (and their day's
    offset with the policy's time zone); exit 1 when they differ (also when ``--mend`` mended them)."""
    engine, uow = _admin(database_url(db_url, settings))
    try:
        zone = zoneinfo.ZoneInfo(load_policy(settings.policy_file).calendar.tz)
    except PolicyError as exc:
        fail(file_refusal("policy", exc.path, exc.key, exc.reason))
    offset = int((SystemClock().now().datetime.astimezone(zone).utcoffset() or dt.timedelta(0)).total_seconds())
    try:
        with engine.connect() as conn:
            kept_offset = score_tallies.offset_of(conn)
            drift = score_tallies.drift(conn)
    except SQLAlchemyError as exc:
        fail(t("admin.scores_unreadable", reason=type(exc).__name__))
    for staff_id, day, measure, kept, actual in drift[:20]:
        date = dt.date(1970, 1, 1) + dt.timedelta(days=day)
        click.echo(t("admin.scores_drift_line", staff_id=staff_id, day=date, measure=measure, kept=kept, actual=actual))
    if kept_offset != offset:
        click.echo(t("admin.scores_offset", kept=kept_offset // 60, policy=offset // 60))
    if not drift and kept_offset == offset:
        click.echo(t("admin.scores_intact"))
        return
    if mend:
        with uow(write=True) as tx:
            rows = score_tallies.rebuild(tx.session, offset)
            tx.audit.record("scores.mend", "score_tallies", "", drifted=len(drift), rows=rows, offset_s=offset)
            tx.commit()
        click.echo(t("admin.scores_mended", count=len(drift)))
    fail(t("admin.scores_drifted", count=len(drift)), EXIT_BROKEN)
