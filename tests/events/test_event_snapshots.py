"""Snapshots of an event's page, its door (check-in) list and the event's dialogs, at 80×24 and 120×40 in each
language, from the events list's first event."""

from __future__ import annotations

from screens.dialogs import EventDialog, InviteDialog, ProspectDialog
from screens.events import CheckInScreen, EventScreen
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of

VIEWS = [
    View("event", "csm01", ("7", "enter"), EventScreen),
    View("door", "csm01", ("7", "c"), CheckInScreen),
    View("new_event", "csm01", ("7", "n"), EventDialog),
    View("invite", "csm01", ("7", "enter", "i"), InviteDialog),
    View("prospect", "csm01", ("7", "c", "f2"), ProspectDialog),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_an_event_its_door_and_dialogs(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
