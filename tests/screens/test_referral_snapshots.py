"""Snapshots of a walk-in sent from the lobby and of a CSM accepting a referral, at 80×24 and 120×40 in each
language."""

from __future__ import annotations

from screens.dialogs import CheckedTextDialog, WalkInDialog
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of

VIEWS = [
    View("walk_in", "lobby01", ("n", "王", "enter", "enter"), WalkInDialog),  # a surname, the first client found
    View("accept", "csm01", ("6", "a"), CheckedTextDialog),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_the_referrals_dialogs(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
