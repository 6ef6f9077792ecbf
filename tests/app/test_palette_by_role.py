"""The command palette offers each role what it may do, and only that (issue 18.3): every entry offered opens
without a permission refusal, and what the services refuse a role (a lobby manager's scoreboard, a teller's sale or
event) is not offered to it.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest

from csm_tui.domain.enums import Role
from csm_tui.i18n import catalog
from csm_tui.services.ports import AccessDenied
from csm_tui.services.selling import attempts
from tests.support.pilot import make_app, notices, settle
from tests.support.words import screen_text

ZH = catalog("zh_CN")
# Every way the app says "not permitted" (or hides one behind "could not load").
REFUSALS = [v for k, v in ZH.items() if k.startswith("access.")] + [ZH["error.access_denied"], ZH["error.load_failed"]]

EVERY_ROLE = ["nav.referrals", "key.search", "shelf.title", "key.help", "key.quit"]
CLIENT_WORK = ["nav.queue", "nav.clients", "nav.suitability", "agenda.title", "export.tasks", "export.contacts"]
SELLING = "key.new_sale"  # client managers and 沃德 managers sell; a supervisor reviews, the admin runs the data
# ``1``'s entry is named for where it leads: the checklist, a supervisor's team's day, the admin's data state.
OFFERED = {
    "csm01": {*EVERY_ROLE, *CLIENT_WORK, SELLING, "nav.checklist", "nav.scoreboard", "nav.events", "key.leave",
              "aml.title", "nav.prospects"},
    "sup01": {*EVERY_ROLE, *CLIENT_WORK, "nav.team_day", "nav.scoreboard", "nav.events", "aml.title", "nav.prospects"},
    "admin": {*EVERY_ROLE, *CLIENT_WORK, "nav.data_state", "nav.scoreboard", "nav.events", "aml.title",
              "import.title"},
    "wm01": {*EVERY_ROLE, *CLIENT_WORK, SELLING, "nav.checklist", "nav.prospects"},  # those their clients introduce
    "lobby01": {*EVERY_ROLE, "nav.checklist", "nav.events"},  # the lobby checks people in at an event's door
    "teller01": {*EVERY_ROLE, "nav.checklist"},
}  # fmt: skip


def refusals_in(text: str) -> list[str]:
    return [r for r in REFUSALS if r in text]


@pytest.mark.parametrize("login", list(OFFERED))
async def test_the_palette_offers_a_role_only_what_it_may_open_and_each_entry_opens_unrefused(
    demo_url: str, login: str
) -> None:
    app = make_app(demo_url, login=login)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.screen))
        names = {c.title for c in commands}
        assert names == {ZH[key] for key in OFFERED[login]}
        for command in commands:
            if command.title == ZH["key.quit"]:
                continue
            seen = len(notices(app))
            depth, mode = len(app.screen_stack), app.current_mode
            command.callback()
            await settle(pilot)
            shown = " ".join(notices(app)[seen:]) + screen_text(app)
            assert refusals_in(shown) == [], (login, command.title)
            while len(app.screen_stack) > depth:
                app.pop_screen()
                await settle(pilot)
            app.switch_mode(mode)
            await settle(pilot)


@pytest.mark.parametrize("login", ["lobby01", "teller01"])
async def test_what_the_counter_is_refused_is_not_in_its_palette(demo_url: str, login: str) -> None:
    """The scoreboard and a sale, refused below the screens to the lobby and tellers, are not offered them."""
    app = make_app(demo_url, login=login)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.ws.staff.role in (Role.LOBBY, Role.TELLER)
        offered = {c.title for c in app.get_system_commands(app.screen)}
        assert not offered & {ZH["nav.scoreboard"], ZH["key.new_sale"], ZH["agenda.title"]}
        app.action_go("scoreboard")  # the key 5 still leads there: refused, as a permission
        await settle(pilot)
        assert refusals_in(" ".join(notices(app)))
    with pytest.raises(AccessDenied):
        attempts.context(app.ws, client_id=1)  # no sale: they never read a client in full
