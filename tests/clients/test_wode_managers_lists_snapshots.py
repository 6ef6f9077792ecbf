"""Snapshots of a 沃德 client manager's own lists at 80×24 and 120×40 in each language: the call queue (what it holds
and where their 沃德 clients are) and the prospects their accepted clients introduce."""

from __future__ import annotations

from screens.prospects import ProspectsScreen
from screens.queue import QueueScreen
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of

VIEWS = [
    View("wode_queue", "wm01", ("2",), QueueScreen),
    View("wode_prospects", "wm01", ("9",), ProspectsScreen),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_a_wode_managers_lists(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
