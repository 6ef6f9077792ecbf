"""Once an invitee is checked in, their invitation is settled: no answer taken afterwards (on the list or on a call)
says they declined or did not pick up while the list says they came, and the acceptance they came on is not taken
back."""

from __future__ import annotations

import pytest

from csm_tui.domain.enums import Disposition, InviteStatus, TaskKind
from csm_tui.domain.errors import DomainError
from csm_tui.services.events import day, planning, results
from tests.support.events_branch import Branch, event, invitation_of, on_event_day


def _came(branch: Branch, accepted: bool) -> tuple[int, int]:
    branch.client("甲", "wang")
    event_id = event(branch, capacity=5)
    planning.invite_clients(branch.ws("sup"), event_id, [branch.clients["甲"]])
    on_event_day(branch)
    invitation = invitation_of(branch, event_id, "甲")
    if accepted:
        planning.answer(branch.ws("wang"), invitation, InviteStatus.ACCEPTED, started_at=branch.clock.now().datetime)
    day.check_in(branch.ws("lobby"), event_id, invitation)
    return event_id, invitation


def test_an_invitation_is_not_answered_after_its_invitee_came(branch: Branch) -> None:
    event_id, invitation = _came(branch, accepted=False)
    now = branch.clock.now().datetime
    with pytest.raises(DomainError) as refused:
        planning.answer(branch.ws("wang"), invitation, InviteStatus.DECLINED, started_at=now)
    assert refused.value.code == "event_already_in"
    [call] = [t for t in branch.tasks("甲") if t.kind is TaskKind.EVENT_INVITE]
    with pytest.raises(DomainError, match="event_already_in"):
        planning.answer_call(branch.ws("wang"), call.id, Disposition.FIRM_DECLINE, started_at=now)
    [row] = day.door_list(branch.ws("sup"), event_id).invitees
    assert (row.status, row.attended) == (InviteStatus.INVITED, True)


def test_the_acceptance_an_invitee_came_on_is_not_undone(branch: Branch) -> None:
    event_id, invitation = _came(branch, accepted=True)
    with pytest.raises(DomainError, match="event_already_in"):
        planning.undo_answer(branch.ws("wang"), invitation)
    got = results.results(branch.ws("sup"), event_id)
    assert (got.invited, got.accepted, got.attended) == (1, 1, 1)
