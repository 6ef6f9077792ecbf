"""A 沃德 client manager calling a client whose 沃德 referral they have not accepted yet is not offered the outcomes
that mark the number (``w`` 号码错误, ``x`` 勿再来电: the contact flags stay the CSM's until accepted, and the calls
service refuses them, ``wode_referral_open``) — neither in the outcome panel nor in F1, nor taken; accepted, they
are offered again.

The clients' small branch (``support/clients_branch``): 张三丰 is A's."""

from __future__ import annotations

import datetime as dt

import pytest

from csm_tui.app import CsmApp
from csm_tui.domain.enums import Channel, Disposition
from csm_tui.domain.errors import DomainError
from csm_tui.services.calls import appointments
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.clients import referrals
from screens.call_session import CallSession
from screens.dialogs import OutcomeDialog
from storage.orm import ContactRow
from tests.support.clients_branch import MONDAY, NOW, Branch
from tests.support.pilot import f1_keys, press_settled
from tests.support.wode import open_referral
from widgets.outcome_panel import OutcomePanel

NUMBER_MARKS = {"w", "x"}


def _offered(session: CallSession) -> set[str]:
    return {key for key, _ in session.query_one(OutcomePanel).entries()}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_call_card_offers_w_and_x_only_once_the_referral_is_accepted(branch: Branch, lang: str) -> None:
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    appointments.add_follow_up(wealth, branch.zsf, MONDAY, "跟进")
    branch.clock.advance(dt.timedelta(days=3))
    app = CsmApp(wealth, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2", "c")
        session = app.screen
        assert isinstance(session, CallSession) and session.card is not None and session.card.referral_pending
        assert not NUMBER_MARKS & _offered(session) and not NUMBER_MARKS & await f1_keys(pilot)
        assert {"i", "n", "t"} <= _offered(session)  # the calls themselves are theirs to make
        await press_settled(pilot, "w")
        assert app.screen is session  # not taken: no outcome dialog
        await press_settled(pilot, "x")
        assert not isinstance(app.screen, OutcomeDialog)

        referrals.decide(wealth, referral, accept=True)
        await press_settled(pilot, "escape", "c")
        session = app.screen
        assert isinstance(session, CallSession) and session.card is not None and not session.card.referral_pending
        assert _offered(session) >= NUMBER_MARKS and await f1_keys(pilot) >= NUMBER_MARKS


@pytest.mark.parametrize("disposition", [Disposition.WRONG_NUMBER, Disposition.DO_NOT_CALL])
def test_the_calls_service_refuses_a_number_mark_on_an_open_referral(branch: Branch, disposition: Disposition) -> None:
    open_referral(branch, branch.zsf, branch.wealth)
    outcome = Outcome(channel=Channel.PHONE, disposition=disposition)
    with pytest.raises(DomainError, match="wode_referral_open"):
        record(branch.ws(branch.wealth), branch.zsf, outcome, started_at=NOW)
    assert branch.count(ContactRow, client_id=branch.zsf) == 0  # nothing written
