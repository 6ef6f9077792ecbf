"""The ``csm`` command: open the workstation, build a demo branch, upgrade a database, administer a branch."""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import click
import platformdirs
from sqlalchemy import Engine

from csm_tui import __version__, gc_pause
from csm_tui.admin_cli import admin
from csm_tui.cli_options import workstation_options
from csm_tui.cli_support import (
    SharedGroup,
    database_url,
    fail,
    file_refusal,
    load_cli_settings,
    open_database,
    open_existing_database,
)
from csm_tui.clock import BranchTime, Clock, SystemClock
from csm_tui.config import APP_NAME, Settings, data_dir
from csm_tui.domain.enums import Role
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import explain, t
from csm_tui.policy import Policy, PolicyError, load_policy
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.exports import CONTACT_DAYS, ExportKind, export_list
from csm_tui.services.policy_audit import record_policy
from csm_tui.services.ports import AccessDenied, StorageFailure
from csm_tui.services.scoreboard.team_export import export_team
from csm_tui.services.tabular import TableFormat
from csm_tui.services.workstation import UnknownStaff, Workstation, find_staff, is_demo, sign_in
from csm_tui.ssh_keys import SSH_SESSION
from storage.engine import is_read_only
from storage.ownership import account_name, owned_by_this_account
from storage.uow import SqlUnitOfWorkFactory
from widgets.failures import describe


def _policy(settings: Settings) -> Policy:
    try:
        return load_policy(settings.policy_file)
    except PolicyError as exc:
        fail(file_refusal("policy", exc.path, exc.key, exc.reason))


def _setup_logging() -> None:
    """Log to a file in the user log directory; never to the terminal the app draws on."""
    log_dir = platformdirs.user_log_path(APP_NAME)
    log_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=log_dir / "csm.log", level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


@click.group(cls=SharedGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@workstation_options
@click.version_option(__version__, prog_name="csm")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, login: str | None, lang: str | None, config: Path | None) -> None:
    """Customer service manager's workstation. Without a command, opens the workstation."""
    settings = load_cli_settings(config, lang)
    ctx.obj = settings
    if ctx.invoked_subcommand is not None:
        if ctx.invoked_subcommand != SSH_SESSION:
            gc_pause.resume()  # only the workstation keeps it paused, until its first screen has its data
        return
    _run_app(settings, signed_in(settings, db_url, login))


def signed_in(settings: Settings, db_url: str | None, login: str | None) -> Workstation:
    """What ``csm`` does before the workstation opens: the policy, the database, the log, the sign-in. The thin
    start (``csm_tui.quick_start``) runs it in the app's worker, behind the first screen."""
    policy = _policy(settings)
    engine = open_existing_database(database_url(db_url, settings))
    _setup_logging()
    return _workstation(settings, engine, policy, login)


def _run_app(settings: Settings, ws: Workstation) -> None:
    from csm_tui.app import CsmApp

    CsmApp(ws, lang=settings.lang, keymap=settings.keymap).run(mouse=settings.mouse_on(os.environ))


@main.command(SSH_SESSION, hidden=True)
@click.option("--staff", "login", required=True, metavar="LOGIN")
@click.option("--db", "db_url", required=True, metavar="URL")
@click.pass_obj
def ssh_session(settings: Settings, login: str, db_url: str) -> None:
    """The forced command of a staff member's SSH key (``csm admin ssh-key add``): opens the workstation as
    LOGIN. Honoured only under SSH, in a terminal, run by the account that owns the database (the service
    account, which has no shell): a manager's own shell can neither read the database nor pass these checks."""
    if not os.environ.get("SSH_CONNECTION"):
        fail(t("ssh.only"))
    engine = open_existing_database(db_url)
    if not owned_by_this_account(engine):
        fail(t("ssh.not_service_account"))
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(t("ssh.needs_terminal"))
    _setup_logging()
    _run_app(settings, _workstation(settings, engine, _policy(settings), login, via_ssh=True))


def _workstation(
    settings: Settings, engine: Engine, policy: Policy, login: str | None, *, via_ssh: bool = False
) -> Workstation:
    """Sign in (``open_workstation``), and put a policy file changed since the last start in the audit log."""
    clock = SystemClock()
    try:
        ws = open_workstation(engine, clock, policy, login, via_ssh=via_ssh, exports=settings.export_dir)
        if not is_read_only(engine):
            record_policy(SqlUnitOfWorkFactory(engine, clock), policy, settings.policy_file)
    except StorageFailure as exc:
        fail(describe(exc))
    return ws


def open_workstation(
    engine: Engine, clock: Clock, policy: Policy, login: str | None, *, via_ssh: bool = False,
    exports: Path | None = None,
) -> Workstation:  # fmt: skip
    """Sign in as the OS login, or as ``login`` where that is allowed: on a demo database, for an admin, or
    from a staff member's SSH key (``via_ssh``: the caller checked the forced command's conditions). An SSH session
    runs as the server's service account, so its exports are kept to one folder (``exports``, by default the
    ``exports`` folder in the data directory)."""
    system = SqlUnitOfWorkFactory(engine, clock)
    os_login = account_name()
    demo = is_demo(system)
    try:
        if login and login != os_login and not demo and not via_ssh:
            try:
                caller = find_staff(system, os_login)
            except UnknownStaff:
                caller = None
            if caller is None or caller.role is not Role.ADMIN:
                fail(t("cli.staff_not_allowed"))
        staff = find_staff(system, login or os_login)
    except UnknownStaff as exc:
        fail(t("cli.unknown_staff", login=exc.login))
    time_ = BranchTime(clock, policy.calendar.tz)
    uow = system.acting_as(staff, policy.leave.calls)  # its own leave policy holds in its units of work too
    if is_read_only(engine):  # nothing can be written there, the sign-in's audit entry included: browsing only
        click.echo(t("database.read_only", target=engine.url.database), err=True)
        with uow() as tx:
            outlet = tx.outlets.get(staff.outlet_id) if staff.outlet_id is not None else None
        ws = Workstation(uow, staff, outlet, time_, policy, demo)
    else:
        ws = sign_in(uow, staff, time_, policy, demo, via="ssh" if via_ssh else "local")
    return replace(ws, exports=exports or data_dir() / "exports") if via_ssh else ws


@main.command()
@click.option("--clients", default=3000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--db", "db_url", metavar="URL", help="Database URL (default: SQLite in the user data directory).")
@click.option("--if-missing", is_flag=True, help="Do nothing when the database already holds a branch.")
@click.pass_obj
def demo(settings: Settings, clients: int, seed: int, db_url: str | None, if_missing: bool) -> None:
    """Build a believable demo branch, the same for the same seed."""
    from storage.demo import DemoExists, build_demo

    url = database_url(db_url, settings)
    engine = open_database(url)
    started = time.monotonic()
    try:
        summary = build_demo(engine, SystemClock(), clients=clients, seed=seed, policy=_policy(settings))
    except DemoExists:
        if if_missing:
            return
        fail(t("cli.demo_exists"))
    click.echo(
        t("cli.demo_built", clients=summary.clients, staff=summary.staff, seconds=f"{time.monotonic() - started:.1f}")
    )


def _command_workstation(settings: Settings, db_url: str | None, login: str | None) -> Workstation:
    """The workstation a command acts through: signed in like ``csm`` itself."""
    engine = open_existing_database(database_url(db_url, settings))
    _setup_logging()
    return _workstation(settings, engine, _policy(settings), login)


staff_option = click.option(
    "--staff", "login", envvar="CSM_STAFF", metavar="LOGIN", help="Sign in as LOGIN (demo DB or admin)."
)


@main.command("import")
@click.argument("kind", type=click.Choice([k.value for k in ImportKind]))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--mapping", type=click.Path(path_type=Path, dir_okay=False), help="Header → field table (TOML).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--encoding", type=click.Choice(["utf-8-sig", "gb18030"]), help="A CSV's encoding (default: detect).")
@click.option("--db", "db_url", metavar="URL", help="Database URL (default: SQLite in the user data directory).")
@staff_option
@click.pass_obj
def import_(
    settings: Settings, kind: str, file: Path, mapping: Path | None, dry_run: bool, encoding: str | None,
    db_url: str | None, login: str | None,
) -> None:  # fmt: skip
    """Import clients, balances, holdings, products, staff, tasks or households from CSV or XLSX (admins only).

    Exit status: 0 every row taken, 1 some rows refused (see FILE.errors.csv), 2 nothing imported.
    """
    from csm_tui.services.imports.columns import load_mapping
    from csm_tui.services.imports.run import import_file, summary

    ws = _command_workstation(settings, db_url, login)
    try:
        columns = load_mapping(mapping) if mapping else None
        report = import_file(ws, ImportKind(kind), file, mapping=columns, dry_run=dry_run, encoding=encoding)
    except DomainError as exc:
        fail(explain(exc))
    except AccessDenied:
        fail(t("import.admin_only"))
    except StorageFailure as exc:
        fail(describe(exc))
    if report.errors_path is not None:
        click.echo(t("import.errors_at", path=report.errors_path))
    if report.refused:
        fail(t("import.refused", reason=report.refused))
    click.echo(summary(report))
    if report.rejected:
        sys.exit(1)


SCOREBOARD = "scoreboard"


@main.command("export")
@click.argument("kind", type=click.Choice([*(k.value for k in ExportKind), SCOREBOARD]))
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="FILE.xlsx or FILE.csv")
@click.option("--format", "fmt", type=click.Choice([f.value for f in TableFormat]), help="Default: from --out.")
@click.option("--all", "all_tasks", is_flag=True, help="Tasks: closed ones too (default: open tasks).")
@click.option(
    "--days", default=CONTACT_DAYS, show_default=True, type=click.IntRange(1, 3660), help="Contacts: days back."
)
@click.option("--db", "db_url", metavar="URL", help="Database URL (default: SQLite in the user data directory).")
@staff_option
@click.pass_obj
def export(
    settings: Settings, kind: str, out: Path, fmt: str | None, all_tasks: bool, days: int, db_url: str | None,
    login: str | None,
) -> None:  # fmt: skip
    """Export your own task list or contact records, client identities masked; or, for a supervisor or the admin,
    the scoreboard's team table of this quarter (staff names and figures only). Audited."""
    ws = _command_workstation(settings, db_url, login)
    try:
        if kind == SCOREBOARD:
            rows, out = export_team(ws, out)
        else:
            rows = export_list(
                ws, ExportKind(kind), out, fmt=TableFormat(fmt) if fmt else None, open_only=not all_tasks, days=days
            )
    except DomainError as exc:
        fail(explain(exc))
    except StorageFailure as exc:
        fail(describe(exc))
    except AccessDenied:
        fail(t("export.scores_refused"))
    click.echo(t("export.done", rows=rows, path=out))


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--db", "db_url", metavar="URL", help="Database URL (default: SQLite in the user data directory).")
@click.pass_obj
def db_upgrade(settings: Settings, db_url: str | None) -> None:
    """Upgrade the database schema to this version of the app."""
    open_database(database_url(db_url, settings))
    click.echo(t("cli.db_upgraded"))


main.add_command(admin)
