"""A prospect who became another CSM's client is that CSM's client: the CSM who met them keeps the history (their
name, that they converted) but no longer reads their whole mobile or ID, as for any colleague's client."""

from __future__ import annotations

from pathlib import Path

from csm_tui.services.events import prospects
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from tests.support.events_branch import Branch, event, on_event_day
from tests.support.files import HEADER_ZH, VALID_IDS, write_csv


def test_a_prospect_converted_to_a_colleagues_client_reads_masked(branch: Branch, tmp_path: Path) -> None:
    event_id = event(branch, by="wang")
    on_event_day(branch)
    prospects.meet_at_event(branch.ws("wang"), event_id, "钱七", "13912345678", consent=True, resident_id=VALID_IDS[0])
    prospects.meet_at_event(branch.ws("wang"), event_id, "孙八", "13987654321", consent=True)
    rows = [
        ["C0100", "钱七", VALID_IDS[0], "13912345678", "li"],
        ["C0101", "孙八", VALID_IDS[1], "13987654321", "wang"],
    ]
    import_file(branch.ws("admin"), ImportKind.CLIENTS, write_csv(tmp_path / "c.csv", [HEADER_ZH, *rows]))
    listed = {p.name: p for p in prospects.mine(branch.ws("wang"))}
    theirs, mine = listed["钱七"], listed["孙八"]
    assert theirs.converted_client_id is not None and mine.converted_client_id is not None
    assert theirs.mobile != "13912345678" and theirs.resident_id != VALID_IDS[0]
    assert mine.mobile == "13987654321"  # own client: in full
    sup = {p.name: p for p in prospects.mine(branch.ws("sup"), branch.staff["wang"].id)}
    assert sup["钱七"].mobile == "13912345678"  # the team's supervisor sees the team's clients in full
