"""Fixtures of the import and export tests."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from click.testing import CliRunner
from stdnum.cn import ric

from csm_tui.clock import FrozenClock
from csm_tui.i18n import set_language
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.workstation import Workstation
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import office
from tests.support.files import CLIENTS, HEADER_ZH, write_csv


@pytest.fixture
def runner() -> CliRunner:
    """The ``csm`` command in the test's process, run by an OS login that is none of the demo's staff (the command
    would take that login for the one signing in)."""
    if getpass.getuser() in ("admin", "csm01"):
        pytest.skip("the OS login is one of the demo's staff")
    return CliRunner()


@pytest.fixture
def branch(uow_factory: SqlUnitOfWorkFactory, clock: FrozenClock) -> dict[str, Workstation]:
    """The office branch (``tests.support.branch.office``): a workstation for the admin, two CSMs and a supervisor."""
    return office(uow_factory, clock)


@pytest.fixture
def admin(branch: dict[str, Workstation], tmp_path: Path) -> Workstation:
    """The office's admin, with 300 clients imported (C00000…C00299) for csm01; the reports in Chinese."""
    set_language("zh_CN")
    ws = branch["admin"]
    rows = []
    for i in range(CLIENTS):
        body = f"3101041980{i // 28 % 12 + 1:02d}{i % 28 + 1:02d}{i:03d}"
        rows.append([f"C{i:05d}", "张三", body + ric.calc_check_digit(body + "0"), "", "csm01"])
    path = write_csv(tmp_path / "clients.csv", [HEADER_ZH, *rows])
    assert import_file(ws, ImportKind.CLIENTS, path).new == CLIENTS
    return ws
