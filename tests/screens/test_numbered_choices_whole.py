"""Words held together at 80 columns: in a dialog's numbered choices ("1 Savings  2 Fund …") a number is never parted
from its label, and what the catalog binds with no-break spaces (an event's "featured products sold 0, total 0.00
yuan") stays on one line. One widget, ``widgets.choices.BoundText``, lays them out."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from csm_tui.domain.enums import AmlStatus, LeaveKind, QualificationKind
from csm_tui.i18n import label, set_language
from screens.aml_reviews import AmlReviewsScreen
from screens.checklist import ChecklistScreen
from tests.support.pilot import make_app, press_settled
from widgets.choices import NBSP, BoundText, numbered, packed


def test_lines_break_only_at_plain_or_ideographic_spaces_never_inside_a_bound_group() -> None:
    text = numbered(["Fund sales", "Insurance agent certificate", "理财师", "Securities qualification"])
    assert packed(text, 40) == [
        f"1{NBSP}Fund{NBSP}sales",
        f"2{NBSP}Insurance{NBSP}agent{NBSP}certificate  3{NBSP}理财师",
        f"4{NBSP}Securities{NBSP}qualification",
    ]
    assert packed("邀约\u00a05　接受\u00a05　推介产品成交\u00a00\u00a0笔", 14) == [
        "邀约\u00a05　接受\u00a05",
        "推介产品成交\u00a00\u00a0笔",
    ]
    assert packed(f"a{NBSP}very{NBSP}long{NBSP}group", 6) == [f"a{NBSP}very{NBSP}long{NBSP}group"]
    assert packed("two\nlines", 80) == ["two", "lines"]


def _whole(widget: BoundText, labels: list[str]) -> None:
    shown = str(widget.render()).split("\n")
    items = [item for line in shown for item in line.split("  ")]
    assert items == [f"{n} {text}" for n, text in enumerate(labels, start=1)]
    assert all(cell_len(line) <= widget.size.width for line in shown)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_qualification_kinds_are_listed_each_whole_at_80_columns(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "5", "q")
        set_language(lang)
        _whole(app.screen.query_one(BoundText), [label(k) for k in QualificationKind])


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_leave_kinds_are_listed_each_whole_at_80_columns(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        await press_settled(pilot, "o")
        set_language(lang)
        kinds = next(w for w in app.screen.query(BoundText) if w.id is None)  # the one listing no record
        _whole(kinds, [label(k) for k in LeaveKind])


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_aml_decisions_are_listed_each_whole_at_80_columns(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "8")
        assert isinstance(app.screen, AmlReviewsScreen)
        await press_settled(pilot, "d")
        set_language(lang)
        _whole(app.screen.query_one(BoundText), [label(s) for s in (AmlStatus.REPORTED, AmlStatus.DISMISSED)])
