"""Issue #21, point 4, on SQLite and PostgreSQL: "the history stays, the introducing client is credited". A client
who was a prospect has the calls made to them then on their page, read as their other contacts are (their CSM,
the supervisor, the admin; a colleague gets the summary and the read is refused below the screen); the introducing
client's page counts whom they introduced and who became a client, naming them only to whom may read the
prospect's CSM's list; the prospects list gives the converted prospect's client number, and their mobile masked
once they are a colleague's client."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from csm_tui.domain.enums import ProspectOutcome
from csm_tui.domain.models import ClientSummary
from csm_tui.services.calls import prospect_calls
from csm_tui.services.clients import client_detail
from csm_tui.services.clients.client_detail import ClientDetail
from csm_tui.services.events import prospects
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import Introduced
from storage.orm import ClientRow
from tests.support.events_branch import Branch
from tests.support.files import HEADER_ZH, VALID_IDS, write_csv

MONDAY = dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai


def converted(branch: Branch, tmp_path: Path, manager: str = "wang") -> int:
    """甲 (wang's client) introduced 钱七 and 孙八; 钱七 was reached on Monday, then the bank's file brought them as
    C0100 of ``manager``; the client's id."""
    introducer = branch.client("甲", "wang")
    ws = branch.ws("wang")
    taken = prospects.introduced(ws, introducer, "钱七", "13912345678", consent=True, resident_id=VALID_IDS[0]).id
    prospects.introduced(ws, introducer, "孙八", "13987654321", consent=True)
    branch.clock.set(MONDAY)
    prospect_calls.record(ws, taken, ProspectOutcome.REACHED, "下周来开户")
    rows = [["C0100", "钱七", VALID_IDS[0], "13912345678", manager]]
    import_file(branch.ws("admin"), ImportKind.CLIENTS, write_csv(tmp_path / "c.csv", [HEADER_ZH, *rows]))
    with branch.factory() as tx:
        client_id = tx.clients.id_of("C0100")
    assert client_id is not None
    return client_id


def page(branch: Branch, login: str, client_id: int) -> ClientDetail:
    found = client_detail.load(branch.ws(login), client_id)
    assert isinstance(found, ClientDetail), login
    return found


def test_a_converted_clients_page_has_the_calls_made_while_a_prospect_as_their_contacts_are_read(
    branch: Branch, tmp_path: Path
) -> None:
    client_id = converted(branch, tmp_path)
    for login in ("wang", "sup", "admin"):
        [call] = page(branch, login, client_id).prospect_calls
        assert (call.staff_name, call.outcome, call.note) == ("王芳", ProspectOutcome.REACHED, "下周来开户")
        assert call.started_at == MONDAY
    assert isinstance(client_detail.load(branch.ws("li"), client_id), ClientSummary)  # a colleague: the summary
    with branch.factory.acting_as(branch.staff["li"])() as tx, pytest.raises(AccessDenied):
        tx.prospects.history_of_client(client_id)  # and the read itself refused, whatever the screen asks


def test_the_introducing_clients_page_counts_whom_they_introduced_and_who_became_a_client(
    branch: Branch, tmp_path: Path
) -> None:
    client_id = converted(branch, tmp_path)
    introducer = branch.clients["甲"]
    credit = [Introduced("钱七", True, "C0100"), Introduced("孙八", False, None)]
    for login in ("wang", "sup", "admin"):
        assert page(branch, login, introducer).introduced == credit, login
    assert page(branch, "wang", client_id).introduced == []  # 钱七 introduced nobody
    with branch.factory.acting_as(branch.staff["li"])() as tx, pytest.raises(AccessDenied):
        tx.prospects.introductions(introducer)


def test_a_client_moved_to_a_colleague_keeps_the_credit_unnamed_to_whom_may_not_read_the_prospects(
    branch: Branch, tmp_path: Path
) -> None:
    """The prospects stay with the CSM who took them: the client's new CSM sees the counts, not the names or the
    client number of who became a client (another CSM's prospects are not theirs to read)."""
    converted(branch, tmp_path)
    introducer = branch.clients["甲"]
    with branch.factory(write=True) as tx:
        tx.session.execute(update(ClientRow).where(ClientRow.id == introducer).values(manager_id=branch.staff["li"].id))
        tx.commit()
    assert page(branch, "li", introducer).introduced == [Introduced(None, True, None), Introduced(None, False, None)]
    assert isinstance(client_detail.load(branch.ws("wang"), introducer), ClientSummary)


def test_the_prospects_list_gives_the_converted_prospects_client_number_masked_once_a_colleagues_client(
    branch: Branch, tmp_path: Path
) -> None:
    converted(branch, tmp_path, manager="li")
    lines = {line.name: line for line in prospects.listing(branch.ws("wang"))}
    assert lines["钱七"].converted_number == "C0100" and lines["孙八"].converted_number is None
    assert lines["钱七"].mobile != "13912345678" and lines["钱七"].mobile.endswith("5678")  # li's client now
    assert lines["孙八"].mobile == "13987654321"  # still wang's own prospect: in full
    assert prospect_calls.card(branch.ws("wang"), lines["钱七"].id).line.mobile == lines["钱七"].mobile
