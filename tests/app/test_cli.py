"""The ``csm`` command's error paths: each a clear message and exit code 2, never a traceback."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from csm_tui.cli import main
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Role
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder
from tests.support.clock import FROZEN_AT


@pytest.fixture
def branch_url(tmp_path: Path) -> str:
    """A real (non-demo) branch with one CSM and one admin, neither of them the OS login."""
    url = f"sqlite:///{tmp_path / 'branch.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        build = BranchBuilder(tx)
        build.outlet("SH001", "徐汇")
        build.staff("csm01", "王芳", Role.CSM)
        build.staff("boss", "李强", Role.ADMIN)
        tx.commit()
    engine.dispose()
    return url


def assert_clean_failure(result: object, *fragments: str) -> None:
    exit_code = result.exit_code  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert exit_code == 2, output
    assert "Traceback" not in output
    for fragment in fragments:
        assert fragment in output


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for word in ("--db", "--staff", "--lang", "demo", "db"):
        assert word in result.output


def test_unknown_login_exits_2_with_a_message(runner: CliRunner, branch_url: str) -> None:
    if getpass.getuser() in ("csm01", "boss"):
        pytest.skip("the OS login is one of the fixture's staff")
    result = runner.invoke(main, ["--db", branch_url, "--lang", "en"])
    assert_clean_failure(result, f"Unknown staff login: {getpass.getuser()}")


def test_staff_option_is_refused_on_a_real_branch_for_non_admins(runner: CliRunner, branch_url: str) -> None:
    result = runner.invoke(main, ["--db", branch_url, "--staff", "csm01"])
    assert_clean_failure(result, "--staff 只能用于演示数据库或由管理员使用")


def test_missing_database_file_says_how_to_make_one(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "--lang", "en"])
    assert_clean_failure(result, "does not exist", "csm demo")
    assert not (tmp_path / "none.db").exists()


def test_bad_policy_file_names_file_key_and_reason(runner: CliRunner, branch_url: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[calls]\ndaily_target = 0\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'policy_file = "{policy}"\n', encoding="utf-8")
    result = runner.invoke(main, ["--config", str(config), "--db", branch_url, "--staff", "csm01"])
    assert_clean_failure(result, str(policy), "calls.daily_target")


def test_bad_config_file_names_key(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('lang = "fr"\n', encoding="utf-8")
    result = runner.invoke(main, ["--config", str(config), "db", "upgrade"])
    assert_clean_failure(result, str(config), "lang")


def test_database_newer_than_the_app_is_refused(runner: CliRunner, branch_url: str) -> None:
    engine = make_engine(branch_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = runner.invoke(main, ["--lang", "en", "db", "upgrade", "--db", branch_url])
    assert_clean_failure(result, "newer workstation", "9999")


def test_a_prospects_number_the_upgrade_cannot_read_is_named_and_nothing_changes(
    runner: CliRunner, branch_url: str
) -> None:
    """A mobile written by SQL that is no mainland mobile (before 0021 held the stored form): the upgrade stops,
    naming the prospect to correct, in the user's language."""
    from alembic import command

    from storage.migrate import _config

    engine = make_engine(branch_url)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0020")
        conn.execute(text("INSERT INTO prospects (name, mobile, consent, manager_id, note, created_at) "
                          "VALUES ('钱七', '12345', 1, 1, '', '2026-11-27 02:00:00')"))  # fmt: skip
    engine.dispose()
    en = runner.invoke(main, ["--lang", "en", "db", "upgrade", "--db", branch_url])
    assert_clean_failure(en, "prospects whose mobile or ID number cannot be read (ids 1)", "nothing was changed")
    zh = runner.invoke(main, ["db", "upgrade", "--db", branch_url])
    assert_clean_failure(zh, "潜在客户的手机号或身份证号无法识别（编号 1）")


def test_unreachable_database_is_one_clear_line(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--lang", "en", "db", "upgrade", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert_clean_failure(result, "Cannot open the database")


def test_demo_builds_once_and_if_missing_keeps_it(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = runner.invoke(main, ["--lang", "en", "demo", "--clients", "50", "--db", url])
    assert first.exit_code == 0, first.output
    assert "50 clients" in first.output
    assert (tmp_path / "demo.db").stat().st_mode & 0o777 == 0o600
    again = runner.invoke(main, ["demo", "--clients", "50", "--db", url, "--if-missing"])
    assert again.exit_code == 0 and again.output == ""
    refused = runner.invoke(main, ["--lang", "en", "demo", "--db", url])
    assert_clean_failure(refused, "already holds a branch")


def test_db_upgrade_creates_and_migrates(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["--lang", "en", "db", "upgrade", "--db", f"sqlite:///{tmp_path / 'new.db'}"])
    assert result.exit_code == 0, result.output
    assert "latest version" in result.output
