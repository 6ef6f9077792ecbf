"""Snapshots of the queue's skip-reason dialog and of marking an SMS sent, at 80×24 and 120×40 in each language."""

from __future__ import annotations

from screens.dialogs import ReasonDialog, SmsSentDialog
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of

VIEWS = [
    View("skip", "csm01", ("2", "s"), ReasonDialog),
    View("sms_sent", "csm01", ("2", "m", "space"), SmsSentDialog),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_the_queues_dialogs(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
