"""KYC and AML on the screens, driven headless at 80×24 on the demo branch (clock frozen on Friday 27 November 2026,
10:00 in Shanghai): the expired-ID badge and its clearing by the client edit, a suspicion report filed from the
client's page, and the reviewer's list, detail and decision."""

from __future__ import annotations

from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static

from csm_tui.i18n import t
from screens.aml_reviews import AmlReviewsScreen
from screens.client_detail import ClientDetailScreen
from screens.dialogs import AmlDecisionDialog, AmlReportDialog, EditClientDialog
from storage.engine import make_engine
from tests.support.pilot import make_app, open_own_client, settle, table_rows

MARK = "客户分三次存入现金每次四万九"
EXPIRED = "2026-11-26"  # the day before the frozen day


def _expire_csm01s_ids(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE clients SET id_expiry = :d, id_long_term = :no, version = version + 1"
                    " WHERE manager_id = (SELECT id FROM staff WHERE login = 'csm01')"
                ),
                {"d": EXPIRED, "no": False},
            )
    finally:
        engine.dispose()


def _filed_by(url: str, login: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM aml_reports WHERE staff_id = (SELECT id FROM staff WHERE login = :login)"
            return int(conn.execute(text(query), {"login": login}).scalar_one())
    finally:
        engine.dispose()


async def _to_the_report(pilot: Pilot[object], listed: AmlReviewsScreen) -> None:
    """The cursor on the report this test filed (the one whose text is ``MARK``)."""
    for _ in range(10):
        if MARK in _render(listed, "#aml-text"):
            return
        await pilot.press("down")
        await pilot.pause()
    raise AssertionError("the report filed is not in the list")


def _render(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def test_an_expired_id_shows_a_badge_that_the_new_expiry_clears(demo_url: str) -> None:
    _expire_csm01s_ids(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen)
        assert t("kyc.badge_expired", date=EXPIRED) in _render(screen, "#detail-title")
        assert t("kyc.line", value=EXPIRED) in _render(screen, "#identity")
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, EditClientDialog)
        for box in dialog.query(Input):
            assert box.region.bottom <= 24 and box.region.right <= 80, box.id
        expiry = dialog.query_one("#id_expiry", Input)
        assert expiry.value == EXPIRED
        expiry.value = ""
        expiry.focus()
        await pilot.press(*"2036-11-30", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert t("kyc.badge_expired", date=EXPIRED) not in _render(screen, "#detail-title")
        assert t("kyc.line", value="2036-11-30") in _render(screen, "#identity")


async def test_a_report_filed_from_the_client_page_reaches_the_reviewer_who_decides_it(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        name = screen.detail.client.name
        await pilot.press("exclamation_mark")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AmlReportDialog)
        for widget in (*dialog.query(Input), *dialog.query(Checkbox)):
            assert widget.region.bottom <= 24 and widget.region.right <= 80, widget.id
        dialog.query_one("#text", Input).focus()
        await pilot.press(*MARK, "enter")  # nothing ticked: refused, what was typed kept
        await pilot.pause()
        assert t("error.aml_signs_required") in _render(dialog, "#dialog-error")
        assert dialog.query_one("#text", Input).value == MARK
        dialog.query_one("#sign-large_cash", Checkbox).value = True
        dialog.query_one("#text", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        # Nothing of it on the client's page.
        for part in ("#detail-title", "#identity", "#offers"):
            assert MARK not in _render(screen, part)

    reviewer = make_app(demo_url, login="sup01")
    async with reviewer.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("8")
        await settle(pilot)
        listed = reviewer.screen
        assert isinstance(listed, AmlReviewsScreen)
        await _to_the_report(pilot, listed)  # among the demo's own reports for the outlet
        assert any(name in r[1] and r[-1] == t("aml_status.open") for r in table_rows(reviewer))
        await pilot.press("d")
        await pilot.pause()
        decision = reviewer.screen
        assert isinstance(decision, AmlDecisionDialog)
        await pilot.press("1")
        decision.query_one("#reason", Input).focus()
        await pilot.press(*"已报送", "enter")
        await settle(pilot)
        assert reviewer.screen is listed
        await _to_the_report(pilot, listed)
        assert any(name in r[1] and r[-1] == t("aml_status.reported") for r in table_rows(reviewer))
        assert "已报送" in _render(listed, "#aml-text")


async def test_a_colleague_sees_no_report_in_the_list(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AmlReportDialog)
        dialog.query_one("#sign-behaviour", Checkbox).value = True
        dialog.query_one("#text", Input).focus()
        await pilot.press(*MARK, "enter")
        await settle(pilot)
    other = make_app(demo_url, login="csm02")
    async with other.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("8")
        await settle(pilot)
        listed = other.screen
        assert isinstance(listed, AmlReviewsScreen)
        assert len(table_rows(other)) == _filed_by(demo_url, "csm02")  # their own reports only (the demo's)
        for _ in table_rows(other):
            assert MARK not in _render(listed, "#aml-text")
            await pilot.press("down")
            await pilot.pause()
