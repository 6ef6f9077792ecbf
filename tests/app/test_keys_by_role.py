"""Every key the app names for a role works for it, and every key that does nothing for a role is not named
(issue 18, a fresh reviewer's findings): F1 and the key bar list an app key exactly when pressing it opens something;
the key bar names each role's own first destinations (the lobby's 7, the door of an event); ``1`` is named for where
it leads (a supervisor's team's day, the admin's data state) and leads back there.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest
from textual.actions import parse as parse_action
from textual.binding import Binding

from csm_tui.app import CsmApp
from csm_tui.i18n import t
from screens.checklist import ChecklistScreen
from screens.data_state import DataStateScreen
from screens.events import EventsScreen
from screens.team_checklist import TeamChecklistScreen
from tests.support.pilot import f1_keys, key_bar_text, make_app, press_settled, settle
from widgets.bindings import described

LOGINS = ["csm01", "wm01", "sup01", "admin", "lobby01", "teller01"]


def app_keys() -> list[Binding]:
    """The app's own keys, but quitting (which ends the test)."""
    return [b for b in CsmApp.BINDINGS if isinstance(b, Binding) and b.id != "app.quit"]


def neutral_mode(binding: Binding) -> str:
    """A destination the key does not lead to: pressing it there must show something else."""
    _, action, parameters = parse_action(binding.action)
    return "checklist" if action == "go" and parameters == ("referrals",) else "referrals"


def in_key_bar(app: CsmApp, key: str) -> bool:
    """The key bar names ``key`` with what it does."""
    active = app.screen.active_bindings.get(key)
    bar = " " + key_bar_text(app)
    return active is not None and f" {app.get_key_display(active.binding)} {described(active.binding)}" in bar


@pytest.mark.parametrize("login", LOGINS)
async def test_every_app_key_f1_or_the_key_bar_names_for_a_role_opens_something_and_no_other_is_named(
    demo_url: str, login: str
) -> None:
    app = make_app(demo_url, login=login, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for binding in app_keys():
            mode = neutral_mode(binding)
            app.switch_mode(mode)
            await settle(pilot)
            before, depth = app.screen, len(app.screen_stack)
            listed, in_bar = binding.key in await f1_keys(pilot), in_key_bar(app, binding.key)
            await press_settled(pilot, binding.key)
            opened = app.screen is not before
            assert listed == opened, (login, binding.key, listed, opened)
            assert not in_bar or opened, (login, binding.key)
            while len(app.screen_stack) > depth and app.current_mode == mode:  # what the key pushed
                app.pop_screen()
                await settle(pilot)


@pytest.mark.parametrize(
    ("login", "shown", "hidden"),
    [
        ("csm01", ["1", "2", "3", "4", "5"], ["6", "7", "8", "9"]),
        ("lobby01", ["1", "6", "7"], ["2", "3", "4", "5", "8", "9"]),
        ("teller01", ["1", "6"], ["2", "3", "4", "5", "7", "8", "9"]),
    ],
)
async def test_the_key_bar_names_each_roles_own_first_destinations(
    demo_url: str, login: str, shown: list[str], hidden: list[str]
) -> None:
    app = make_app(demo_url, login=login, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.switch_mode("referrals")
        await settle(pilot)
        bar = " " + key_bar_text(app)
        names = {b.key: described(b) for b in app_keys()}
        assert [k for k in shown if f" {k} {names[k]}" not in bar] == []
        assert [k for k in hidden if f" {k} " in bar] == []
        if login == "lobby01":  # the door of an event, from the lobby's home
            await press_settled(pilot, "7")
            assert isinstance(app.screen, EventsScreen)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(
    ("login", "home", "name"),
    [("sup01", TeamChecklistScreen, "nav.team_day"), ("admin", DataStateScreen, "nav.data_state")],
)
async def test_1_is_named_for_the_roles_home_and_leads_back_to_it_from_its_own_checklist(
    demo_url: str, lang: str, login: str, home: type, name: str
) -> None:
    app = make_app(demo_url, login=login, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, home)
        bar = key_bar_text(app)
        assert f"1 {t(name)}" in bar and f"1 {t('nav.checklist')}" not in bar
        assert t(name) in {c.title for c in app.get_system_commands(app.screen)}
        assert t("nav.checklist") not in {c.title for c in app.get_system_commands(app.screen)}
        await press_settled(pilot, "escape")  # their own list, behind
        assert type(app.screen) is ChecklistScreen
        await press_settled(pilot, "2", "1")
        assert isinstance(app.screen, home)
        await press_settled(pilot, "escape", "1")
        assert isinstance(app.screen, home)
        assert len([s for s in app.screen_stack if isinstance(s, home)]) == 1
