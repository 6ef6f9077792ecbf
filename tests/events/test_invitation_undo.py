"""Taking back an invitation's answer (``planning.undo_answer``) on SQLite and PostgreSQL: on the day it was given,
by whoever gave it or their supervisor, audited; the call it answered open again, the calls it booked gone, its
contact removed, the status as the answers before it left it, and the event's results recounted at once.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the event is on Tuesday 1 December at 14:00.
"""

from __future__ import annotations

import datetime as dt

import pytest

from csm_tui.domain.enums import Disposition, InviteStatus, LeaveKind, TaskKind
from csm_tui.domain.errors import DomainError
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.events import day, planning, results
from csm_tui.services.leave import record_leave
from csm_tui.services.ports import AccessDenied
from tests.support.events_branch import EVENT_DAY, NOW, Branch, event, invitation_of, on_event_day
from tests.support.events_branch import invited as invited_call


def invited(branch: Branch, name: str = "甲", login: str = "wang") -> tuple[int, int, int]:
    """The event, the invitation of ``name`` (a client of ``login``) and its open call, made a minute ago."""
    event_id, task_id = invited_call(branch, name, login, ago=dt.timedelta(minutes=1))
    return event_id, invitation_of(branch, event_id, name), task_id


def status(branch: Branch, invitation_id: int) -> InviteStatus:
    with branch.factory() as tx:
        found = tx.events.invitation(invitation_id)
        assert found is not None
        return found.status


def contacts(branch: Branch, name: str) -> int:
    with branch.factory() as tx:
        return len(tx.contacts.for_client(branch.clients[name]))


def audited(branch: Branch, action: str) -> list[dict[str, object]]:
    with branch.factory() as tx:
        return [e.detail for e in tx.audit.recent(200) if e.action == action]


def test_an_acceptance_undone_reopens_the_call_drops_the_reminder_and_recounts_the_results(branch: Branch) -> None:
    event_id, invitation_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    assert results.results(branch.ws("sup"), event_id).accepted == 1
    back = planning.undo_answer(branch.ws("wang"), invitation_id)
    assert (back.status, back.answered_at) == (InviteStatus.INVITED, None)
    assert [(t.id, t.kind) for t in branch.tasks("甲")] == [(task_id, TaskKind.EVENT_INVITE)]  # the reminder gone
    assert contacts(branch, "甲") == 0
    assert results.results(branch.ws("sup"), event_id).accepted == 0
    [undone] = audited(branch, "event.unanswer")
    assert (undone["was"], undone["now"]) == ("accepted", "invited")
    planning.answer_call(branch.ws("wang"), task_id, Disposition.POLITE_DECLINE, started_at=NOW)  # answered again
    assert status(branch, invitation_id) is InviteStatus.DECLINED


def test_undoing_goes_back_one_answer_at_a_time(branch: Branch) -> None:
    """No answer, then accepted on the retry: the undo leaves it unanswered with the retry open again, and the
    next undo leaves it as invited, with its first call open."""
    _, invitation_id, task_id = invited(branch)
    dialled = dt.timedelta(minutes=3)  # each call began a few minutes before its answer was saved
    planning.answer_call(branch.ws("wang"), task_id, Disposition.NO_ANSWER, started_at=NOW - dialled)
    [retry] = branch.tasks("甲")
    branch.clock.set(NOW + dt.timedelta(hours=2))
    later = branch.clock.now().datetime - dialled
    planning.answer_call(branch.ws("wang"), retry.id, Disposition.INTERESTED, started_at=later)
    assert planning.undo_answer(branch.ws("wang"), invitation_id).status is InviteStatus.NO_ANSWER
    assert [t.id for t in branch.tasks("甲")] == [retry.id]
    assert planning.undo_answer(branch.ws("wang"), invitation_id).status is InviteStatus.INVITED
    assert [t.id for t in branch.tasks("甲")] == [task_id]
    with pytest.raises(DomainError, match="event_nothing_to_undo"):
        planning.undo_answer(branch.ws("wang"), invitation_id)


def test_a_call_back_undone_puts_the_call_back_where_it_was(branch: Branch) -> None:
    _, invitation_id, task_id = invited(branch)
    at = dt.datetime(2026, 11, 30, 7, tzinfo=dt.UTC)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.BUSY, started_at=NOW, at=at)
    planning.undo_answer(branch.ws("wang"), invitation_id)
    [call] = branch.tasks("甲")
    assert (call.id, call.due_on, call.due_at) == (task_id, NOW.date(), None)


def test_an_answer_given_on_the_events_list_is_undone_too(branch: Branch) -> None:
    """Answered on the list with no call open (declined, then the client rang back to accept): the call recorded
    with that answer goes with it."""
    event_id, invitation_id, _ = invited(branch)
    planning.answer(branch.ws("wang"), invitation_id, InviteStatus.DECLINED, started_at=NOW)
    branch.clock.set(NOW + dt.timedelta(hours=1))
    later = branch.clock.now().datetime
    planning.answer(branch.ws("wang"), invitation_id, InviteStatus.ACCEPTED, started_at=later)  # the client rang back
    assert planning.undo_answer(branch.ws("wang"), invitation_id).status is InviteStatus.DECLINED
    assert branch.tasks("甲") == [] and contacts(branch, "甲") == 1
    assert results.results(branch.ws("sup"), event_id).accepted == 0


def test_the_supervisor_of_whoever_answered_may_undo_and_no_other_csm(branch: Branch) -> None:
    _, invitation_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    for login in ("li", "lobby"):
        with pytest.raises(AccessDenied):
            planning.undo_answer(branch.ws(login), invitation_id)
    assert status(branch, invitation_id) is InviteStatus.ACCEPTED
    assert planning.undo_answer(branch.ws("sup"), invitation_id).status is InviteStatus.INVITED


def test_a_cover_undoes_the_answer_they_gave_and_the_absent_csm_cannot_from_away(branch: Branch) -> None:
    _, invitation_id, task_id = invited(branch, "乙", "li")
    record_leave(
        branch.ws("li"), branch.staff["li"].id, NOW.date(), EVENT_DAY, LeaveKind.ANNUAL, branch.staff["wang"].id
    )
    planning.answer_call(branch.ws("wang"), task_id, Disposition.POLITE_DECLINE, started_at=NOW)
    with pytest.raises(AccessDenied):
        planning.undo_answer(branch.ws("li"), invitation_id)  # not the one who answered, nor their supervisor
    assert planning.undo_answer(branch.ws("wang"), invitation_id).status is InviteStatus.INVITED
    assert [t.id for t in branch.tasks("乙")] == [task_id]


def test_an_answer_is_undone_on_its_day_only(branch: Branch) -> None:
    _, invitation_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.POLITE_DECLINE, started_at=NOW)
    branch.clock.set(dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC))
    with pytest.raises(DomainError, match="event_undo_too_late"):
        planning.undo_answer(branch.ws("wang"), invitation_id)
    assert status(branch, invitation_id) is InviteStatus.DECLINED


def test_an_answer_whose_booked_call_was_made_since_stands(branch: Branch) -> None:
    _, invitation_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.NO_ANSWER, started_at=NOW)
    [retry] = branch.tasks("甲")
    with branch.factory(write=True) as tx:  # the retry closed by hand meanwhile
        tx.tasks.close(retry.id, retry.status.DONE, NOW)
        tx.commit()
    with pytest.raises(DomainError, match="event_undo_called_since"):
        planning.undo_answer(branch.ws("wang"), invitation_id)
    assert status(branch, invitation_id) is InviteStatus.NO_ANSWER


@pytest.mark.parametrize("outcome", [Disposition.WRONG_NUMBER, Disposition.DO_NOT_CALL])
def test_a_wrong_number_or_do_not_call_is_not_undone_here(branch: Branch, outcome: Disposition) -> None:
    _, invitation_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, outcome, started_at=NOW)
    with pytest.raises(DomainError, match="event_undo_flagged"):
        planning.undo_answer(branch.ws("wang"), invitation_id)
    assert status(branch, invitation_id) is InviteStatus.DECLINED


def test_the_attendees_follow_up_call_is_no_answer_to_the_invitation(branch: Branch) -> None:
    """The follow-up after the event is recorded as an ordinary call: it is neither undone here nor counted among
    the invitation's answers (the acceptance, given on Friday, is past its day)."""
    event_id, invitation_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    on_event_day(branch)
    day.check_in(branch.ws("lobby"), event_id, invitation_id)
    branch.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # Wednesday: the follow-up's day
    [follow_up] = [t for t in branch.tasks("甲") if t.kind is TaskKind.EVENT_FOLLOW_UP]
    now = branch.clock.now().datetime
    record(
        branch.ws("wang"), branch.clients["甲"], Outcome(Disposition.INTERESTED), task_id=follow_up.id, started_at=now
    )
    with branch.factory() as tx:
        assert [a.disposition for a in tx.events.answers(invitation_id)] == [Disposition.INTERESTED]
        assert len(tx.contacts.for_client(branch.clients["甲"])) == 2
    with pytest.raises(DomainError, match="event_undo_too_late"):
        planning.undo_answer(branch.ws("wang"), invitation_id)
    assert results.results(branch.ws("sup"), event_id).followed_up == 1


def test_a_walk_in_has_no_invitation_to_answer(branch: Branch) -> None:
    branch.client("乙", "wang")
    event_id = event(branch)
    on_event_day(branch)
    day.walk_in(branch.ws("lobby"), event_id, "C0001")
    walked_in = invitation_of(branch, event_id, "乙")
    now = branch.clock.now().datetime
    with pytest.raises(DomainError, match="event_walk_in_not_invited"):
        planning.answer(branch.ws("wang"), walked_in, InviteStatus.ACCEPTED, started_at=now)
    assert status(branch, walked_in) is InviteStatus.WALK_IN
    assert results.results(branch.ws("sup"), event_id).invited == 0
