"""The client's CSM is told of a 沃德 return or release with the 沃德 client manager's reason (``app._wode_endings``):
an ID or mobile typed in the reason reaches the notice masked, as it reaches the audit log (``mask_text``) and as
every other notice that names a number says it (``copy.done``); and so does the referrals list of the CSM who
referred the client (``referrals.mine``)."""

from __future__ import annotations

import pytest

from csm_tui.app import CsmApp
from csm_tui.domain.masking import mask_text
from csm_tui.services.calls import appointments
from csm_tui.services.clients import referrals
from tests.support.clients_branch import MONDAY, ZSF_ID, Branch
from tests.support.pilot import notices, press_settled, recording_notices
from tests.support.wode import in_team, open_referral

MOBILE = "13812345678"
REASON = f"客户改由家人{MOBILE}联系，证件{ZSF_ID}"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_csms_notice_of_a_release_masks_an_id_or_mobile_in_the_reason(branch: Branch, lang: str) -> None:
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    referrals.decide(wealth, referral, accept=True)
    appointments.add_follow_up(wealth, branch.zsf, MONDAY, "跟进")
    referrals.release(wealth, referral, REASON)
    app = recording_notices(CsmApp(branch.ws(branch.csm_a), lang=lang))
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot)
        told = [n for n in notices(app) if "张三丰" in n]
    assert len(told) == 1
    assert MOBILE not in told[0] and ZSF_ID not in told[0]
    assert mask_text(REASON) in told[0]


def test_every_referrals_list_masks_an_id_or_mobile_in_a_decisions_note(branch: Branch) -> None:
    """The referring CSM's list, the 沃德 manager's (a release their supervisor wrote for them, or their own note):
    masked as the audit log keeps it."""
    in_team(branch)
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    referrals.decide(wealth, referral, accept=True)
    referrals.release(branch.ws(branch.supervisor), referral, REASON)
    for staff in (branch.csm_a, branch.wealth):
        (seen,), _ = referrals.mine(branch.ws(staff))
        assert seen.decision_note == mask_text(REASON) != REASON
