"""A client who may no longer be called (do not call, or a number found wrong), whatever records it: an ordinary
call's outcome, another event's invitation call, the client's page. Their pending invitation and reminder calls are
closed in the same write (never left in a queue that will not offer them), the invitation still waiting for an
answer ends declined, an acceptance stands; the event's results count them so; an undo of the outcome puts all of
it back. On SQLite and PostgreSQL.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the event is on Tuesday 1 December at 14:00.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from csm_tui.domain.enums import Disposition, InviteStatus, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Client
from csm_tui.services.calls import outcomes
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.clients import client_detail
from csm_tui.services.events import day, planning, results
from csm_tui.services.ports import ConcurrentEdit
from storage.orm import TaskRow
from tests.support.events_branch import NOW, Branch, event, invited

DEC_2 = dt.datetime(2026, 12, 2, 6, tzinfo=dt.UTC)  # Wednesday 14:00 in Shanghai: a second event


def status(branch: Branch, event_id: int, name: str = "甲") -> InviteStatus:
    listing = day.door_list(branch.ws("sup"), event_id)
    return next(i.status for i in listing.invitees if i.client_id == branch.clients[name])


def event_calls(branch: Branch, name: str = "甲") -> list[tuple[TaskKind, TaskStatus]]:
    query = select(TaskRow.kind, TaskRow.status).where(
        TaskRow.client_id == branch.clients[name], TaskRow.origin == TaskOrigin.EVENT
    )
    with branch.factory() as tx:
        return [(TaskKind(k), TaskStatus(s)) for k, s in tx.session.execute(query.order_by(TaskRow.id))]


def client_of(branch: Branch, login: str, name: str = "甲") -> Client:
    with branch.factory.acting_as(branch.staff[login])() as tx:
        return tx.clients.get(branch.clients[name])


@pytest.mark.parametrize("outcome", [Disposition.DO_NOT_CALL, Disposition.WRONG_NUMBER])
def test_an_ordinary_call_ending_uncallable_closes_the_pending_invitation_call_and_declines_it(
    branch: Branch, outcome: Disposition
) -> None:
    event_id, task_id = invited(branch)
    receipt = outcomes.record(branch.ws("wang"), branch.clients["甲"], outcomes.Outcome(outcome), started_at=NOW)
    assert status(branch, event_id) is InviteStatus.DECLINED
    assert event_calls(branch) == [(TaskKind.EVENT_INVITE, TaskStatus.CANCELLED)]
    assert all(i.client_id != branch.clients["甲"] for i in today_queue(branch.ws("wang")))
    got = results.results(branch.ws("sup"), event_id)
    assert (got.invited, got.accepted) == (1, 0)
    assert task_id in receipt.closed_tasks

    outcomes.undo(branch.ws("wang"), receipt)  # the outcome taken back: the invitation pending again, its call open
    assert status(branch, event_id) is InviteStatus.INVITED
    assert event_calls(branch) == [(TaskKind.EVENT_INVITE, TaskStatus.OPEN)]


def test_an_acceptance_stands_when_the_number_is_found_wrong_and_only_its_reminder_is_closed(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    outcomes.record(branch.ws("wang"), branch.clients["甲"], outcomes.Outcome(Disposition.WRONG_NUMBER), started_at=NOW)
    assert status(branch, event_id) is InviteStatus.ACCEPTED
    assert (TaskKind.EVENT_REMINDER, TaskStatus.CANCELLED) in event_calls(branch)
    assert (TaskKind.EVENT_REMINDER, TaskStatus.OPEN) not in event_calls(branch)
    got = results.results(branch.ws("sup"), event_id)
    assert (got.invited, got.accepted) == (1, 1)


def test_do_not_call_on_one_events_invitation_closes_the_clients_invitation_to_another(branch: Branch) -> None:
    first, task_id = invited(branch)
    second = event(branch, starts_at=DEC_2)
    planning.invite_clients(branch.ws("sup"), second, [branch.clients["甲"]])
    planning.answer_call(branch.ws("wang"), task_id, Disposition.DO_NOT_CALL, started_at=NOW, note="请勿再来电")
    assert (status(branch, first), status(branch, second)) == (InviteStatus.DECLINED, InviteStatus.DECLINED)
    assert (TaskKind.EVENT_INVITE, TaskStatus.OPEN) not in event_calls(branch)
    assert results.results(branch.ws("sup"), second).accepted == 0


@pytest.mark.parametrize(("flag", "login"), [("phone_opt_out", "wang"), ("mobile_invalid", "sup")])
def test_the_clients_page_marking_them_uncallable_closes_the_pending_invitation_call(
    branch: Branch, flag: str, login: str
) -> None:
    event_id, _ = invited(branch)
    client_detail.edit(branch.ws(login), client_of(branch, login), **{flag: True})
    assert status(branch, event_id) is InviteStatus.DECLINED
    assert event_calls(branch) == [(TaskKind.EVENT_INVITE, TaskStatus.CANCELLED)]


def test_a_page_save_refused_closes_nothing(branch: Branch) -> None:
    """One transaction: a stale page (someone saved since) changes neither the flag nor the invitation."""
    event_id, _ = invited(branch)
    stale = client_of(branch, "wang")
    client_detail.edit(branch.ws("wang"), stale, note="来过网点")
    with pytest.raises((ConcurrentEdit, DomainError)):
        client_detail.edit(branch.ws("wang"), stale, phone_opt_out=True)
    assert status(branch, event_id) is InviteStatus.INVITED
    assert event_calls(branch) == [(TaskKind.EVENT_INVITE, TaskStatus.OPEN)]
    assert not client_of(branch, "wang").phone_opt_out
