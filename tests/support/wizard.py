"""Driving the suitability wizard on the demo branch, and counting what it wrote."""

from __future__ import annotations

from sqlalchemy import func, select
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input

from csm_tui.domain.enums import ProductCategory
from csm_tui.services.clients.finding import find_clients
from screens.suitability_wizard import SuitabilityWizard
from storage.engine import make_engine
from tests.support.pilot import settle


def count_rows(url: str, row: type, *where: object) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(select(func.count()).select_from(row).where(*where)) or 0  # type: ignore[arg-type]
    engine.dispose()
    return found


async def to_check(pilot: Pilot[None], rating: int) -> SuitabilityWizard:
    """Open the wizard, pick a wealthy own client, assess (all 'c': C3), choose a wealth product of ``rating``."""
    wizard = await to_products(pilot)
    assert wizard.ctx is not None
    index = wealth_product(wizard, rating)
    await pilot.press(*["down"] * index, "enter", *str(int(wizard.ctx.products[index].min_amount)), "enter")
    await settle(pilot)
    assert wizard.step == "check"
    return wizard


def wealth_product(wizard: SuitabilityWizard, rating: int) -> int:
    assert wizard.ctx is not None
    return next(
        i
        for i, p in enumerate(wizard.ctx.products)
        if p.category is ProductCategory.WEALTH and p.rating and p.rating.value == rating and not p.private_placement
    )


async def to_products(pilot: Pilot[None]) -> SuitabilityWizard:
    app = pilot.app
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    wizard = app.screen
    assert isinstance(wizard, SuitabilityWizard)
    client = next(r for r in find_clients(app.ws) if r.avg_3m > 200_000)  # type: ignore[attr-defined]
    await pilot.press(*client.number)
    await settle(pilot)
    await pilot.press("enter", "enter")
    await settle(pilot)
    assert wizard.step == "status"
    await pilot.press("q", *"cccccccccccc", "a", "b")
    await pilot.pause()
    await pilot.press("y")  # a first assessment is marked face to face already
    await settle(pilot)
    assert wizard.step == "product", str(wizard.query_one("#wizard-error").render())
    return wizard


async def confirm_everything(pilot: Pilot[None], ref: str) -> SuitabilityWizard:
    """To the confirm step of an allowed sale (an R2 product), every disclosure ticked, ``ref`` typed as the 双录
    reference and its field focused (Enter shows the summary, then ``s`` sells)."""
    wizard = await to_check(pilot, rating=2)
    assert wizard.verdict is not None and wizard.verdict.allowed
    await pilot.press("y")
    await pilot.pause()
    for name in ("disclosure_shown", "documents_read", "sentence_copied"):
        wizard.query_one(f"#{name}", Checkbox).value = True
    field = wizard.query_one("#recording_ref", Input)
    field.value = ref
    field.focus()
    await pilot.pause()
    return wizard
