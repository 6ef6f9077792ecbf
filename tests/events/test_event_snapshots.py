"""Snapshots of an event's page, its door (check-in) list and the event's dialogs, at 80×24 and 120×40 in each
language, from the events list's first event; the prospect dialog from the door of an event held today (F2 is
offered on the event's day only)."""

from __future__ import annotations

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import EventKind
from csm_tui.policy import Policy
from csm_tui.services.events import planning, results
from csm_tui.services.events.planning import EventDraft
from screens.dialogs import EventDialog, InviteDialog, ProspectDialog
from screens.events import CheckInScreen, EventScreen
from storage.engine import make_engine
from tests.support.clock import FROZEN_AT
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of


def _todays_door(url: str) -> tuple[str, ...]:
    """A salon csm01 holds today at 14:00 (the frozen clock's day), and the keys from the events list to its door's
    prospect dialog (its row's place among the branch's events)."""
    engine = make_engine(url)
    try:
        ws = open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "csm01")
        starts_at = ws.time.local_now().replace(hour=14, minute=0).to("UTC").datetime
        draft = EventDraft(kind=EventKind.SALON, title="客户理财沙龙", starts_at=starts_at, place="贵宾室", capacity=20)
        today = planning.create_event(ws, draft)
        row = [e.id for e in results.around(ws)].index(today.id)
    finally:
        engine.dispose()
    return ("j",) * row + ("c", "f2")


VIEWS = [
    View("event", "csm01", ("7", "enter"), EventScreen),
    View("door", "csm01", ("7", "c"), CheckInScreen),
    View("new_event", "csm01", ("7", "n"), EventDialog),
    View("invite", "csm01", ("7", "enter", "i"), InviteDialog),
    View("prospect", "csm01", ("7",), ProspectDialog, prepare=_todays_door),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_an_event_its_door_and_dialogs(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
