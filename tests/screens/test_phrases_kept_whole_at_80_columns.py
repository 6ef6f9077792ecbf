"""At 80×24 a phrase is never broken mid-way and no line starts with a closing mark (禁则): the call card's "已于
{date} 过期" stays whole, a notice (toast) is broken by the line-breaking rules to its width, and the 沃德 release
dialog's explanation breaks where a reader expects (a clause a line, never inside a word such as 电话).

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import re

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets._toast import Toast

from csm_tui.app import notice_width
from csm_tui.i18n import t
from csm_tui.services.calls.queue import today_queue
from screens.call_session import CallSession
from screens.dialogs import CheckedTextDialog
from tests.support.pilot import make_app, press_settled, settle
from tests.support.words import screen_text
from widgets.line_breaks import NO_LINE_START

EXPIRED = {"zh_CN": re.compile(r"已于\s\d{4}-\d\d-\d\d\s过期"), "en": re.compile(r"expired\s\d{4}-\d\d-\d\d")}
STARTS = {"zh_CN": "已于", "en": "expired"}


def drawn_lines(widget: Widget) -> list[str]:
    """The widget's lines as drawn, without its padding and edges."""
    return [strip.text.strip(" ▌▐│") for strip in widget.render_lines(Region(0, 0, *widget.outer_size))]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_call_cards_expired_assessment_stays_whole_on_one_line(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="csm02")  # whose queue holds clients of long figures and expired tests
    found = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        items = today_queue(app.ws)
        for index in range(len(items)):
            await app.push_screen(CallSession(app.ws, items, index))
            await settle(pilot)
            for line in screen_text(app).split("\n"):
                if STARTS[lang] in line and "ID" not in line:
                    assert EXPIRED[lang].search(line), line
                    found += 1
            app.pop_screen()
            await settle(pilot)
    assert found


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_notice_is_broken_to_its_width_and_no_line_starts_with_a_closing_mark(
    demo_url: str, size: tuple[int, int]
) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        app.screen.notify(t("agenda.closed"), timeout=60)  # "…（已面谈、未到或已取消）；如标错了…"
        await settle(pilot)
        toast = app.screen.query_one(Toast)
        assert toast.content_region.width == notice_width(size[0])
        lines = [line for line in drawn_lines(toast) if line]
        assert "".join(lines).replace(" ", "") == t("agenda.closed").replace(" ", "")
        assert [line for line in lines if line[:1] in NO_LINE_START] == []


async def test_the_release_dialog_breaks_its_explanation_where_a_reader_expects(demo_url: str) -> None:
    app = make_app(demo_url, login="wm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "3", "enter", "u")
        dialog = app.screen
        assert isinstance(dialog, CheckedTextDialog)
        [explain] = [s for s in dialog.query(Static) if t("referrals.release_cancels") in str(s.content)]
        lines = [line for line in drawn_lines(explain) if line]
        assert [line for line in lines if line[:1] in NO_LINE_START] == []
        assert lines[-3:] == t("referrals.release_cancels").split("\n")  # a clause a line, "电话" never split
