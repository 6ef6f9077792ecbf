"""One invitation answered from two sessions at once, each on its own engine (two desks, two connections), on SQLite
and PostgreSQL: the second waits for the first and then fails cleanly with the reason, or sees the first — never a
lost answer, never two contacts for one call, never an invitee counted twice in the event's results.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the event is on Tuesday 1 December at 14:00.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from csm_tui.domain.enums import Disposition, InviteStatus, TaskKind
from csm_tui.services.events import planning, results
from csm_tui.services.workstation import Workstation
from tests.support.events_branch import NOW, Branch, event, invitation_of
from tests.support.races import at_once

NAMES = ("甲", "乙", "丙")


def invited(branch: Branch) -> int:
    for name in NAMES:
        branch.client(name, "wang")
    event_id = event(branch, capacity=10)
    planning.invite_clients(branch.ws("sup"), event_id, [branch.clients[n] for n in NAMES])
    return event_id


def contacts(branch: Branch, name: str) -> int:
    with branch.factory() as tx:
        return len(tx.contacts.for_client(branch.clients[name]))


def test_one_call_answered_at_two_desks_at_once_is_answered_once(
    branch: Branch, other_desk: Callable[[str], Workstation]
) -> None:
    """Accepted at one desk, declined at the other, on the same call: one answer stands, the other is refused as
    answered already; one contact; the results count the invitee once, as the answer that stood."""
    event_id = invited(branch)
    for name in NAMES:
        [call] = branch.tasks(name)
        came = at_once(
            [
                partial(planning.answer_call, branch.ws("wang"), call.id, Disposition.INTERESTED, started_at=NOW),
                partial(planning.answer_call, other_desk("wang"), call.id, Disposition.POLITE_DECLINE, started_at=NOW),
            ]
        )
        assert came == ["event_answer_settled", "saved"], name
        assert contacts(branch, name) == 1
    with branch.factory() as tx:
        statuses = [tx.events.invitation(invitation_of(branch, event_id, n)) for n in NAMES]
    accepted = [s for s in statuses if s is not None and s.status is InviteStatus.ACCEPTED]
    got = results.results(branch.ws("sup"), event_id)
    assert (got.invited, got.accepted) == (3, len(accepted))
    for name, answer in zip(NAMES, statuses, strict=True):
        kinds = [t.kind for t in branch.tasks(name)]
        assert answer is not None
        assert kinds == ([TaskKind.EVENT_REMINDER] if answer.status is InviteStatus.ACCEPTED else []), name


def test_two_desks_answering_on_the_list_at_once_keep_the_first_and_refuse_the_stale_one(
    branch: Branch, other_desk: Callable[[str], Workstation]
) -> None:
    """Both desks read the invitation as invited: the second to save is told it was answered meanwhile."""
    event_id = invited(branch)
    invitation_id = invitation_of(branch, event_id, "甲")
    came = at_once(
        [
            lambda: planning.answer(
                branch.ws("wang"), invitation_id, InviteStatus.ACCEPTED, started_at=NOW, was=InviteStatus.INVITED
            ),
            lambda: planning.answer(
                other_desk("wang"), invitation_id, InviteStatus.DECLINED, started_at=NOW, was=InviteStatus.INVITED
            ),
        ]
    )
    assert came == ["event_answer_changed", "saved"]
    assert contacts(branch, "甲") == 1
    got = results.results(branch.ws("sup"), event_id)
    assert got.accepted in (0, 1)


def test_an_undo_racing_a_second_answer_leaves_the_invitation_as_one_of_them_decided(
    branch: Branch, other_desk: Callable[[str], Workstation]
) -> None:
    """One desk takes back an acceptance while the other answers the reopened call: taken one after the other —
    the answer is refused (the call is not open yet, or answered), or it stands after the undo; never both lost."""
    event_id = invited(branch)
    invitation_id = invitation_of(branch, event_id, "甲")
    [call] = branch.tasks("甲")
    branch.clock.set(NOW.replace(minute=5))
    planning.answer_call(branch.ws("wang"), call.id, Disposition.INTERESTED, started_at=NOW)
    came = at_once(
        [
            lambda: planning.undo_answer(branch.ws("wang"), invitation_id),
            lambda: planning.answer_call(other_desk("wang"), call.id, Disposition.POLITE_DECLINE, started_at=NOW),
        ]
    )
    with branch.factory() as tx:
        now = tx.events.invitation(invitation_id)
    assert now is not None
    if came == ["event_answer_settled", "saved"]:  # the answer came first (refused), then the undo
        assert now.status is InviteStatus.INVITED and [t.id for t in branch.tasks("甲")] == [call.id]
        assert contacts(branch, "甲") == 0
    else:  # the undo came first, then the answer on the reopened call
        assert came == ["saved", "saved"]
        assert now.status is InviteStatus.DECLINED and branch.tasks("甲") == []
        assert contacts(branch, "甲") == 1
