"""The call session offers the suspicion-report key (!) to a CSM, who files such reports, and to nobody else: a
supervisor or the admin making a call is not shown a key the service would refuse them.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from csm_tui.domain.enums import QueueReason
from csm_tui.services.calls.queue import QueueItem
from csm_tui.services.rows import Candidate
from screens.call_session import CallSession
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
