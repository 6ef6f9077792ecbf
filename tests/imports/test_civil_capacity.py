"""Civil capacity comes from the bank's client file (a column) and can be changed by a supervisor or an admin with a
reason from client detail (``k``, audited); a CSM cannot change it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from textual.widgets import Static

from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.workstation import Workstation
from screens.client_detail import ClientDetailScreen
from storage.engine import make_engine
from storage.orm import AuditRow, ClientRow, StaffRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.files import HEADER_ZH, VALID_IDS, write_csv
from tests.support.pilot import make_app, settle


def capacities(uow_factory: SqlUnitOfWorkFactory) -> dict[str, bool]:
    with uow_factory() as tx:
        found = tx.session.execute(select(ClientRow.number, ClientRow.civil_capacity))  # type: ignore[attr-defined]
        return {number: bool(capable) for number, capable in found}


def test_the_client_import_carries_civil_capacity_and_a_blank_keeps_it(
    branch: dict[str, Workstation],
    uow_factory: SqlUnitOfWorkFactory,
    tmp_path: Path,
) -> None:
    header = [*HEADER_ZH, "完全民事行为能力"]
    rows = [["C1", "张三", VALID_IDS[0], "", "", "否"], ["C2", "李四", VALID_IDS[1], "", "", "是"]]
    report = import_file(branch["admin"], ImportKind.CLIENTS, write_csv(tmp_path / "a.csv", [header, *rows]))
    assert (report.new, report.rejected) == (2, 0)
    assert capacities(uow_factory) == {"C1": False, "C2": True}
    rows = [["C1", "张三", VALID_IDS[0], "", "", ""], ["C2", "李四", VALID_IDS[1], "", "", "否"]]
    again = import_file(branch["admin"], ImportKind.CLIENTS, write_csv(tmp_path / "b.csv", [header, *rows]))
    assert (again.updated, again.unchanged) == (1, 1)
    assert capacities(uow_factory) == {"C1": False, "C2": False}
    bad = import_file(
        branch["admin"],
        ImportKind.CLIENTS,
        write_csv(tmp_path / "c.csv", [header, ["C1", "张三", VALID_IDS[0], "", "", "也许"]]),
    )
    assert bad.rejected == 1 and capacities(uow_factory)["C1"] is False


async def _change_capacity(url: str, login: str, client_id: int, reason: str) -> str:
    """Open the client's detail as ``login``, press ``k``, type the reason and save; what the dialog or screen said."""
    app = make_app(url, login=login)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ClientDetailScreen(app.ws, client_id))
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        await pilot.press(*reason, "enter")
        await settle(pilot)
        return " ".join(str(w.render()) for w in app.screen.query(Static))


def _capacity(url: str, client_id: int) -> tuple[bool, list[str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        capable = bool(conn.scalar(select(ClientRow.civil_capacity).where(ClientRow.id == client_id)))
        reasons = [
            d["reason"] for d in conn.scalars(select(AuditRow.detail).where(AuditRow.action == "client.civil_capacity"))
        ]
    engine.dispose()
    return capable, reasons


async def test_a_supervisor_changes_capacity_from_client_detail_with_a_reason_a_csm_cannot(demo_url: str) -> None:
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        csm01 = select(StaffRow.id).where(StaffRow.login == "csm01").scalar_subquery()
        client_id = conn.scalar(
            select(ClientRow.id).where(ClientRow.manager_id == csm01, ClientRow.civil_capacity).order_by(ClientRow.id)
        )
    engine.dispose()
    assert client_id is not None
    await _change_capacity(demo_url, "csm01", client_id, "家属告知")  # ``k`` is not a CSM's: nothing opens
    assert _capacity(demo_url, client_id) == (True, [])
    await _change_capacity(demo_url, "sup01", client_id, "法院判决书")
    assert _capacity(demo_url, client_id) == (False, ["法院判决书"])
