"""Every key of the call session on an invitation's or reminder's call, through the services on SQLite and
PostgreSQL: the invitation and its calls never contradict each other (a pending invitation has its one call while
the event's day is ahead, an accepted one no invitation call, a declined one none at all). Wrong number and do not
call end the invitation (declined, as the bank's list records an invitee it cannot reach) and flag the client as on
any call; a busy client's call moves to the time asked; a meeting, a purchase or a 回访 is no answer to an invitation;
the generic outcome service refuses an invitation's call; a skip or a snooze keeps the invitation and moves its call,
never past the event's day.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the event is on Tuesday 1 December at 14:00.
"""

from __future__ import annotations

import datetime as dt

import pytest

from csm_tui.domain.enums import Disposition, InviteStatus, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Task
from csm_tui.services.calls.outcomes import Outcome, SkipReason, record, skip, snooze
from csm_tui.services.calls.queue import QueueItem, today_queue
from csm_tui.services.events import planning
from tests.support.events_branch import NOW, Branch, invitation_of, invited

MONDAY = dt.date(2026, 11, 30)
INVITATION_CALLS = (TaskKind.EVENT_INVITE, TaskKind.EVENT_REMINDER)


def status(branch: Branch, event_id: int, name: str) -> InviteStatus:
    with branch.factory() as tx:
        found = tx.events.invitation(invitation_of(branch, event_id, name))
        assert found is not None
        return found.status


def calls(branch: Branch, name: str) -> list[Task]:
    return [t for t in branch.tasks(name) if t.origin is TaskOrigin.EVENT and t.kind in INVITATION_CALLS]


def assert_agree(branch: Branch, event_id: int, name: str) -> None:
    """The invitation and its open calls say the same thing."""
    now = status(branch, event_id, name)
    kinds = [t.kind for t in calls(branch, name)]
    if now is InviteStatus.DECLINED:
        assert kinds == []
    elif now is InviteStatus.ACCEPTED:
        assert TaskKind.EVENT_INVITE not in kinds and len(kinds) <= 1
    else:
        assert kinds in ([TaskKind.EVENT_INVITE], [])


def contacts(branch: Branch, name: str) -> list[Disposition]:
    with branch.factory() as tx:
        return [c.disposition for c in tx.contacts.for_client(branch.clients[name])]


def item_of(branch: Branch, login: str, name: str) -> QueueItem:
    return next(i for i in today_queue(branch.ws(login)) if i.client_id == branch.clients[name])


@pytest.mark.parametrize("outcome", [Disposition.FIRM_DECLINE, Disposition.POLITE_DECLINE])
def test_a_decline_firm_or_polite_ends_the_invitation_and_its_call(branch: Branch, outcome: Disposition) -> None:
    event_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, outcome, started_at=NOW)
    assert status(branch, event_id, "甲") is InviteStatus.DECLINED
    assert branch.tasks("甲") == []
    assert contacts(branch, "甲") == [outcome]  # the contact keeps what the client said


def test_do_not_call_declines_the_invitation_and_opts_the_client_out_of_calls(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.DO_NOT_CALL, started_at=NOW)
    assert status(branch, event_id, "甲") is InviteStatus.DECLINED
    assert branch.tasks("甲") == []
    with branch.factory() as tx:
        assert tx.clients.get(branch.clients["甲"]).phone_opt_out


def test_a_wrong_number_ends_the_invitation_unreached_and_the_number_is_to_be_verified(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.WRONG_NUMBER, started_at=NOW)
    assert status(branch, event_id, "甲") is InviteStatus.DECLINED
    assert calls(branch, "甲") == []
    [verify] = branch.tasks("甲")
    assert (verify.kind, verify.staff_id, verify.due_on) == (
        TaskKind.VERIFY_NUMBER,
        branch.staff["wang"].id,
        NOW.date(),
    )
    with branch.factory() as tx:
        assert tx.clients.get(branch.clients["甲"]).mobile_invalid
    assert contacts(branch, "甲") == [Disposition.WRONG_NUMBER]


def test_a_busy_client_is_called_back_at_the_time_asked_and_the_invitation_stays_pending(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    at = dt.datetime(2026, 11, 30, 7, tzinfo=dt.UTC)  # Monday 15:00
    planning.answer_call(branch.ws("wang"), task_id, Disposition.BUSY, started_at=NOW, at=at)
    assert status(branch, event_id, "甲") is InviteStatus.INVITED
    [call] = calls(branch, "甲")
    assert (call.kind, call.due_on, call.due_at) == (TaskKind.EVENT_INVITE, MONDAY, at)
    assert_agree(branch, event_id, "甲")


def test_a_call_back_on_or_after_the_events_day_is_refused_and_nothing_is_written(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    at = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)  # the event's morning
    with pytest.raises(DomainError, match="event_call_too_late"):
        planning.answer_call(branch.ws("wang"), task_id, Disposition.BUSY, started_at=NOW, at=at)
    with pytest.raises(DomainError, match="time_required"):
        planning.answer_call(branch.ws("wang"), task_id, Disposition.BUSY, started_at=NOW)
    assert [t.id for t in branch.tasks("甲")] == [task_id]
    assert status(branch, event_id, "甲") is InviteStatus.INVITED and contacts(branch, "甲") == []


@pytest.mark.parametrize("outcome", [Disposition.APPOINTMENT, Disposition.AGREED_TO_BUY, Disposition.SERVICE_DONE])
def test_a_meeting_a_purchase_or_a_service_call_is_no_answer_to_an_invitation(
    branch: Branch, outcome: Disposition
) -> None:
    _, task_id = invited(branch)
    with pytest.raises(DomainError, match="event_answer_unknown"):
        planning.answer_call(branch.ws("wang"), task_id, outcome, started_at=NOW)
    assert [t.id for t in branch.tasks("甲")] == [task_id] and contacts(branch, "甲") == []


@pytest.mark.parametrize("outcome", [Disposition.FIRM_DECLINE, Disposition.WRONG_NUMBER, Disposition.INTERESTED])
def test_the_generic_outcome_service_refuses_an_invitations_call(branch: Branch, outcome: Disposition) -> None:
    """From the hostile side: the call recorded past the events service would close the call and leave the
    invitation pending with nothing to call it."""
    event_id, task_id = invited(branch)
    with pytest.raises(DomainError, match="event_call_is_invitation"):
        record(branch.ws("wang"), branch.clients["甲"], Outcome(outcome), task_id=task_id, started_at=NOW)
    assert [t.id for t in branch.tasks("甲")] == [task_id] and contacts(branch, "甲") == []
    assert status(branch, event_id, "甲") is InviteStatus.INVITED


def test_no_answer_on_the_reminder_keeps_the_acceptance_and_tries_the_reminder_again(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    [reminder] = calls(branch, "甲")
    branch.clock.set(dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC))  # Monday 10:00, the reminder's day
    now = branch.clock.now().datetime
    planning.answer_call(branch.ws("wang"), reminder.id, Disposition.NO_ANSWER, started_at=now)
    assert status(branch, event_id, "甲") is InviteStatus.ACCEPTED
    [again] = calls(branch, "甲")
    assert (again.kind, again.due_on) == (TaskKind.EVENT_REMINDER, MONDAY)
    assert_agree(branch, event_id, "甲")


def test_a_skipped_invitation_call_is_called_again_the_next_working_day_and_stays_pending(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    skip(branch.ws("wang"), item_of(branch, "wang", "甲"), SkipReason.NOT_NOW)
    with branch.factory() as tx:
        skipped = tx.tasks.get(task_id)
        assert skipped is not None and skipped.status is TaskStatus.SKIPPED
    [call] = calls(branch, "甲")
    assert (call.kind, call.due_on, call.origin_id) == (TaskKind.EVENT_INVITE, MONDAY, skipped.origin_id)
    assert status(branch, event_id, "甲") is InviteStatus.INVITED
    branch.clock.set(dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC))  # Monday: the last day before the event's
    skip(branch.ws("wang"), item_of(branch, "wang", "甲"), SkipReason.NOT_NOW)
    assert calls(branch, "甲") == []  # no call on the event's day: pending, not reached in time, as for no answer
    assert status(branch, event_id, "甲") is InviteStatus.INVITED


def test_a_snoozed_invitation_call_moves_but_never_past_the_events_day(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    with pytest.raises(DomainError, match="event_call_too_late"):
        snooze(branch.ws("wang"), item_of(branch, "wang", "甲"), dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC))
    monday_9 = dt.datetime(2026, 11, 30, 1, tzinfo=dt.UTC)
    snooze(branch.ws("wang"), item_of(branch, "wang", "甲"), monday_9)
    [call] = calls(branch, "甲")
    assert (call.id, call.due_on, call.due_at) == (task_id, MONDAY, monday_9)
    assert status(branch, event_id, "甲") is InviteStatus.INVITED
