"""Snapshots of a CSM's card opened from the team table and of the team table's dialogs (training, qualification,
grade D, closing the quarter), at 80×24 and 120×40 in each language."""

from __future__ import annotations

from screens.dialogs import CheckedTextDialog, QualificationDialog, TextDialog, TrainingDialog
from screens.scoreboard import CardScreen
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of

VIEWS = [
    View("card", "sup01", ("5", "enter"), CardScreen),
    View("training", "admin", ("5", "h"), TrainingDialog),
    View("qualification", "admin", ("5", "q"), QualificationDialog),
    View("grade_d", "sup01", ("5", "d"), CheckedTextDialog),
    View("close_quarter", "sup01", ("5", "c"), TextDialog),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_a_card_and_the_team_tables_dialogs(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
