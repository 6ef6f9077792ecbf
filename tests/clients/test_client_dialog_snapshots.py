"""Snapshots of every dialog of a client's page and of a contact opened whole, at 80×24 and 120×40 in each
language, from the client list's first client."""

from __future__ import annotations

from textual.widgets import Input

from csm_tui.i18n import t
from screens.dialogs import (
    AmlReportDialog,
    ChooseStaffDialog,
    EditClientDialog,
    LogContactDialog,
    MeetingDialog,
    RevealDialog,
    WhenDialog,
)
from tests.support.pilot import make_app, press_settled
from tests.support.snapshots import SnapCompare, View, every_size_and_language, snapshot_of
from widgets.row_detail import RowDetail

CLIENT = ("3", "enter")
REFERABLE = ("3", "down", "j", "enter")  # the list's second client: the first is a 沃德 client manager's already

VIEWS = [
    View("reveal", "csm01", (*CLIENT, "r"), RevealDialog),
    View("edit", "csm01", (*CLIENT, "e"), EditClientDialog),
    View("log_contact", "csm01", (*CLIENT, "l"), LogContactDialog),
    View("book", "csm01", (*CLIENT, "o"), MeetingDialog),
    View("follow_up", "csm01", (*CLIENT, "t"), WhenDialog),
    View("refer", "csm01", (*REFERABLE, "w"), ChooseStaffDialog),
    View("aml_report", "csm01", (*CLIENT, "exclamation_mark"), AmlReportDialog),
    # the contacts tab (its list focused as the tab opens), the second contact opened whole
    View(
        "contact_whole",
        "csm01",
        (*CLIENT, "right_square_bracket", "right_square_bracket", "j", "right"),
        RowDetail,
    ),
]


@every_size_and_language(VIEWS)
def test_snapshot_of_the_client_pages_dialogs(
    demo_url: str, snap_compare: SnapCompare, view: View, lang: str, size: tuple[int, int]
) -> None:
    assert snapshot_of(snap_compare, demo_url, view, lang, size)


async def test_the_referral_dialog_asks_for_a_colleagues_number_not_a_reason(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, *REFERABLE, "w")
        assert isinstance(app.screen, ChooseStaffDialog)
        assert app.screen.query_one("#who", Input).placeholder == t("detail.choose_staff") != t("skip.choose")
