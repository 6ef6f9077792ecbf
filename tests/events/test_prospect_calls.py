"""Calls to prospects on SQLite and PostgreSQL: a first call in their own CSM's queue the working day after they
were taken, retries and follow-ups by the cadence, the calls stopped by "not interested", "do not call" (the
consent withdrawn, purged at the next purge) and a wrong number; the list per CSM with mobiles masked to the
supervisor; the history kept when an import converts the prospect (the introducer credited); the purge deleting
the calls with the prospects, counted in the audit with no personal data. From the hostile side: another CSM, the
supervisor, a second session after the consent was withdrawn, a call saved twice, a forbidden phrase in a note."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect

from csm_tui.clock import BranchTime
from csm_tui.domain.enums import PROSPECT_STOPS, ProspectCallKind, ProspectOutcome
from csm_tui.domain.errors import DomainError
from csm_tui.policy import Policy
from csm_tui.rules.cadence import Cadence
from csm_tui.rules.prospect_calls import after_call
from csm_tui.services.calls import prospect_calls
from csm_tui.services.calls.queue import today_calls
from csm_tui.services.clients import client_detail
from csm_tui.services.events import prospects
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.phrase_check import ForbiddenPhrases
from csm_tui.services.ports import AccessDenied
from storage.migrate import upgrade
from tests.support.events_branch import TZ, Branch
from tests.support.files import HEADER_ZH, VALID_IDS, write_csv

MONDAY = dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai, the working day after Friday


def introduced(branch: Branch, name: str = "钱七", mobile: str = "13912345678", **more: object) -> int:
    introducer = branch.clients.get("甲") or branch.client("甲", "wang")
    return prospects.introduced(branch.ws("wang"), introducer, name, mobile, consent=True, **more).id  # type: ignore[arg-type]


def due(branch: Branch, login: str = "wang") -> list[tuple[int, ProspectCallKind]]:
    return [(c.prospect_id, c.kind) for c in today_calls(branch.ws(login))[1]]


def test_a_prospect_taken_gets_a_first_call_in_their_own_csms_queue_the_next_working_day(branch: Branch) -> None:
    taken = introduced(branch)
    assert due(branch) == []  # taken today: called from the next working day
    branch.clock.set(MONDAY)
    assert due(branch) == [(taken, ProspectCallKind.FIRST_CALL)]
    assert due(branch, "li") == []
    assert [c.prospect_id for c in prospect_calls.due(branch.ws("wang"))] == [taken]


def test_no_answer_is_retried_and_a_reached_prospect_is_followed_up(branch: Branch) -> None:
    taken = introduced(branch)
    branch.clock.set(MONDAY)
    [call] = today_calls(branch.ws("wang"))[1]
    prospect_calls.record(branch.ws("wang"), taken, ProspectOutcome.NO_ANSWER, task_id=call.task_id)
    [retry] = today_calls(branch.ws("wang"))[1]
    assert (retry.kind, retry.due_on) == (ProspectCallKind.RETRY, MONDAY.date())
    assert retry.due_at is not None and retry.due_at > MONDAY
    with pytest.raises(DomainError, match="prospect_call_done"):  # the first call, saved again from a stale card
        prospect_calls.record(branch.ws("wang"), taken, ProspectOutcome.NO_ANSWER, task_id=call.task_id)
    prospect_calls.record(branch.ws("wang"), taken, ProspectOutcome.REACHED, "愿意来网点开户", task_id=retry.task_id)
    assert due(branch) == []
    [line] = prospects.listing(branch.ws("wang"))
    assert line.next_call_on is not None and line.next_call_on > MONDAY.date()
    assert line.last_contact_at == MONDAY
    history = prospects.view(branch.ws("wang")).histories.get(taken, [])
    assert [(h.outcome, h.note) for h in history] == [
        (ProspectOutcome.REACHED, "愿意来网点开户"), (ProspectOutcome.NO_ANSWER, ""),
    ]  # fmt: skip


@pytest.mark.parametrize("outcome", sorted(PROSPECT_STOPS))
def test_not_interested_do_not_call_and_a_wrong_number_stop_the_calls(branch: Branch, outcome: ProspectOutcome) -> None:
    taken = introduced(branch)
    branch.clock.set(MONDAY)
    prospect_calls.record(branch.ws("wang"), taken, outcome)
    assert due(branch) == []
    [line] = prospects.listing(branch.ws("wang"))
    assert (line.stopped, line.next_call_on) == (outcome, None)
    with pytest.raises(DomainError, match="prospect_calls_stopped"):
        prospect_calls.record(branch.ws("wang"), taken, ProspectOutcome.REACHED)


def test_taken_twice_is_no_calls_outcome_the_service_refuses_it_and_writes_nothing(branch: Branch) -> None:
    """Only the migration that left a person to the CSM who took them first stops calls as "taken twice"."""
    taken = introduced(branch)
    branch.clock.set(MONDAY)
    with pytest.raises(DomainError, match="prospect_invalid"):
        prospect_calls.record(branch.ws("wang"), taken, ProspectOutcome.TAKEN_TWICE)
    [line] = prospects.listing(branch.ws("wang"))
    assert line.stopped is None and len(due(branch)) == 1
    assert prospects.view(branch.ws("wang")).histories.get(taken, []) == []


def test_a_withdrawn_consent_stops_a_call_saved_from_a_second_session(branch: Branch) -> None:
    """Two desks have the card open; one records "do not call": the other's save is refused in its transaction."""
    taken = introduced(branch)
    branch.clock.set(MONDAY)
    [call] = today_calls(branch.ws("wang"))[1]  # the second desk read this before
    prospect_calls.record(branch.ws("wang"), taken, ProspectOutcome.DO_NOT_CALL, task_id=call.task_id)
    with pytest.raises(DomainError, match="prospect_calls_stopped"):
        prospect_calls.record(branch.ws("wang"), taken, ProspectOutcome.REACHED, task_id=call.task_id)
    assert len(prospects.view(branch.ws("wang")).histories.get(taken, [])) == 1


def test_only_the_prospects_own_csm_calls_them_and_the_supervisor_sees_the_mobile_masked(branch: Branch) -> None:
    taken = introduced(branch)
    branch.clock.set(MONDAY)
    for login in ("li", "sup", "admin"):
        with pytest.raises(AccessDenied):
            prospect_calls.record(branch.ws(login), taken, ProspectOutcome.REACHED)
    with pytest.raises(AccessDenied):
        prospects.listing(branch.ws("li"), branch.staff["wang"].id)
    with pytest.raises(AccessDenied):
        prospect_calls.card(branch.ws("li"), taken)
    [own] = prospects.listing(branch.ws("wang"))
    [seen] = prospects.listing(branch.ws("sup"), branch.staff["wang"].id)
    assert own.mobile == "13912345678" and seen.mobile != own.mobile and "5678" in seen.mobile
    assert (own.introducer, seen.introducer) == ("甲", "甲")
    assert prospect_calls.card(branch.ws("sup"), taken).line.mobile == seen.mobile
    assert prospects.view(branch.ws("wang")).histories.get(taken, []) == []


def test_an_introduction_with_a_forbidden_phrase_in_its_note_is_refused_and_keeps_nothing(branch: Branch) -> None:
    introducer = branch.client("甲", "wang")
    phrase = Policy().compliance.forbidden_phrases[0]
    with pytest.raises(ForbiddenPhrases):
        prospects.introduced(branch.ws("wang"), introducer, "钱七", "13912345678", True, note=f"她说{phrase}")
    assert prospects.listing(branch.ws("wang")) == []
    with pytest.raises(DomainError, match="prospect_consent"):
        prospects.introduced(branch.ws("wang"), introducer, "钱七", "13912345678", False)


def test_an_import_converting_a_prospect_keeps_their_calls_and_credits_the_introducer(
    branch: Branch, tmp_path: Path
) -> None:
    taken = introduced(branch)
    branch.clock.set(MONDAY)
    prospect_calls.record(branch.ws("wang"), taken, ProspectOutcome.REACHED, "下周来开户")
    rows = [["C0100", "钱七", VALID_IDS[0], "13912345678", ""]]
    import_file(branch.ws("admin"), ImportKind.CLIENTS, write_csv(tmp_path / "c.csv", [HEADER_ZH, *rows]))
    with branch.factory() as tx:
        client_id = tx.clients.id_of("C0100")
    [line] = prospects.listing(branch.ws("wang"))
    assert (line.converted_client_id, line.introducer, line.next_call_on) == (client_id, "甲", None)
    assert [h.note for h in client_detail.load(branch.ws("admin"), client_id).prospect_calls] == ["下周来开户"]
    branch.clock.set(MONDAY + dt.timedelta(days=30))
    assert due(branch) == []  # a client now: the prospect's calls are cancelled
    with pytest.raises(DomainError, match="prospect_converted"):
        prospect_calls.record(branch.ws("wang"), taken, ProspectOutcome.REACHED)


def test_the_purge_deletes_the_calls_made_and_due_with_the_prospects_counted_without_personal_data(
    branch: Branch,
) -> None:
    old = introduced(branch, "钱七", "13912345678")
    branch.clock.set(MONDAY)
    prospect_calls.record(branch.ws("wang"), old, ProspectOutcome.NO_ANSWER)
    withdrawn = introduced(branch, "孙八", "13987654321")
    prospect_calls.record(branch.ws("wang"), withdrawn, ProspectOutcome.DO_NOT_CALL, "不要再打")
    branch.clock.set(MONDAY + dt.timedelta(days=370))  # both past the retention
    assert prospects.purge(branch.factory, BranchTime(branch.clock, TZ), Policy()) == 2
    assert prospects.listing(branch.ws("wang")) == []
    with branch.factory() as tx:
        [entry] = [e for e in tx.audit.recent(100) if e.action == "prospects.purge"]
        left = tx.prospects.due_calls(branch.staff["wang"].id, MONDAY.date() + dt.timedelta(days=400))
    assert (entry.detail["count"], entry.detail["contacts"], entry.detail["tasks"]) == (2, 2, 3)
    assert left == []
    assert not any(text in str(entry.detail) for text in ("钱七", "孙八", "5678", "4321", "不要再打"))


def test_a_withdrawn_consent_is_purged_before_the_retention(branch: Branch) -> None:
    withdrawn = introduced(branch, "孙八", "13987654321")
    kept = introduced(branch, "周九", "13900001111")
    branch.clock.set(MONDAY)
    prospect_calls.record(branch.ws("wang"), withdrawn, ProspectOutcome.DO_NOT_CALL)
    assert prospects.purge(branch.factory, BranchTime(branch.clock, TZ), Policy()) == 1
    assert [line.id for line in prospects.listing(branch.ws("wang"))] == [kept]


@given(
    outcome=st.sampled_from([o for o in ProspectOutcome if o is not ProspectOutcome.TAKEN_TWICE]),
    minutes=st.integers(min_value=0, max_value=7 * 24 * 60),
    no_answers=st.integers(min_value=0, max_value=5),
)
def test_the_prospect_cadence_stops_on_a_stop_and_otherwise_calls_on_a_working_day_ahead(
    outcome: ProspectOutcome, minutes: int, no_answers: int
) -> None:
    cadence = Cadence(Policy())
    now = MONDAY + dt.timedelta(minutes=minutes)
    nxt = after_call(cadence, outcome, now, no_answers)
    if outcome in PROSPECT_STOPS:
        assert nxt is None
        return
    assert nxt is not None
    today = cadence.local(now).date()
    assert nxt.due_on >= today and Policy().calendar.is_working_day(nxt.due_on)
    if nxt.due_at is not None:
        assert nxt.kind is ProspectCallKind.RETRY and nxt.due_at > now and nxt.due_on == today
    if outcome is ProspectOutcome.REACHED:
        assert nxt.kind is ProspectCallKind.FOLLOW_UP and nxt.due_on > today


def test_migration_0017_gives_the_prospects_already_taken_their_first_call_and_goes_back_cleanly(
    branch: Branch, engine: Engine
) -> None:
    """A branch that took prospects before 0017: going down to 0016 drops their calls; back up, each prospect who
    may still be called has a first call, due the day they were taken, in their CSM's queue."""
    from alembic import command

    from storage.migrate import _config

    taken = introduced(branch)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0016")
    assert "prospect_tasks" not in inspect(engine).get_table_names()
    upgrade(engine)
    branch.clock.set(MONDAY)
    assert due(branch) == [(taken, ProspectCallKind.FIRST_CALL)]
    [call] = today_calls(branch.ws("wang"))[1]
    assert call.due_on == dt.date(2026, 11, 27)
