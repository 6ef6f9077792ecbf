"""An invitation answered on its call (the call session's card), through ``planning.answer_call`` on SQLite and
PostgreSQL: the invitation read from the task inside the write transaction, the reminder and the cadence following
as for ``planning.answer``. From the hostile side: another CSM's or a supervisor's session answering for a client
not theirs, a colleague covering leave, a call answered already (a second session, a stale card), a task that is
not an invitation's, an event that is over.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the event is on Tuesday 1 December at 14:00.
"""

from __future__ import annotations

import datetime as dt

import pytest

from csm_tui.domain.enums import Disposition, Grade, InviteStatus, LeaveKind, Role, TaskKind
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewStaff, NewTask
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.events import day, planning
from csm_tui.services.leave import record_leave
from csm_tui.services.ports import AccessDenied
from tests.support.events_branch import EVENT_DAY, NOW, Branch, event, invited


def status(branch: Branch, event_id: int, name: str) -> InviteStatus:
    listing = day.door_list(branch.ws("sup"), event_id)
    return next(i.status for i in listing.invitees if i.client_id == branch.clients[name])


def test_accepting_on_the_invitation_call_sets_the_status_and_books_the_reminder(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    assert status(branch, event_id, "甲") is InviteStatus.ACCEPTED
    [reminder] = branch.tasks("甲")
    assert (reminder.kind, reminder.due_on) == (TaskKind.EVENT_REMINDER, dt.date(2026, 11, 30))


def test_no_answer_on_the_call_keeps_calling_by_the_cadence(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.NO_ANSWER, started_at=NOW)
    assert status(branch, event_id, "甲") is InviteStatus.NO_ANSWER
    [retry] = branch.tasks("甲")
    assert (retry.kind, retry.due_at) == (TaskKind.EVENT_INVITE, NOW + dt.timedelta(hours=2))
    planning.answer_call(branch.ws("wang"), retry.id, Disposition.POLITE_DECLINE, started_at=NOW)
    assert status(branch, event_id, "甲") is InviteStatus.DECLINED
    assert branch.tasks("甲") == []


def test_the_reminder_call_may_still_be_declined(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    [reminder] = branch.tasks("甲")
    branch.clock.set(dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC))  # Monday 10:00, the reminder's day
    planning.answer_call(
        branch.ws("wang"), reminder.id, Disposition.POLITE_DECLINE, started_at=branch.clock.now().datetime
    )
    assert status(branch, event_id, "甲") is InviteStatus.DECLINED
    assert branch.tasks("甲") == []


def test_a_call_answered_already_is_not_answered_again(branch: Branch) -> None:
    """A second session (or a stale card) answering the same call: refused, nothing written twice."""
    event_id, task_id = invited(branch)
    planning.answer_call(branch.ws("wang"), task_id, Disposition.POLITE_DECLINE, started_at=NOW)
    with pytest.raises(DomainError, match="event_answer_settled"):
        planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    assert status(branch, event_id, "甲") is InviteStatus.DECLINED
    with branch.factory() as tx:
        assert len(tx.contacts.for_client(branch.clients["甲"])) == 1


@pytest.mark.parametrize("login", ["li", "sup"])
def test_no_one_but_the_clients_own_manager_answers_on_the_call(branch: Branch, login: str) -> None:
    event_id, task_id = invited(branch)
    with pytest.raises((AccessDenied, DomainError)):
        planning.answer_call(branch.ws(login), task_id, Disposition.INTERESTED, started_at=NOW)
    assert status(branch, event_id, "甲") is InviteStatus.INVITED
    assert [t.id for t in branch.tasks("甲")] == [task_id]


def test_a_colleague_covering_leave_is_offered_the_invitees_call_and_answers_it_for_the_absent_csm(
    branch: Branch,
) -> None:
    """The access rules: a cover makes the absent CSM's calls, records their outcome and its follow-ups; the client
    and the invitation stay the CSM's. The cover's queue offers the call, and the service takes the answer."""
    event_id, task_id = invited(branch, "乙", "li")
    record_leave(
        branch.ws("li"), branch.staff["li"].id, NOW.date(), EVENT_DAY, LeaveKind.ANNUAL, branch.staff["wang"].id
    )
    [offered] = [i for i in today_queue(branch.ws("wang")) if i.client_id == branch.clients["乙"]]
    assert (offered.main.task_id, offered.cover_for) == (task_id, "李娜")
    planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    assert status(branch, event_id, "乙") is InviteStatus.ACCEPTED
    [reminder] = branch.tasks("乙")
    assert (reminder.kind, reminder.staff_id) == (TaskKind.EVENT_REMINDER, branch.staff["li"].id)  # still li's
    with branch.factory() as tx:
        [contact] = tx.contacts.for_client(branch.clients["乙"])
    assert contact.staff_id == branch.staff["wang"].id  # the call is credited to whoever made it


def test_a_colleague_not_covering_is_neither_offered_nor_may_answer_the_invitees_call(branch: Branch) -> None:
    """Not covering (no leave, or after it ended): the queue does not offer the call and the service refuses it."""
    event_id, task_id = invited(branch, "乙", "li")
    assert branch.clients["乙"] not in {i.client_id for i in today_queue(branch.ws("wang"))}
    with pytest.raises((AccessDenied, DomainError)):
        planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    record_leave(
        branch.ws("li"), branch.staff["li"].id, NOW.date(), NOW.date(), LeaveKind.ANNUAL, branch.staff["wang"].id
    )
    branch.clock.set(dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC))  # Monday: li is back
    assert branch.clients["乙"] not in {i.client_id for i in today_queue(branch.ws("wang"))}
    with pytest.raises((AccessDenied, DomainError)):
        planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=NOW)
    assert status(branch, event_id, "乙") is InviteStatus.INVITED


def test_a_task_that_is_not_an_invitations_call_is_refused(branch: Branch) -> None:
    mine = branch.client("甲", "wang")
    with branch.factory(write=True) as tx:
        task = tx.tasks.add(
            NewTask(
                client_id=mine, staff_id=branch.staff["wang"].id, kind=TaskKind.FOLLOW_UP, due_on=NOW.date(),
                created_at=NOW,
            )
        )  # fmt: skip
        tx.commit()
    with pytest.raises(DomainError, match="event_answer_no_invitation"):
        planning.answer_call(branch.ws("wang"), task.id, Disposition.INTERESTED, started_at=NOW)
    assert [t.id for t in branch.tasks("甲")] == [task.id]


def test_no_answer_on_a_call_once_the_event_is_over(branch: Branch) -> None:
    event_id, task_id = invited(branch)
    branch.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # the day after
    with pytest.raises(DomainError, match="event_over"):
        planning.answer_call(branch.ws("wang"), task_id, Disposition.INTERESTED, started_at=branch.clock.now().datetime)
    assert status(branch, event_id, "甲") is InviteStatus.INVITED


def test_the_answer_on_the_call_is_one_of_the_three(branch: Branch) -> None:
    _, task_id = invited(branch)
    with pytest.raises(DomainError, match="event_answer_unknown"):
        planning.answer_call(branch.ws("wang"), task_id, Disposition.APPOINTMENT, started_at=NOW)
    assert [t.id for t in branch.tasks("甲")] == [task_id]


# --- invited by hand from the event screen: whom the picker offers ---------------------------------------------------


def test_a_csm_picks_only_own_clients_by_name_initials_or_number(branch: Branch) -> None:
    mine = branch.client("张三", "wang")
    branch.client("张四", "li")
    assert [r.id for r in planning.invitable(branch.ws("wang"), "张")] == [mine]
    assert [r.id for r in planning.invitable(branch.ws("wang"), "zs")] == [mine]
    assert [r.id for r in planning.invitable(branch.ws("wang"), "C0001")] == [mine]
    assert planning.invitable(branch.ws("wang"), " ") == []


def test_a_supervisor_picks_the_teams_clients_and_invites_them_into_their_managers_queues(branch: Branch) -> None:
    ids = {branch.client("张三", "wang"), branch.client("张四", "li")}
    found = planning.invitable(branch.ws("sup"), "张")
    assert {r.id for r in found} == ids
    event_id = event(branch)
    assert planning.invite_clients(branch.ws("sup"), event_id, [r.id for r in found]) == 2
    assert [t.staff_id for t in branch.tasks("张四")] == [branch.staff["li"].id]


def test_a_supervisor_picks_and_invites_only_the_clients_of_the_teams_csms(branch: Branch) -> None:
    """Another team's CSM's client (and a client with no manager) is never offered, and the service refuses them
    however the id is passed."""
    with branch.factory(write=True) as tx:
        other = tx.staff.add(NewStaff(login="sup2", name="刘主管", role=Role.SUPERVISOR))
        zhou = tx.staff.add(NewStaff(login="zhou", name="周敏", role=Role.CSM, grade=Grade.CSM, supervisor_id=other.id))
        tx.commit()
    branch.staff["zhou"] = zhou
    team = {branch.client("张三", "wang"), branch.client("张四", "li")}
    theirs = branch.client("张五", "zhou")
    nobodys = branch.client("张六", None)
    assert {r.id for r in planning.invitable(branch.ws("sup"), "张")} == team
    assert {r.id for r in planning.invitable(branch.ws("sup"), "zw")} == set()
    assert {r.id for r in planning.invitable(branch.ws("sup"), "C000")} == team
    event_id = event(branch)
    for client_id in (theirs, nobodys):
        with pytest.raises(AccessDenied):
            planning.invite_clients(branch.ws("sup"), event_id, [*team, client_id])
    assert branch.tasks("张三") == [] and branch.tasks("张五") == []  # the whole pick refused, nothing written
