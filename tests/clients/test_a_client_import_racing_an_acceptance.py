"""The bank's client file giving a client to one 沃德 client manager while another accepts the client's 沃德 referral
at a desk, at once, on SQLite and PostgreSQL: the client ends in one 沃德 book, never two. The import holds the
clients it gives to a 沃德 client manager before it reads who holds them (as the acceptance holds its client), so
the acceptance waits for the import and is then refused, naming the manager the file gave.

Here the import is held just after reading the holders until the desk's acceptance has ended or a moment has passed:
without the import's hold on the client, the acceptance commits in that moment and the import then writes the
client's manager past it.

The clients' small branch (``support/clients_branch``): 张三丰 is A's."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from csm_tui.domain.enums import ReferralKind, ReferralStatus, Role
from csm_tui.domain.errors import DomainError
from csm_tui.services.clients import referrals
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from storage.engine import make_engine
from storage.importer import SqlImports
from storage.orm import ReferralRow, StaffRow
from tests.support.clients_branch import ZSF_ID, ZSF_MOBILE, Branch
from tests.support.files import write_csv
from tests.support.wode import desk, open_referral, second_wealth_manager

MOMENT = 2.0  # seconds the import waits, holding what it holds, for the desk's acceptance


def test_a_client_file_and_an_acceptance_at_once_leave_the_client_in_one_wode_book(
    branch: Branch, db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given_to = second_wealth_manager(branch)
    referral = open_referral(branch, branch.zsf, branch.wealth)
    header = ["客户号", "姓名", "身份证号码", "手机号码", "客户经理"]
    path = write_csv(tmp_path / "c.csv", [header, ["C100001", "张三丰", ZSF_ID, ZSF_MOBILE, given_to.login]])
    read, decided = threading.Event(), threading.Event()
    holders = SqlImports.wode_held

    def held_then_wait(self: SqlImports) -> dict[int, tuple[int, str]]:
        found = holders(self)
        read.set()
        decided.wait(MOMENT)
        return found

    monkeypatch.setattr(SqlImports, "wode_held", held_then_wait)
    engines = [make_engine(db_url), make_engine(db_url)]
    came: dict[str, Any] = {}

    def accept() -> None:
        read.wait(30)
        try:
            referrals.decide(desk(branch, engines[1], branch.wealth), referral, accept=True)
            came["accept"] = "saved"
        except DomainError as exc:
            came["accept"] = exc.code
        decided.set()

    def run_import() -> None:
        came["import"] = import_file(desk(branch, engines[0], branch.admin), ImportKind.CLIENTS, path)

    threads = [threading.Thread(target=run_import), threading.Thread(target=accept)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for each in engines:
            each.dispose()
    manager = branch.client(branch.zsf).manager_id
    accepted = branch.count(ReferralRow, id=referral.id, kind=ReferralKind.WODE, status=ReferralStatus.ACCEPTED)
    managed_by_wealth = branch.count(StaffRow, id=manager, role=Role.WEALTH_MANAGER) == 1
    assert not (accepted and managed_by_wealth and manager != branch.wealth.id), "the client is in two 沃德 books"
    assert (came["accept"], manager, came["import"].updated) == ("wode_client_held", given_to.id, 1)
