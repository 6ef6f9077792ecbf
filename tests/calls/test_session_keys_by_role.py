"""The call session offers the suspicion-report key (!) to a CSM, who files such reports, and to nobody else: a
supervisor or the admin making a call is not shown a key the service would refuse them, nor a colleague covering
the manager's leave on a covered client's card (nor the mobile's copy, own clients' only).

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from csm_tui.domain.enums import AmlSign, QueueReason
from csm_tui.domain.errors import DomainError
from csm_tui.services.calls.queue import QueueItem, today_queue
from csm_tui.services.clients import aml
from csm_tui.services.clients.copying import copy_mobile
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import Candidate
from screens.call_session import CallSession
from tests.support.branch import csm01_away_covered, demo_workstation
from tests.support.pilot import first_own_client, make_app, settle


@pytest.mark.parametrize(("login", "offered"), [("csm01", True), ("sup01", False), ("admin", False)])
async def test_only_a_csm_is_offered_the_suspicion_report_key_in_a_call(
    demo_url: str, login: str, offered: bool
) -> None:
    own = first_own_client(demo_url)  # csm01's, in sup01's team
    app = make_app(demo_url, login=login)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        candidate = Candidate(
            client_id=own.client_id, client_name=own.name, reason=QueueReason.FOLLOW_UP, due_on=app.ws.time.today(),
            avg_3m=Decimal(0),
        )  # fmt: skip
        await app.push_screen(CallSession(app.ws, [QueueItem(candidate)]))
        await settle(pilot)
        ids = {a.binding.id for a in app.screen.active_bindings.values()}
        assert ("call.aml_report" in ids) is offered
        assert "call.undo" in ids  # the session's other keys stay


async def test_a_colleague_covering_a_leave_is_not_offered_the_suspicion_report_or_the_mobiles_copy_in_a_call(
    demo_url: str,
) -> None:
    owner, colleague = csm01_away_covered(demo_url)
    covering = demo_workstation(demo_url, colleague.login)
    item = next(i for i in today_queue(covering) if i.cover_for_id == owner.staff.id)
    with pytest.raises(AccessDenied):  # what the services say to the cover, called directly
        aml.file_report(covering, item.client_id, (AmlSign.LARGE_CASH,), "柜台分三次存入现金")
    with pytest.raises(DomainError, match="copy_not_own"):
        copy_mobile(covering, item.client_id)
    app = make_app(demo_url, login=colleague.login)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(CallSession(app.ws, [item]))
        await settle(pilot)
        ids = {a.binding.id for a in app.screen.active_bindings.values()}
        assert "call.undo" in ids  # the calls' keys stay
        assert not {"call.aml_report", "call.copy"} & ids
