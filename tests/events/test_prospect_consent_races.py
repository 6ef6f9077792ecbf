"""A prospect's consent withdrawn at one desk while the call is saved at another, at once, each session on its own
engine, on SQLite and PostgreSQL: the two are taken one after the other on the prospect's row — either the call
stands and the withdrawal after it ends the calls, or the withdrawal stands and the call is refused with the
reason; never a call saved after the withdrawal committed, never a call left due after it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from csm_tui.domain.enums import ProspectOutcome
from csm_tui.domain.errors import DomainError
from csm_tui.services.calls import prospect_calls
from csm_tui.services.events import prospects
from csm_tui.services.workstation import Workstation
from storage.orm import ProspectContactRow, ProspectRow
from tests.support.events_branch import Branch
from tests.support.races import at_once

MONDAY = dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai: the introduced prospects' first calls due
ROUNDS = 4  # prospects raced, one round each: either order may come first


def outcomes(branch: Branch, prospect_id: int) -> list[ProspectOutcome]:
    """The calls saved for the prospect, in the order they were written."""
    with branch.factory() as tx:
        rows = tx.session.scalars(
            ProspectContactRow.__table__.select()
            .with_only_columns(ProspectContactRow.outcome)
            .where(ProspectContactRow.prospect_id == prospect_id)
            .order_by(ProspectContactRow.id)
        )
        return list(rows)


@pytest.mark.parametrize("task", [True, False], ids=["queued_call", "call_from_the_list"])
def test_a_consent_withdrawn_while_a_call_is_saved_leaves_one_order_and_no_call_after_it(
    branch: Branch, other_desk: Callable[[str], Workstation], task: bool
) -> None:
    introducer = branch.client("甲", "wang")
    taken = [
        prospects.introduced(branch.ws("wang"), introducer, f"钱{n}", f"1391234567{n}", consent=True).id
        for n in range(ROUNDS)
    ]
    branch.clock.set(MONDAY)
    due = {c.prospect_id: c.task_id for c in prospect_calls.due(branch.ws("wang"))}
    for prospect_id in taken:
        task_id = due[prospect_id] if task else None
        came = at_once(
            [
                lambda p=prospect_id: prospect_calls.record(branch.ws("wang"), p, ProspectOutcome.DO_NOT_CALL),
                lambda p=prospect_id, t=task_id: prospect_calls.record(
                    other_desk("wang"), p, ProspectOutcome.REACHED, "下周来开户", task_id=t
                ),
            ]
        )
        saved = outcomes(branch, prospect_id)
        if came == ["saved", "saved"]:  # the call first, then the withdrawal
            assert saved == [ProspectOutcome.REACHED, ProspectOutcome.DO_NOT_CALL]
        else:  # the withdrawal first: the call refused, nothing of it kept
            assert came == ["prospect_calls_stopped", "saved"], came
            assert saved == [ProspectOutcome.DO_NOT_CALL]
        with branch.factory() as tx:
            row = tx.session.get(ProspectRow, prospect_id)
            assert row is not None and row.stopped is ProspectOutcome.DO_NOT_CALL
    assert prospect_calls.due(branch.ws("wang")) == []  # no call left due: not the follow-up of a call that lost
    branch.clock.set(MONDAY + dt.timedelta(days=30))
    assert prospect_calls.due(branch.ws("wang")) == []
    with pytest.raises(DomainError, match="prospect_calls_stopped"):  # and none saved after, from either desk
        prospect_calls.record(other_desk("wang"), taken[0], ProspectOutcome.REACHED)
