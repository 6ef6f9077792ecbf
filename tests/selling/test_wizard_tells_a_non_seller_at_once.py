"""A role that does not sell (a supervisor, the admin: ``roles.SELLING_ROLES`` are client managers and 沃德 client
managers) opening the suitability wizard is told at once, in plain words naming who sells, and walked through no
step: no client is read, no key but Escape works. The services refuse the sale itself below the screen
(``tests/selling/test_sale.py``: a supervisor or the admin with every certificate is refused).

Pilot tests on the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import pytest
from textual.widgets import ContentSwitcher

from csm_tui.i18n import t
from screens.assessments_due import SuitabilityScreen
from screens.suitability_wizard import SuitabilityWizard
from tests.support.pilot import first_own_client, key_bar_text, make_app, press_settled, settle
from tests.support.words import screen_text


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("login", ["sup01", "admin"])
async def test_a_role_that_does_not_sell_is_told_at_the_wizards_start_and_walked_through_no_step(
    demo_url: str, lang: str, login: str
) -> None:
    client_id = first_own_client(demo_url).client_id
    app = make_app(demo_url, lang=lang, login=login)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        wizard = SuitabilityWizard(app.ws, client_id)
        await app.push_screen(wizard)
        await settle(pilot)
        assert "".join(t("wizard.not_seller").split()) in "".join(screen_text(app).split())  # wrapped at 80
        assert t("access.sale") in t("wizard.not_seller")  # the words the services refuse with: who sells
        assert not wizard.query_one(ContentSwitcher).display and wizard.ctx is None
        assert t("wizard.key.assess") not in key_bar_text(app) and t("key.leave_wizard") in key_bar_text(app)
        await press_settled(pilot, "q", "y", "s", "a")
        assert wizard.ctx is None and app.screen is wizard
        await press_settled(pilot, "escape")
        assert app.screen is not wizard


async def test_a_csm_is_walked_through_the_wizard_as_before(demo_url: str) -> None:
    client_id = first_own_client(demo_url).client_id
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        wizard = SuitabilityWizard(app.ws, client_id)
        await app.push_screen(wizard)
        await settle(pilot)
        assert wizard.ctx is not None and wizard.step == "status"
        assert t("wizard.not_seller") not in screen_text(app)


@pytest.mark.parametrize(("login", "offered"), [("csm01", True), ("sup01", False), ("admin", False)])
async def test_the_suitability_screen_offers_a_new_sale_to_a_role_that_sells_only(
    demo_url: str, login: str, offered: bool
) -> None:
    app = make_app(demo_url, login=login)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press_settled(pilot, "4")
        assert isinstance(app.screen, SuitabilityScreen)
        assert (t("key.new_sale") in key_bar_text(app)) is offered
        await press_settled(pilot, "n")
        assert isinstance(app.screen, SuitabilityWizard) is offered
