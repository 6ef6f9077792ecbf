"""The events (7) and suspicion-report (8) screens at 80×24 in both languages (issue 18.4): two events whose long
titles differ only at the end are told apart (the title keeps its start and end, the place gives way first); an
event's figures never break between a label and its number; empty lists say what they would hold; a CSM reading
their own reports is not offered the reviewer's ``d``.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from textual.widgets import Static

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import AmlSign, EventKind
from csm_tui.i18n import catalog
from csm_tui.policy import Policy
from csm_tui.services.clients import aml
from csm_tui.services.events import planning
from csm_tui.services.workstation import Workstation
from screens.aml_reviews import AmlReviewsScreen
from screens.events import EventScreen
from storage.engine import make_engine
from tests.support.clock import FROZEN_AT
from tests.support.pilot import first_own_client, make_app, notices, settle
from tests.support.words import screen_text
from widgets.choices import BoundText
from widgets.table import KeyTable

TITLE = "年末理财沙龙：稳健配置与养老规划专题讲座（第{n}期）"
PLACE = "徐汇营业部三楼贵宾室（近地铁1号线徐家汇站）"
TUESDAY_14H = dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC)


def _csm01(url: str) -> tuple[Workstation, int]:
    """csm01's workstation on the frozen clock, and their first client."""
    ws = open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), "csm01")
    return ws, first_own_client(url).client_id


def _two_events(url: str) -> None:
    ws, client = _csm01(url)
    for n, day in ((2, 0), (3, 1)):
        draft = planning.EventDraft(
            kind=EventKind.SALON, title=TITLE.format(n=n), starts_at=TUESDAY_14H + dt.timedelta(days=day),
            place=PLACE, capacity=40,
        )  # fmt: skip
        event = planning.create_event(ws, draft)
        planning.invite_clients(ws, event.id, [client])


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_two_long_titles_told_apart_and_figures_kept_whole_at_80_columns(demo_url: str, lang: str) -> None:
    _two_events(demo_url)
    words = catalog(lang)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        table = app.screen.query_one("#events", KeyTable)
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= 80
        titles = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert {"（第2期）", "（第3期）"} <= {title[-5:] for title in titles}  # the end that tells them apart
        row = next(i for i in range(table.row_count) if str(table.get_row_at(i)[2]).endswith("（第3期）"))
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EventScreen)
        shown = screen_text(app)
        came = words["event.results"].split("{attended}")[0].rsplit("\n", 1)[-1].split("{accepted}")[-1].strip()
        assert any(f"{came} 0/40" in line for line in shown.splitlines()), shown  # label and figure on one line
        assert PLACE in str(app.screen.query_one("#event-results", BoundText).render())


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_csm_reading_own_reports_is_not_offered_the_reviewers_decide_key(demo_url: str, lang: str) -> None:
    words = catalog(lang)
    with make_engine(demo_url).connect() as conn:  # a CSM who has filed nothing yet (the demo's CSMs filed some)
        login = conn.scalar(
            text(
                "SELECT login FROM staff WHERE role = 'csm' AND active"
                " AND id NOT IN (SELECT staff_id FROM aml_reports) ORDER BY login"
            )
        )
    app = make_app(demo_url, lang=lang, login=login)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("8")
        await settle(pilot)
        assert isinstance(app.screen, AmlReviewsScreen)
        assert words["aml.empty"] in str(app.screen.query_one("#aml-text", Static).render())  # says how to file one
        aml.file_report(
            app.ws,
            first_own_client(demo_url, login).client_id,
            [next(iter(AmlSign))],
            "客户多次分笔存入现金，无法说明来源。",
        )
        app.screen.reload()  # type: ignore[attr-defined]
        await settle(pilot)
        assert app.screen.query_one(KeyTable).row_count == 1
        bar = screen_text(app).splitlines()[-2:]
        assert not any(words["key.aml_decide"] in line for line in bar)
        await pilot.press("d")
        await settle(pilot)
        assert words["aml.not_open"] not in notices(app)  # no misleading refusal


async def test_the_reviewer_is_offered_decide_and_told_what_the_empty_list_would_hold(demo_url: str) -> None:
    words = catalog("zh_CN")
    app = make_app(demo_url, login="sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_aml_list()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AmlReviewsScreen) and screen.reviewer
        assert screen.check_action("decide", ()) is not False
        if not screen.rows:
            assert words["aml.empty_review"] in str(screen.query_one("#aml-text", Static).render())
