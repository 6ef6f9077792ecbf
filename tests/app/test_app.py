"""The workstation driven headless through the real app, on a demo branch, with the clock frozen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot

from csm_tui.app import DESTINATIONS, CsmApp
from csm_tui.domain.enums import Role
from csm_tui.i18n import catalog
from csm_tui.policy import Policy
from csm_tui.services.checklist.day_list import load_list
from screens.help import HelpScreen
from tests.support.pilot import make_app, settle, table_rows
from widgets.table import KeyTable


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_boots_on_the_checklist_with_the_days_real_figures(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.current_mode == "checklist"
        day = load_list(app.ws)
        rows = {row[2]: row[3] for row in table_rows(app)}
        strings = catalog(lang)
        assert len(rows) == len(day.items) == len(Policy().checklist.for_role(Role.CSM))
        calls = next(i.progress for i in day.items if i.item.code == "calls")
        assert calls is not None
        assert rows[strings["checklist.items.calls"]] == f"{calls.done} / 10"
        callbacks = next(i.progress for i in day.items if i.item.code == "callbacks")
        assert callbacks is not None and callbacks.total > 0  # the demo has callbacks due
        assert rows[strings["checklist.items.callbacks"]] == f"{callbacks.done} / {callbacks.total}"
        assert "2026-11-27" in app.sub_title  # the branch's today, from the frozen clock
        assert "2026-11-25" in app.sub_title  # the data's as-of date (T+2)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_every_destination_is_one_key_away_and_shows_data(demo_url: str, lang: str) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, destination in zip("1234567", DESTINATIONS, strict=True):
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == destination
            if destination == "clients":
                await pilot.press("escape")  # from the list's search (where digits are typed) to the list
            if destination != "events":  # the demo's events come with issue 21's demo (21.7)
                assert table_rows(app), f"{destination} shows no rows"
            title = str(app.screen.query_one("#screen-title").render())
            assert title.startswith(catalog(lang)[f"nav.{destination}"])


async def test_clients_list_shows_own_clients_in_full_and_others_masked(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        own = table_rows(app)
        assert own and all(Decimal(row[5].replace(",", "")) >= 0 for row in own)  # assets in 万元
        with app.ws.uow() as tx:
            other = tx.clients.summary(_a_client_of_another_csm(app))
        assert other is not None
        await pilot.press("slash", *other.number)
        await settle(pilot)
        rows = table_rows(app)
        assert [r[0] for r in rows] == [other.number]
        assert rows[0][2] == other.masked_id and "*" in rows[0][2]
        assert rows[0][5] == "—"  # no assets for another CSM's client


def _a_client_of_another_csm(app: CsmApp) -> int:
    from sqlalchemy import select

    from storage.orm import ClientRow

    engine = app.ws.uow.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        found = conn.scalar(select(ClientRow.id).where(ClientRow.manager_id != app.ws.staff.id).limit(1))
    assert found is not None
    return int(found)


async def test_queue_filter_narrows_and_escape_restores(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        everything = table_rows(app)
        assert len(everything) >= 2
        name = everything[0][1]
        await pilot.press("slash", *name)
        narrowed = table_rows(app)
        assert narrowed and all(row[1] == name for row in narrowed)
        await pilot.press("escape")
        assert table_rows(app) == everything
        await pilot.press("j")
        assert app.screen.query_one(KeyTable).cursor_row == 1


async def test_f1_lists_every_key_and_escape_closes_it(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        listed = {row[1] for row in table_rows(app)}
        for binding_id in ("nav.checklist", "nav.queue", "nav.clients", "nav.suitability", "nav.scoreboard"):
            assert catalog("zh_CN")[binding_id] in listed
        assert {"帮助", "退出", "命令", "上下移动一行", "第一行或最后一行"} <= listed
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_reaches_every_destination(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {catalog("zh_CN")[f"nav.{d}"] for d in DESTINATIONS} <= titles
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"绩效看板")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "scoreboard"


async def test_keys_can_be_remapped_by_binding_id(demo_url: str) -> None:
    app = make_app(demo_url, keymap={"nav.queue": "f3"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert app.current_mode == "checklist"
        await pilot.press("f3")
        await settle(pilot)
        assert app.current_mode == "queue"


SnapCompare = Callable[..., bool]


def _visit(key: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    return run_before


SNAPSHOTS = [(key, lang) for key in "12345678" for lang in ("zh_CN", "en")]  # 7 events, 8 suspicion reports


@pytest.mark.parametrize(("key", "lang"), SNAPSHOTS)
def test_snapshot_at_80x24(demo_url: str, snap_compare: SnapCompare, key: str, lang: str) -> None:
    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=(80, 24), run_before=_visit(key))


@pytest.mark.parametrize(("key", "lang"), SNAPSHOTS)
def test_snapshot_at_120x40(demo_url: str, snap_compare: SnapCompare, key: str, lang: str) -> None:
    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=(120, 40), run_before=_visit(key))


def _in_session(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """The queue, its call session, then ``keys`` (a dialog of the session, F1)."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _visit("2")(pilot)
        for key in ("c", *keys):
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_a_call_session_at_80x24(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=(80, 24), run_before=_in_session())


SESSION_VIEWS = [(view, lang) for view in ("session", "z", "b", "f1") for lang in ("zh_CN", "en")]


@pytest.mark.parametrize(("view", "lang"), SESSION_VIEWS)
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_of_a_call_session_its_dialogs_and_help(
    demo_url: str, snap_compare: SnapCompare, view: str, lang: str, size: tuple[int, int]
) -> None:
    """The session, its snooze (z) and agreed-to-buy (b) dialogs and its F1, at both sizes in both languages."""
    keys = () if view == "session" else (view,)
    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=size, run_before=_in_session(*keys))
