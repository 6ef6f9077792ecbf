"""The queue's and the checklist's keys follow the work each role is offered (``roles.WORK_ROLES``): a key for work
the services would refuse the role is neither in the key bar nor in F1, and pressing it does nothing; and the reveal
dialog says Enter reveals, for it saves nothing.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from csm_tui.i18n import t
from screens.checklist import ChecklistScreen
from screens.dialogs import RevealDialog
from screens.queue import QueueScreen
from tests.support.pilot import f1_keys, key_bar_text, make_app, open_own_client, press_settled, settle


async def in_mode(pilot: Pilot[None], mode: str) -> None:
    """From the start, the destination ``mode`` shown and read."""
    await settle(pilot)
    pilot.app.switch_mode(mode)
    await settle(pilot)


async def does_nothing(pilot: Pilot[None], key: str) -> bool:
    """Pressing ``key`` leaves the same screen shown, nothing pushed over it."""
    before, depth = pilot.app.screen, len(pilot.app.screen_stack)
    await press_settled(pilot, key)
    return pilot.app.screen is before and len(pilot.app.screen_stack) == depth


@pytest.mark.parametrize(
    ("login", "hidden", "shown"),
    [
        ("sup01", {"b"}, {"c", "s", "z", "l", "p"}),  # a supervisor lists the team's prospects, but does not sell
        ("admin", {"b", "p"}, {"c", "s", "z", "l"}),  # the admin neither sells nor lists prospects
        ("csm01", set(), {"b", "p", "c", "s", "z", "l"}),
    ],
)
async def test_the_queue_names_and_acts_on_only_the_keys_of_work_the_role_is_offered(
    demo_url: str, login: str, hidden: set[str], shown: set[str]
) -> None:
    app = make_app(demo_url, login=login, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await in_mode(pilot, "queue")
        assert isinstance(app.screen, QueueScreen)
        listed = await f1_keys(pilot)
        assert hidden & listed == set() and shown <= listed, (listed, hidden, shown)
        assert [key for key in sorted(hidden) if not await does_nothing(pilot, key)] == []


@pytest.mark.parametrize("login", ["lobby01", "teller01"])
async def test_the_lobby_and_tellers_own_checklist_neither_names_nor_opens_the_agenda(
    demo_url: str, login: str
) -> None:
    app = make_app(demo_url, login=login, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await in_mode(pilot, "checklist")
        assert type(app.screen) is ChecklistScreen and app.screen.own
        assert f"a {t('key.agenda')}" not in key_bar_text(app)
        assert "a" not in await f1_keys(pilot)
        assert await does_nothing(pilot, "a")
        assert "p" in await f1_keys(pilot)  # the shelf is everyone's


async def test_a_csms_own_checklist_still_names_and_opens_the_agenda(demo_url: str) -> None:
    from screens.agenda import AgendaScreen

    app = make_app(demo_url, login="csm01", lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "a" in await f1_keys(pilot)
        await press_settled(pilot, "a")
        assert isinstance(app.screen, AgendaScreen)


@pytest.mark.parametrize(("lang", "enter"), [("zh_CN", "回车显示"), ("en", "Enter reveals")])
async def test_the_reveal_dialog_says_enter_reveals_not_saves(demo_url: str, lang: str, enter: str) -> None:
    app = make_app(demo_url, login="csm01", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        await press_settled(pilot, "r")
        assert isinstance(app.screen, RevealDialog)
        words = " ".join(str(s.render()) for s in app.screen.query(".hint"))
        assert enter in words and t("dialog.hint") not in words
