"""A 沃德 client manager holds a client by an accepted 沃德 referral and may manage them too (given to them by the
admin or a client file: "in their book once", ``ClientRepository.assign``). Releasing that client
(``referrals.release``) must not leave them in the manager's book with the manager's own calls and meetings on them
cancelled: it is refused in words before anything is cancelled (the client is theirs as manager: the admin gives them
to a CSM).

The clients' small branch (``support/clients_branch``): A has 张三丰 at the 沃德 standard; 陈经理 is the 沃德 client
manager."""

from __future__ import annotations

import datetime as dt

import pytest

from csm_tui.domain.enums import AppointmentStatus, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.services.calls import appointments
from csm_tui.services.clients import referrals
from storage.orm import AppointmentRow, TaskRow
from tests.support.clients_branch import MONDAY, Branch
from tests.support.wode import open_referral

MEETING_AT = dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC)  # Wednesday, 10:00 in Shanghai


def test_a_client_the_wode_manager_also_manages_is_not_released_into_their_own_book(branch: Branch) -> None:
    assert branch.wealth.id is not None
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    referrals.decide(wealth, referral, accept=True)
    with branch.system(write=True) as tx:  # the admin (or a client file) gives 张三丰 to 陈经理, who holds him
        tx.clients.assign(branch.zsf, branch.wealth.id)
        tx.commit()
    appointments.add_follow_up(wealth, branch.zsf, MONDAY, "跟进")
    appointments.book(wealth, branch.zsf, MEETING_AT, "面谈")
    with pytest.raises(DomainError) as refused:
        referrals.release(wealth, referral, "客户不再符合沃德标准")
    assert refused.value.code == "wode_release_managed" and refused.value.params == {"name": branch.wealth.name}
    open_calls = branch.count(TaskRow, client_id=branch.zsf, staff_id=branch.wealth.id, status=TaskStatus.OPEN)
    booked = branch.count(AppointmentRow, client_id=branch.zsf, status=AppointmentStatus.BOOKED)
    assert (open_calls, booked) == (2, 1)  # refused: nothing cancelled
    with branch.system.acting_as(branch.wealth)() as tx:
        assert tx.clients.in_book(branch.zsf)
        assert referrals.held_referral(tx.referrals.for_client(branch.zsf), branch.zsf) is not None
