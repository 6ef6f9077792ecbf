"""Snapshots of the dialogs of a CSM's day, at 80×24 and 120×40 in each language: a note on a checklist item, the
leave dialog and moving a meeting from the agenda."""

from __future__ import annotations

from screens.dialogs import CheckedTextDialog, LeaveDialog, MeetingDialog
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of

VIEWS = [
    View("note", "csm01", ("n",), CheckedTextDialog),
    View("leave", "csm01", ("o",), LeaveDialog),
    View("move_meeting", "csm01", ("a", "m"), MeetingDialog),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_the_days_dialogs(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
