"""Prospects through the services on SQLite and PostgreSQL: met at an event's door or introduced by a client, with
consent and a mobile phonenumbers reads; listed per CSM; converted when the client import brings the same mobile
(the history stays, the introducer credited); purged after the retention by the admin's command, audited by count
with no personal data. From the hostile side: a prospect without consent, another CSM's client as the introducer,
another CSM's list, a purge by a CSM, and an import that collides with a prospect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from csm_tui.cli import main
from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.errors import DomainError
from csm_tui.policy import Policy
from csm_tui.services.events import prospects, results
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.ports import AccessDenied
from storage.uow import SqlUnitOfWorkFactory
from tests.support.events_branch import TZ, Branch, event, on_event_day
from tests.support.files import HEADER_ZH, VALID_IDS, write_csv


def test_a_csm_takes_a_prospect_at_the_door_with_consent_and_sees_them_in_own_list(branch: Branch) -> None:
    event_id = event(branch, by="wang")
    on_event_day(branch)
    taken = prospects.meet_at_event(branch.ws("wang"), event_id, "钱七", "+86 139-1234-5678", consent=True)
    assert (taken.mobile, taken.manager_id, taken.met_by, taken.event_id) == (
        "13912345678", branch.staff["wang"].id, branch.staff["wang"].id, event_id,
    )  # fmt: skip
    assert [p.name for p in prospects.mine(branch.ws("wang"))] == ["钱七"]
    assert prospects.mine(branch.ws("li")) == []
    with pytest.raises(AccessDenied):
        prospects.mine(branch.ws("li"), branch.staff["wang"].id)
    assert [p.name for p in prospects.mine(branch.ws("sup"), branch.staff["wang"].id)] == ["钱七"]


def test_a_prospect_met_by_the_lobby_goes_to_the_csm_who_planned_the_event(branch: Branch) -> None:
    event_id = event(branch, by="wang")
    supervisors_event = event(branch, by="sup")
    on_event_day(branch)
    taken = prospects.meet_at_event(branch.ws("lobby"), event_id, "钱七", "13912345678", consent=True)
    assert (taken.manager_id, taken.met_by) == (branch.staff["wang"].id, branch.staff["lobby"].id)
    with pytest.raises(DomainError, match="prospect_no_manager"):
        prospects.meet_at_event(branch.ws("lobby"), supervisors_event, "孙八", "13912345679", consent=True)


@pytest.mark.parametrize(
    ("name", "mobile", "consent", "code"),
    [("钱七", "13912345678", False, "prospect_consent"), ("钱七", "12345", True, "prospect_invalid"),
     ("", "13912345678", True, "prospect_invalid")],
)  # fmt: skip
def test_no_prospect_without_consent_or_with_a_wrong_mobile(
    branch: Branch,
    name: str,
    mobile: str,
    consent: bool,
    code: str,
) -> None:
    event_id = event(branch, by="wang")
    on_event_day(branch)
    with pytest.raises(DomainError) as refused:
        prospects.meet_at_event(branch.ws("wang"), event_id, name, mobile, consent=consent)
    assert refused.value.code == code
    assert prospects.mine(branch.ws("wang")) == []


def test_a_client_introduces_a_prospect_to_their_own_manager_only(branch: Branch) -> None:
    mine = branch.client("甲", "wang")
    theirs = branch.client("乙", "li")
    taken = prospects.introduced(branch.ws("wang"), mine, "钱七", "13912345678", consent=True)
    assert taken.introduced_by == mine
    with pytest.raises(AccessDenied):
        prospects.introduced(branch.ws("wang"), theirs, "孙八", "13912345679", consent=True)


def test_an_import_with_the_prospects_mobile_converts_them_and_keeps_the_history(
    branch: Branch,
    tmp_path: Path,
) -> None:
    introducer = branch.client("甲", "wang")
    event_id = event(branch, by="wang")
    on_event_day(branch)
    prospects.introduced(branch.ws("wang"), introducer, "钱七", "13912345678", consent=True)
    prospects.meet_at_event(branch.ws("wang"), event_id, "孙八", "13987654321", consent=True)
    rows = [["C0100", "钱七", VALID_IDS[0], "13912345678", ""], ["C0101", "孙八", VALID_IDS[1], "13987654321", ""]]
    report = import_file(branch.ws("admin"), ImportKind.CLIENTS, write_csv(tmp_path / "c.csv", [HEADER_ZH, *rows]))
    assert report.new == 2
    listed = {p.name: p for p in prospects.mine(branch.ws("wang"))}
    with branch.factory() as tx:
        new_ids = {n: tx.clients.id_of(n) for n in ("C0100", "C0101")}
    assert listed["钱七"].converted_client_id == new_ids["C0100"] and listed["钱七"].introduced_by == introducer
    assert listed["孙八"].converted_client_id == new_ids["C0101"]
    assert results.results(branch.ws("wang"), event_id).new_clients == 1
    again = import_file(branch.ws("admin"), ImportKind.CLIENTS, write_csv(tmp_path / "d.csv", [HEADER_ZH, *rows]))
    assert again.unchanged == 2  # converted once
    assert {p.converted_client_id for p in prospects.mine(branch.ws("wang"))} == set(new_ids.values())


def test_never_converted_prospects_are_purged_after_the_retention_with_no_personal_data_in_the_audit(
    branch: Branch,
) -> None:
    introducer = branch.client("甲", "wang")
    prospects.introduced(branch.ws("wang"), introducer, "钱七", "13912345678", consent=True)
    branch.clock.advance(dt.timedelta(days=200))
    prospects.introduced(branch.ws("wang"), introducer, "孙八", "13987654321", consent=True)
    branch.clock.advance(dt.timedelta(days=200))  # 钱七 is 400 days old, 孙八 200
    time = BranchTime(branch.clock, TZ)
    with pytest.raises(AccessDenied):
        prospects.purge(branch.factory.acting_as(branch.staff["sup"]), time, Policy())
    assert prospects.purge(branch.factory, time, Policy()) == 1
    assert [p.name for p in prospects.mine(branch.ws("wang"))] == ["孙八"]
    with branch.factory() as tx:
        [entry] = [e for e in tx.audit.recent(50) if e.action == "prospects.purge"]
        assert entry.detail["count"] == 1
        deletes = [e for e in tx.audit.recent(50) if e.entity == "prospects" and e.action == "delete"]
    assert deletes == []
    assert "钱七" not in str(entry.detail) and "5678" not in str(entry.detail)


def test_the_admin_command_purges_as_the_service_account(
    db_url: str, engine: Engine, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("csm_tui.admin_cli.owned_by_this_account", lambda _engine: True)
    monkeypatch.delenv("SUDO_USER", raising=False)
    result = CliRunner().invoke(main, ["--lang", "en", "admin", "prospects", "purge", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "Purged 0 prospects" in result.output
    with SqlUnitOfWorkFactory(engine, clock)() as tx:
        assert tx.audit.recent(5)[0].action == "prospects.purge"


def test_an_import_with_the_prospects_resident_id_converts_them_though_the_mobile_changed(
    branch: Branch,
    tmp_path: Path,
) -> None:
    """The prospect gave their ID at the door and opened the account with another phone: converted by the ID. One
    who gave no ID is never matched on a blank; the audit shows the ID masked only."""
    event_id = event(branch, by="wang")
    on_event_day(branch)
    taken = prospects.meet_at_event(
        branch.ws("wang"), event_id, "孙八", "13987654321", consent=True, resident_id=VALID_IDS[1]
    )
    assert taken.resident_id == VALID_IDS[1]
    prospects.meet_at_event(branch.ws("wang"), event_id, "周九", "13900001111", consent=True)
    rows = [["C0101", "孙八", VALID_IDS[1], "13700000001", ""], ["C0102", "吴十", VALID_IDS[2], "13700000002", ""]]
    import_file(branch.ws("admin"), ImportKind.CLIENTS, write_csv(tmp_path / "c.csv", [HEADER_ZH, *rows]))
    listed = {p.name: p for p in prospects.mine(branch.ws("wang"))}
    with branch.factory() as tx:
        assert listed["孙八"].converted_client_id == tx.clients.id_of("C0101")
        logged = [str(e.detail) for e in tx.audit.recent(200) if e.entity == "prospects"]
    assert listed["周九"].converted_client_id is None
    assert logged and not any(VALID_IDS[1] in d for d in logged)
    assert results.results(branch.ws("wang"), event_id).new_clients == 1


def test_the_resident_id_matches_before_a_shared_mobile(branch: Branch, tmp_path: Path) -> None:
    """Two clients arrive, one with the prospect's mobile (a relative's phone), one with the prospect's ID: the
    prospect becomes the one with their ID."""
    introducer = branch.client("甲", "wang")
    prospects.introduced(branch.ws("wang"), introducer, "钱七", "13912345678", consent=True, resident_id=VALID_IDS[3])
    rows = [["C0100", "钱父", VALID_IDS[2], "13912345678", ""], ["C0101", "钱七", VALID_IDS[3], "13700000003", ""]]
    import_file(branch.ws("admin"), ImportKind.CLIENTS, write_csv(tmp_path / "c.csv", [HEADER_ZH, *rows]))
    [listed] = prospects.mine(branch.ws("wang"))
    with branch.factory() as tx:
        assert listed.converted_client_id == tx.clients.id_of("C0101")


def test_a_prospect_with_a_wrong_resident_id_is_refused(branch: Branch) -> None:
    event_id = event(branch, by="wang")
    on_event_day(branch)
    with pytest.raises(DomainError, match="prospect_invalid"):
        prospects.meet_at_event(
            branch.ws("wang"), event_id, "孙八", "13987654321", consent=True, resident_id="110105197001011234"
        )
    assert prospects.mine(branch.ws("wang")) == []


def test_a_prospect_is_taken_at_the_events_door_on_its_day_only(branch: Branch) -> None:
    """Added to an event before or after it, someone would count as the event's new client for a meeting it never
    had."""
    event_id = event(branch, by="wang")
    with pytest.raises(DomainError, match="event_not_today"):
        prospects.meet_at_event(branch.ws("wang"), event_id, "钱七", "13912345678", consent=True)
    branch.clock.set(dt.datetime(2026, 12, 8, 2, tzinfo=dt.UTC))  # a week after
    with pytest.raises(DomainError, match="event_not_today"):
        prospects.meet_at_event(branch.ws("wang"), event_id, "钱七", "13912345678", consent=True)
    assert prospects.mine(branch.ws("wang")) == []
