"""The scoreboard driven through the real app on the demo branch: a CSM's card and drill-down, the supervisor's
team table with its forms and export, the admin's forms; snapshots at 80×24 in both languages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from textual.pilot import Pilot

from csm_tui.config import data_dir
from screens.dialogs import MysteryCheckDialog, QualificationDialog, TrainingDialog
from screens.figure_records import RecordsScreen
from screens.scoreboard import CardScreen
from storage.engine import make_engine
from tests.support.pilot import make_app, settle, table_rows

SnapCompare = Callable[..., bool]


async def _scores(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)


def _then(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await _scores(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def _count(url: str, sql: str) -> int:
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


async def test_a_csm_drills_from_an_indicator_to_its_records(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _scores(pilot)
        rows = table_rows(app)
        assert len(rows) == 15 + 4  # the indicators and the dimensions' subtotals
        await pilot.press("enter")  # the first indicator: wealth-product sales
        await settle(pilot)
        assert isinstance(app.screen, RecordsScreen)
        sales = table_rows(app)
        assert sales and all(r[3].startswith("¥") for r in sales)
        await pilot.press("escape")
        await pilot.press("m")  # not a CSM's key: nothing opens
        await settle(pilot)
        assert not isinstance(app.screen, MysteryCheckDialog)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert "2026Q3" in str(app.screen.query_one("#screen-title").render())


async def test_a_supervisor_records_a_mystery_shopper_check_and_exports_the_table(demo_url: str) -> None:
    app = make_app(demo_url, login="sup01")
    async with app.run_test(size=(80, 24)) as pilot:
        await _scores(pilot)
        team = table_rows(app)
        assert team and [r[0] for r in team] == sorted((r[0] for r in team), key=int)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MysteryCheckDialog)
        await pilot.press("1", "2", "3", "tab", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, MysteryCheckDialog)
        assert _count(demo_url, "select count(*) from mystery_checks where score = 40") == 1
        await pilot.press("s", "s", "r")  # sort by the team member's name, descending
        await settle(pilot)
        names = [r[2] for r in table_rows(app)]
        assert names == sorted(names, reverse=True)
        await pilot.press("x")
        await settle(pilot)
        book = load_workbook(data_dir() / "exports" / "scores-2026Q4.xlsx")
        sheet = book.active
        assert sheet is not None
        exported = list(sheet.iter_rows(values_only=True))
        assert exported[0][:3] == ("排名", "网点排名", "姓名")
        assert sorted(r[2] for r in exported[1:]) == sorted(names)
        assert _count(demo_url, "select count(*) from clients where name in ({})".format(
            ",".join(f"'{c}'" for row in exported for c in row if isinstance(c, str)))) == 0  # fmt: skip
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)


async def test_the_admin_records_training_and_a_qualification(demo_url: str) -> None:
    app = make_app(demo_url, login="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await _scores(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, TrainingDialog)
        await pilot.press("tab", *"2.5", "tab", *"AML", "enter")
        await settle(pilot)
        assert _count(demo_url, "select sum(minutes) from training_records") == 150
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, QualificationDialog)
        await pilot.press("4", "tab", "tab", *"2026-13-01", "enter")  # a bad date: refused, kept as typed
        await settle(pilot)
        assert isinstance(app.screen, QualificationDialog)
        assert "YYYY-MM-DD" in str(app.screen.query_one("#dialog-error").render())
        before = _count(demo_url, "select count(*) from staff_qualifications")
        await pilot.press(*["backspace"] * 10, *"2026-11-01", "enter")
        await settle(pilot)
        assert _count(demo_url, "select count(*) from staff_qualifications") == before + 1


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_the_team_table_at_80x24(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    assert snap_compare(make_app(demo_url, lang=lang, login="sup01"), terminal_size=(80, 24), run_before=_then())


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_the_year_table_at_80x24(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="admin")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_then("y"))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_the_records_behind_a_figure_at_80x24(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=(80, 24), run_before=_then("enter"))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_the_mystery_shopper_form_at_80x24(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    app = make_app(demo_url, lang=lang, login="sup01")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_then("m"))


WIDE = [
    ("team", "sup01", ()),
    ("year", "admin", ("y",)),
    ("records", "csm01", ("enter",)),
    ("mystery", "sup01", ("m",)),
]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(("name", "login", "keys"), WIDE, ids=[w[0] for w in WIDE])
def test_snapshot_of_the_scoreboard_at_120x40(
    demo_url: str, snap_compare: SnapCompare, name: str, login: str, keys: tuple[str, ...], lang: str
) -> None:
    app = make_app(demo_url, lang=lang, login=login)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_then(*keys))


def test_exports_stay_in_the_data_directory() -> None:
    assert Path(data_dir()).is_absolute()
