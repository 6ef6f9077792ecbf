"""The referring CSM's 沃德 referrals accepted (``Measure.WODE_REFERRALS``, a graded indicator) count the clients they
brought to a 沃德 client manager: a client released (交还) and referred again in the same quarter — a hand-over, or
the same manager accepting them back — is one client brought, not two. Otherwise a CSM and a 沃德 client manager
together make the quarter's target out of one client by accepting, releasing and accepting again.

The clients' small branch (``support/clients_branch``): CSM A has 张三丰 at the 沃德 standard."""

from __future__ import annotations

import datetime as dt

from csm_tui.policy import Measure
from csm_tui.services.clients import referrals
from csm_tui.services.scoreboard import quarter_scores
from csm_tui.services.scoreboard.quarter_scores import Quarter
from tests.support.clients_branch import Branch


def test_a_client_released_and_accepted_again_counts_once_in_the_quarter(branch: Branch) -> None:
    assert branch.wealth.id is not None and branch.csm_a.id is not None
    csm, wealth = branch.ws(branch.csm_a), branch.ws(branch.wealth)
    for turn in range(3):
        referral = referrals.refer_to_wode(csm, branch.zsf, branch.wealth.id, "达到沃德标准")
        referrals.decide(wealth, referral, accept=True)
        branch.clock.advance(dt.timedelta(hours=1))
        if turn < 2:
            referrals.release(wealth, referral, "交接")
    counted = quarter_scores.records(csm, branch.csm_a.id, Measure.WODE_REFERRALS, Quarter(2026, 4))
    assert [r.client for r in counted] == ["张三丰"]
    card = quarter_scores.csm_view(csm, Quarter(2026, 4)).card
    assert card is not None
    assert [line.actual for line in card.lines if line.measure is Measure.WODE_REFERRALS] == [1]
