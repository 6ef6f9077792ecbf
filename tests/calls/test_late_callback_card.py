"""A callback made after the time the client named says so on the call card and in the script (issue 18.1), at
80×24 in both languages; one made on time claims nothing of the kind.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai): the client, busy on a call at 09:00,
asked to be called back at 09:30 (late at 10:00) or at 10:05 (not yet due).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rich.console import Group
from textual.widgets import Static

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Disposition, QueueReason
from csm_tui.i18n import catalog
from csm_tui.policy import Policy
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.calls.queue import QueueItem
from csm_tui.services.rows import Candidate
from screens.call_session import CallSession
from storage.engine import make_engine
from tests.support.clock import FROZEN_AT
from tests.support.pilot import first_own_client, make_app, settle
from widgets.client_card import ClientCard
from widgets.script_panel import ScriptPanel

AT_NINE = dt.datetime(2026, 11, 27, 1, tzinfo=dt.UTC)  # 09:00 in Shanghai, an hour before the app's clock


def _plain(widget: Static) -> str:
    content = widget.content
    return "\n".join(str(r) for r in content.renderables) if isinstance(content, Group) else str(content)


def _busy_callback(url: str, callback_at: dt.datetime) -> tuple[int, str, int]:
    """A client of csm01's, busy on a call at 09:00, who named ``callback_at``: (client id, name, callback task)."""
    own = first_own_client(url)
    client_id, name = own.client_id, own.name
    ws = open_workstation(make_engine(url), FrozenClock(AT_NINE.isoformat()), Policy(), "csm01")
    receipt = record(ws, client_id, Outcome(Disposition.BUSY, at=callback_at), started_at=AT_NINE)
    [task_id] = receipt.created_tasks
    return client_id, name, task_id


async def _card_and_script(url: str, lang: str, callback_at: dt.datetime) -> tuple[str, str]:
    client_id, name, task_id = _busy_callback(url, callback_at)
    app = make_app(url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.ws.time.now().datetime == dt.datetime.fromisoformat(FROZEN_AT)
        candidate = Candidate(
            client_id=client_id, client_name=name, reason=QueueReason.CALLBACK, due_on=app.ws.time.today(),
            avg_3m=Decimal(0), task_id=task_id, due_at=callback_at,
        )  # fmt: skip
        await app.push_screen(CallSession(app.ws, [QueueItem(candidate)]))
        await settle(pilot)
        return _plain(app.screen.query_one(ClientCard)), _plain(app.screen.query_one(ScriptPanel))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_callback_made_after_its_agreed_time_says_so_on_the_card_and_in_the_script(
    demo_url: str, lang: str
) -> None:
    words = catalog(lang)
    card, script = await _card_and_script(demo_url, lang, AT_NINE + dt.timedelta(minutes=30))
    assert words["why.callback_agreed"].format(time="2026-11-27 09:30") in card
    assert words["why.callback_late"] in card
    assert words["script.purpose.callback_late"].format(time="09:30") in script
    assert words["script.purpose.callback"] not in script  # not "at the time you named"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_callback_not_yet_past_its_agreed_time_claims_no_lateness(demo_url: str, lang: str) -> None:
    words = catalog(lang)
    card, script = await _card_and_script(demo_url, lang, AT_NINE + dt.timedelta(hours=1, minutes=5))
    assert words["why.callback_agreed"].format(time="2026-11-27 10:05") in card
    assert words["why.callback_late"] not in card
    assert words["script.purpose.callback_late"].format(time="10:05") not in script
