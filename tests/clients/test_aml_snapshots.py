"""Snapshots of the suspicion reports as the outlet's supervisor sees them to decide, and of the decision
dialog, at 80×24 and 120×40 in each language."""

from __future__ import annotations

from screens.aml_reviews import AmlReviewsScreen
from screens.dialogs import AmlDecisionDialog
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of

VIEWS = [
    View("supervisor", "sup01", ("8",), AmlReviewsScreen),
    View("decision", "sup01", ("8", "d"), AmlDecisionDialog),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_the_suspicion_reports_a_supervisor_decides(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
