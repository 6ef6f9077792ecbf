"""Numbered choices in a dialog ("1 Savings  2 Fund …") at 80 columns: a number never parted from its label, each
item whole on one line (one helper, ``widgets.choices``, for every dialog that lists choices by number)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from csm_tui.domain.enums import AmlStatus, LeaveKind, QualificationKind
from csm_tui.i18n import label, set_language
from screens.aml_reviews import AmlReviewsScreen
from screens.checklist import ChecklistScreen
from tests.support.pilot import make_app, press_settled
from widgets.choices import Items, numbered, packed


def test_packed_items_are_never_split_and_fill_lines_up_to_the_width() -> None:
    items = numbered(["Fund sales", "Insurance agent certificate", "理财师", "Securities qualification"])
    assert packed(items, 40) == [
        "1 Fund sales", "2 Insurance agent certificate  3 理财师", "4 Securities qualification",
    ]  # fmt: skip
    assert packed(["a very long item wider than the line"], 10) == ["a very long item wider than the line"]


def _items_whole(dialog_items: Items, expected: list[str]) -> None:
    shown = str(dialog_items.render()).split("\n")
    assert [i for line in shown for i in line.split("  ")] == expected
    assert all(cell_len(line) <= dialog_items.size.width for line in shown)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_qualification_kinds_are_listed_each_whole_at_80_columns(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "5", "q")
        set_language(lang)
        _items_whole(app.screen.query_one(Items), numbered(label(k) for k in QualificationKind))


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_leave_kinds_are_listed_each_whole_at_80_columns(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        await press_settled(pilot, "o")
        set_language(lang)
        _items_whole(app.screen.query(Items).first(), numbered(label(k) for k in LeaveKind))


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_aml_decisions_are_listed_each_whole_at_80_columns(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "8")
        assert isinstance(app.screen, AmlReviewsScreen)
        await press_settled(pilot, "d")
        set_language(lang)
        _items_whole(app.screen.query_one(Items), numbered(label(s) for s in (AmlStatus.REPORTED, AmlStatus.DISMISSED)))
