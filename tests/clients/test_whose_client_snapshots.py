"""Snapshots of whose client each is, by role, at 80×24 and 120×40 in each language: a 沃德 client manager's client
list (the 沃德 referrals they accepted) and a supervisor's F3, the team's clients named by their CSM."""

from __future__ import annotations

from screens.clients import ClientsScreen
from screens.search import SearchScreen
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of

VIEWS = [
    View("wode_clients", "wm01", ("3",), ClientsScreen),
    View("team_search", "sup01", ("f3", "王"), SearchScreen),  # a surname: the team's and others' clients
]


@every_size_and_language(VIEWS)
def test_snapshot_of_whose_client_by_role(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
