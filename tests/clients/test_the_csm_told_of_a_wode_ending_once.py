"""The client's CSM is told of a 沃德 return or release once (``app.check_walk_ins``): not again each time they sign
in that day (what was told is told, whichever session told it), and not never when they were away the day it
happened (the CSM on leave on Friday learns on Monday that their client left the 沃德 client manager's book, the
manager's meetings with the client cancelled).

The clients' small branch (``support/clients_branch``): A has 张三丰 at the 沃德 standard; the clock stands on
Friday; the next working day is Monday."""

from __future__ import annotations

import datetime as dt

from csm_tui.app import CsmApp
from csm_tui.services.clients import referrals
from tests.support.clients_branch import NOW, Branch
from tests.support.pilot import notices, press_settled, recording_notices
from tests.support.wode import open_referral


def _released(branch: Branch) -> None:
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    referrals.decide(wealth, referral, accept=True)
    referrals.release(wealth, referral, "客户不再符合沃德标准")


async def _told(branch: Branch) -> list[str]:
    """What the CSM A is told of 张三丰 in one session of the workstation."""
    app = recording_notices(CsmApp(branch.ws(branch.csm_a), lang="zh_CN"))
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot)
        return [n for n in notices(app) if "张三丰" in n and "客户不再符合沃德标准" in n]


async def test_the_csm_signing_in_again_the_same_day_is_not_told_again(branch: Branch) -> None:
    _released(branch)
    assert len(await _told(branch)) == 1
    branch.clock.advance(dt.timedelta(hours=2))
    assert await _told(branch) == []


async def test_the_csm_away_the_day_of_a_release_is_told_when_they_next_sign_in(branch: Branch) -> None:
    _released(branch)
    branch.clock.set(NOW + dt.timedelta(days=3))  # Monday morning
    assert len(await _told(branch)) == 1
