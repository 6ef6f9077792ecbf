"""Snapshots of a CSM's prospects list, a call to a prospect with its note, and an introduction from a client's
page, at 80×24 and 120×40 in each language, from the demo's first prospect and first client."""

from __future__ import annotations

from screens.dialogs import IntroductionDialog, ProspectCallDialog
from screens.prospects import ProspectCallSession, ProspectsScreen
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of

VIEWS = [
    View("list", "csm01", ("9",), ProspectsScreen),
    View("call", "csm01", ("9", "c"), ProspectCallSession),
    View("note", "csm01", ("9", "c", "r"), ProspectCallDialog),
    View("introduce", "csm01", ("3", "enter", "n"), IntroductionDialog),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_the_prospects_a_call_and_an_introduction(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
