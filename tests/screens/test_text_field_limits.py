"""Every text field holds at most what its column does: a paste past it is cut with a visible notice and the screen
answers at once (100 KB pasted into the F3 search); typing past it is refused. A field made without a limit fails
``test_every_text_field_of_the_screens_has_a_maximum_length``."""

from __future__ import annotations

import ast
import time
from pathlib import Path

from textual import events

from csm_tui.i18n import catalog
from screens.dialogs import DaySummaryDialog
from screens.search import SearchScreen
from tests.support.pilot import make_app, notices, settle, table_rows
from widgets.text_fields import SEARCH_MAX, BoundedInput, BoundedTextArea

ROOT = Path(__file__).resolve().parents[2]
PASTE = "王" * 50_000 + "x" * 50_000  # 100 KB and more of text, on one line


def test_every_text_field_of_the_screens_has_a_maximum_length() -> None:
    """Only the bounded fields are made in the screens and widgets, each given its ``max_length``."""
    made = []
    for path in [*ROOT.joinpath("screens").glob("*.py"), *ROOT.joinpath("widgets").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in ("Input", "TextArea"):
                    made.append(f"{path.name}:{node.lineno} {node.func.id}")
                if node.func.id in ("BoundedInput", "BoundedTextArea"):
                    assert "max_length" in {k.arg for k in node.keywords}, f"{path.name}:{node.lineno}"
    assert made == []


async def test_100_kb_pasted_into_the_f3_search_is_cut_with_a_notice_at_once(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        assert isinstance(app.screen, SearchScreen)
        field = app.screen.query_one("#search-text", BoundedInput)
        started = time.monotonic()
        field.post_message(events.Paste(PASTE))
        await settle(pilot)
        assert time.monotonic() - started < 5
        assert field.value == PASTE[:SEARCH_MAX]
        assert catalog("zh_CN")["input.cut"].format(max=SEARCH_MAX) in notices(app)
        await pilot.press("ctrl+u")  # the screen still answers the keyboard
        await pilot.press(*"C0")
        await settle(pilot)
        assert field.value.endswith("C0") and table_rows(app) is not None


async def test_a_paste_fills_only_the_room_left_and_typing_past_the_end_is_refused(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        field = app.screen.query_one("#search-text", BoundedInput)
        await pilot.press(*"ab")
        field.post_message(events.Paste("y" * 100))
        await pilot.pause()
        assert field.value == "ab" + "y" * (SEARCH_MAX - 2)
        await pilot.press("z")
        await pilot.pause()
        assert len(field.value) == SEARCH_MAX and not field.value.endswith("z")


async def test_the_day_summary_takes_a_long_paste_cut_to_its_column_with_a_notice(demo_url: str) -> None:
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, DaySummaryDialog)
        area = app.screen.query_one(BoundedTextArea)
        area.post_message(events.Paste("今天很好。\t" * 20_000))
        await pilot.pause()
        assert len(area.text) == area.max_length == 2000
        assert catalog("en")["input.cut"].format(max=2000) in notices(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, DaySummaryDialog)  # saved: within what the column holds


async def test_a_focused_field_leaves_the_terminal_quiet_its_cursor_not_blinking(demo_url: str) -> None:
    """Over SSH a blinking cursor is a write twice a second while a user sits in a field (the client list opens on
    its search): no field of the screens blinks."""
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        fields = [*app.screen.query(BoundedInput), *app.screen.query(BoundedTextArea)]
        assert fields and app.focused in fields
        assert not any(field.cursor_blink for field in fields)
    assert not BoundedTextArea(max_length=10).cursor_blink
