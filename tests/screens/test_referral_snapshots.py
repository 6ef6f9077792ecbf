"""Snapshots of a walk-in sent from the lobby, of a CSM accepting a referral and of a 沃德 client manager releasing
a client they hold (their referrals list's key bar behind it), at 80×24 and 120×40 in each language."""

from __future__ import annotations

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from csm_tui.services.clients import referrals
from screens.dialogs import CheckedTextDialog, WalkInDialog
from storage.engine import make_engine
from tests.support.clock import FROZEN_AT
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of


def _first_held(url: str) -> tuple[str, ...]:
    """The keys from wm01's referrals list to releasing the first client they hold (its row's place in the list)."""
    engine = make_engine(url)
    try:
        ws = open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "wm01")
        found, _names = referrals.mine(ws)
        row = next(n for n, r in enumerate(found) if referrals.held_referral([r], r.client_id) is not None)
    finally:
        engine.dispose()
    return ("j",) * row + ("u",)


VIEWS = [
    View("walk_in", "lobby01", ("n", "王", "enter", "enter"), WalkInDialog),  # a surname, the first client found
    View("accept", "csm01", ("6", "a"), CheckedTextDialog),
    View("release", "wm01", (), CheckedTextDialog, prepare=_first_held),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_the_referrals_dialogs(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)
