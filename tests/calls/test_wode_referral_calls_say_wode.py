"""A call on a 沃德 referral's task is labelled 沃德转介 / Wode referral in the 沃德 client manager's queue (and F1
explains the word), a walk-in referral's still 厅堂转介 / Walk-in referral: the queue item's reason says which.

The clients' small branch (``support/clients_branch``): 张三丰 and 王小明 are A's; 陈经理 the 沃德 client manager."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from csm_tui.app import CsmApp
from csm_tui.domain.enums import QueueReason, ReferralKind, TaskKind, TaskOrigin
from csm_tui.domain.models import NewReferral, NewTask, Staff
from csm_tui.i18n import catalog
from csm_tui.services.calls import queue
from csm_tui.services.clients import referrals
from screens.call_session import CallSession
from tests.support.clients_branch import NOW, Branch
from tests.support.pilot import press_settled, whole_rows
from tests.support.words import screen_text


def _referred_with_a_call(branch: Branch, client_id: int, kind: ReferralKind, sender: Staff, to: Staff) -> None:
    """A referral with the call it leaves in the receiver's queue, due today (as the demo branch writes them)."""
    assert sender.id is not None and to.id is not None
    with branch.system(write=True) as tx:
        referral = tx.referrals.add(
            NewReferral(client_id=client_id, kind=kind, from_staff_id=sender.id, to_staff_id=to.id,
                        created_at=NOW, reason="理财需求")
        )  # fmt: skip
        tx.tasks.add(
            NewTask(client_id=client_id, staff_id=to.id, kind=TaskKind.REFERRAL, due_on=NOW.date(),
                    origin=TaskOrigin.REFERRAL, origin_id=referral.id, created_at=NOW)
        )  # fmt: skip
        tx.commit()


def test_a_wode_referral_s_call_is_queued_as_a_wode_referral(branch: Branch) -> None:
    _referred_with_a_call(branch, branch.zsf, ReferralKind.WODE, branch.csm_a, branch.wealth)
    _referred_with_a_call(branch, branch.wxm, ReferralKind.WALK_IN, branch.wealth, branch.csm_a)
    assert [(i.client_id, i.reason) for i in queue.today_queue(branch.ws(branch.wealth))] == [
        (branch.zsf, QueueReason.WODE_REFERRAL)
    ]
    walk_ins = [i for i in queue.today_queue(branch.ws(branch.csm_a)) if i.client_id == branch.wxm]
    assert [i.reason for i in walk_ins] == [QueueReason.REFERRAL]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_queue_says_wode_referral_and_f1_explains_it(branch: Branch, lang: str) -> None:
    _referred_with_a_call(branch, branch.zsf, ReferralKind.WODE, branch.csm_a, branch.wealth)
    words = catalog(lang)
    app = CsmApp(branch.ws(branch.wealth), lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "2")
        (row,) = whole_rows(app)
        assert words["queue_reason.wode_referral"] in row and words["queue_reason.referral"] not in row
        assert words["referral_kind.wode"] == "沃德转介" or lang == "en"
        await press_settled(pilot, "f1")
        help_rows = {r[0]: r[1] for r in whole_rows(app)}
        assert help_rows[words["queue_reason.wode_referral"]] == words["queue_help.wode_referral"]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_wode_managers_call_introduces_them_as_one_with_no_csm_call_target(branch: Branch, lang: str) -> None:
    """The script names the caller's own title, and the session counts their calls against no CSM's target."""
    referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id or 0, note="资产达标")
    app = CsmApp(branch.ws(branch.wealth), lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "2", "c")
        session = app.screen
        assert isinstance(session, CallSession)
        shown = screen_text(app)
        progress = str(session.query_one("#progress", Static).content)
    greeting = {"zh_CN": "我是交通银行沃德客户经理陈经理", "en": "this is 陈经理, Wode client manager at"}
    assert greeting[lang] in shown
    assert progress.endswith({"zh_CN": "今日已拨 0", "en": "calls today 0"}[lang])
