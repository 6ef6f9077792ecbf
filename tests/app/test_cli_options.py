"""``csm``'s own options mean the same to every command: ``--db``, ``--staff``, ``--lang`` and ``--config`` given
before a command apply to it (exactly as given after it), or are refused when the command has no use for one or
gives a different value itself. The cases run over click's command tree, so a new command is covered by itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from csm_tui.cli import main
from csm_tui.cli_support import SHARED
from csm_tui.config import data_dir
from storage.engine import make_engine
from storage.orm import StaffRow


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _leaves(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = dict(_leaves(main))


def _arguments(path: tuple[str, ...], tmp: Path, testing: str = "") -> list[str]:
    """What each command needs to get as far as using the option ``testing`` (a usage error would not): its own
    arguments, and the shared options it requires but for that one; a command missing here fails
    ``test_every_command_is_run_with_its_arguments``."""
    required = [
        arg
        for p in COMMANDS[path].params
        if p.required and p.name in SHARED and p.name != testing
        for arg in (SHARED[p.name], VALUES[p.name].format(tmp=tmp))
    ]
    key = (tmp / "k.pub").as_posix()
    return (
        required
        + {
            ("admin", "audit", "verify"): [],
            ("admin", "backup"): ["--to", str(tmp / "backup.db")],
            ("admin", "copy"): ["--from", f"sqlite:///{tmp / 'from.db'}", "--to", f"sqlite:///{tmp / 'to.db'}"],
            ("admin", "prospects", "purge"): [],
            ("admin", "scores", "verify"): [],
            ("admin", "ssh-key", "add"): ["--key", key, "--file", str(tmp / "keys")],
            ("admin", "ssh-key", "list"): ["--file", str(tmp / "keys")],
            ("admin", "ssh-key", "remove"): ["--file", str(tmp / "keys")],
            ("db", "upgrade"): [],
            ("demo",): ["--clients", "1"],
            ("export",): ["tasks", "--out", str(tmp / "out.csv")],
            ("import",): ["staff", str(tmp / "staff.csv")],
            ("ssh-session",): [],
        }[path]
    )


VALUES = {"db_url": "sqlite:///{tmp}/target.db", "login": "admin", "lang": "en", "config": "{tmp}/config.toml"}
CASES = [(path, name) for path in COMMANDS for name in SHARED]
TAKEN = [(path, name) for path, name in CASES if name in {p.name for p in COMMANDS[path].params}]


def _run(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env)


def _fresh(tmp: Path) -> None:
    """The same files before each run: a settings file, a key, a staff file; no database of the run's own."""
    for name in ("target.db", "target.db-wal", "target.db-shm", "backup.db", "out.csv", "staff.csv.errors.csv"):
        (tmp / name).unlink(missing_ok=True)
    (tmp / "config.toml").write_text('lang = "en"\n', encoding="utf-8")
    (tmp / "k.pub").write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
    (tmp / "staff.csv").write_text("工号,员工姓名,岗位,职级\ncsm09,赵六,csm,助理客户服务经理\n", encoding="utf-8")


def _default_database() -> tuple[bool, int]:
    """Whether the default database is there, and when it last changed (an earlier test may have made it)."""
    path = data_dir() / "csm.db"
    return (True, path.stat().st_mtime_ns) if path.exists() else (False, 0)


def _timeless(output: str) -> str:
    return re.sub(r"\d+\.\d+ ?(s|秒)", "", output)  # how long a demo took to build


def test_every_command_is_run_with_its_arguments(tmp_path: Path) -> None:
    for path in COMMANDS:
        _arguments(path, tmp_path)


@pytest.mark.parametrize(("path", "name"), CASES, ids=[f"{' '.join(p)}-{n}" for p, n in CASES])
def test_an_option_before_the_command_means_what_it_means_after_it(
    tmp_path: Path, path: tuple[str, ...], name: str
) -> None:
    option, value = SHARED[name], VALUES[name].format(tmp=tmp_path)
    arguments = _arguments(path, tmp_path, name)
    declared = name in {p.name for p in COMMANDS[path].params}
    env = {} if name == "db_url" else {"CSM_DB_URL": VALUES["db_url"].format(tmp=tmp_path)}
    default = _default_database()
    _fresh(tmp_path)
    before = _run([option, value, *path, *arguments], env)
    assert "Traceback" not in before.output
    assert before.exception is None or isinstance(before.exception, SystemExit)
    if not declared:  # the command has no use for it: refused, never silently ignored
        assert before.exit_code == 2
        assert f"{option} " in before.output and " ".join(path) in before.output
        return
    _fresh(tmp_path)
    after = _run([*path, *arguments, option, value], env)
    assert (before.exit_code, _timeless(before.output)) == (after.exit_code, _timeless(after.output))
    assert "Missing option" not in before.output
    assert _default_database() == default, "a command worked on the default database"


@pytest.mark.parametrize(("path", "name"), TAKEN, ids=[f"{' '.join(p)}-{n}" for p, n in TAKEN])
def test_an_option_given_twice_with_different_values_is_refused(
    tmp_path: Path, path: tuple[str, ...], name: str
) -> None:
    option = SHARED[name]
    first, second = {
        "db_url": (f"sqlite:///{tmp_path}/one.db", f"sqlite:///{tmp_path}/two.db"),
        "login": ("admin", "csm01"),
        "lang": ("en", "zh_CN"),
        "config": (str(tmp_path / "one.toml"), str(tmp_path / "two.toml")),
    }[name]
    _fresh(tmp_path)
    result = _run([option, first, *path, *_arguments(path, tmp_path, name), option, second])
    assert result.exit_code == 2, result.output
    assert option in result.output and first in result.output and second in result.output
    assert not (tmp_path / "one.db").exists() and not (tmp_path / "two.db").exists()


def test_db_before_import_imports_into_that_database(demo_url: str, tmp_path: Path) -> None:
    staff = tmp_path / "staff.csv"
    staff.write_text("工号,员工姓名,岗位,职级\ncsm09,赵六,csm,助理客户服务经理\n", encoding="utf-8")
    default = _default_database()
    result = _run(["--db", demo_url, "--staff", "admin", "--lang", "en", "import", "staff", str(staff)], env={})
    assert result.exit_code == 0, result.output
    with Session(make_engine(demo_url)) as session:
        assert session.scalar(select(StaffRow.name).where(StaffRow.login == "csm09")) == "赵六"
    assert _default_database() == default


def test_a_login_from_the_environment_is_a_default_not_an_option_given(demo_url: str, tmp_path: Path) -> None:
    """CSM_STAFF set in the shell does not make commands that sign nobody in refuse to run."""
    _fresh(tmp_path)
    args = ["admin", "ssh-key", "list", "--db", demo_url, "--file", str(tmp_path / "keys")]
    result = _run(args, env={"CSM_STAFF": "csm01"})
    assert result.exit_code == 0, result.output


DB_TAKEN = [path for path, name in TAKEN if name == "db_url" and path != ("ssh-session",)]  # refused outside SSH first


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("path", DB_TAKEN, ids=[" ".join(p) for p in DB_TAKEN])
def test_an_empty_db_is_refused_not_taken_for_the_default_database(
    tmp_path: Path, path: tuple[str, ...], where: str
) -> None:
    """``--db "$URL"`` with the variable unset: refused, never the default database in its place."""
    _fresh(tmp_path)
    default = _default_database()
    arguments = [*path, *_arguments(path, tmp_path, "db_url")]
    args = ["--db=", *arguments] if where == "before" else [*arguments, "--db="]
    result = _run(["--lang", "en", *args], env={})
    assert result.exit_code == 2, result.output
    assert "--db is empty" in result.output
    assert _default_database() == default


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_a_sqlite_url_naming_no_file_is_refused(tmp_path: Path, url: str) -> None:
    """An in-memory database would take an import, say "done", and lose it all as the command ends."""
    _fresh(tmp_path)
    result = _run(["--lang", "en", "--db", url, "--staff", "admin", "import", "staff", str(tmp_path / "staff.csv")])
    assert result.exit_code == 2, result.output
    assert "names no file" in result.output and url in result.output
