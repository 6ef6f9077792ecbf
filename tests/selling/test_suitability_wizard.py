"""The suitability wizard driven through the real app: one allowed sale and one blocked sale end to end; the
database holds exactly the expected records; a snapshot of each step at 80×24."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.pilot import Pilot

from csm_tui.domain.enums import ProductCategory, SuitabilityOutcome, TaskKind
from csm_tui.services.clients.finding import find_clients
from screens.suitability_wizard import SuitabilityWizard
from storage.engine import make_engine
from storage.orm import AssessmentRow, HoldingRow, SaleRow, SuitabilityRow, TaskRow
from tests.support.pilot import make_app, settle
from tests.support.wizard import count_rows, to_check, to_products, wealth_product

SnapCompare = Callable[..., bool]
SNAPSHOT_DATA = "/tmp/csm-wizard-snapshot"


async def test_only_a_fund_can_be_marked_as_a_regular_investment_plan(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await to_products(pilot)
        index = wealth_product(wizard, 2)
        await pilot.press(*["down"] * index, "enter", *"50000", "tab", "space", "shift+tab", "enter")
        await settle(pilot)
        assert wizard.query_one("#regular_plan").value  # type: ignore[attr-defined]
        assert wizard.step == "product" and "定投" in str(wizard.query_one("#wizard-error").render())


async def test_an_allowed_sale_records_the_sale_the_holding_and_the_service_callback(demo_url: str) -> None:
    before = {row: count_rows(demo_url, row) for row in (AssessmentRow, SuitabilityRow, SaleRow, HoldingRow)}
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await to_check(pilot, rating=2)
        assert wizard.verdict is not None and wizard.verdict.allowed
        await pilot.press("y")
        await pilot.pause()
        assert wizard.step == "confirm"
        await pilot.press("y")  # nothing confirmed yet: refused, nothing written
        await settle(pilot)
        missing = str(wizard.query_one("#wizard-error").render())
        assert wizard.step == "confirm" and "尚缺" in missing
        assert "展示风险揭示书" in missing and "双录编号" in missing and "_" not in missing  # in words, not fields
        for name in ("disclosure_shown", "documents_read", "sentence_copied"):
            wizard.query_one(f"#{name}").value = True  # type: ignore[attr-defined]
        wizard.query_one("#recording_ref").value = "REC-001"  # type: ignore[attr-defined]
        await pilot.press("y")
        await settle(pilot)
        assert wizard.step == "summary"  # nothing written yet: the summary asks for its own key
        assert count_rows(demo_url, SaleRow) == before[SaleRow]
        await pilot.press("enter", "y")
        await settle(pilot)
        assert wizard.step == "summary" and count_rows(demo_url, SaleRow) == before[SaleRow]
        await pilot.press("s")
        await settle(pilot)
        assert wizard.step == "done"
        assert wizard.report_path is not None
        report = Path(wizard.report_path)
    after = {row: count_rows(demo_url, row) for row in before}
    assert {row: after[row] - before[row] for row in before} == {
        AssessmentRow: 1,
        SuitabilityRow: 1,
        SaleRow: 1,
        HoldingRow: 1,
    }
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        record = conn.execute(select(SuitabilityRow).order_by(SuitabilityRow.id.desc()).limit(1)).one()
        sale = conn.execute(select(SaleRow).order_by(SaleRow.id.desc()).limit(1)).one()
        callback = conn.execute(select(TaskRow).where(TaskRow.origin == "sale", TaskRow.origin_id == sale.id)).one()
    engine.dispose()
    assert record.outcome == SuitabilityOutcome.SOLD and record.recording_ref == "REC-001"
    assert sale.suitability_id == record.id and callback.kind in (TaskKind.SERVICE_CALLBACK, TaskKind.SMS)
    assert all(c["passed"] for c in record.detail["checks"])
    assert report.exists() and "适当性" in report.read_text(encoding="utf-8")


async def test_a_blocked_sale_leaves_only_the_record_of_the_attempt(demo_url: str) -> None:
    before = {row: count_rows(demo_url, row) for row in (SuitabilityRow, SaleRow, HoldingRow)}
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await to_check(pilot, rating=4)  # a C3 client and an R4 bank wealth product: no override
        assert wizard.verdict is not None and not wizard.verdict.allowed
        await pilot.press("y")  # no way forward
        await pilot.pause()
        assert wizard.step == "check"
        await pilot.press("r")
        await settle(pilot)
        assert wizard.step == "done"
    after = {row: count_rows(demo_url, row) for row in before}
    assert {row: after[row] - before[row] for row in before} == {SuitabilityRow: 1, SaleRow: 0, HoldingRow: 0}
    assert count_rows(demo_url, SuitabilityRow, SuitabilityRow.outcome == SuitabilityOutcome.BLOCKED) >= 1


def _step(action: Callable[[Pilot[None]], Awaitable[object]]) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await action(pilot)
        await settle(pilot)

    return run_before


async def _questions(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    client = next(r for r in find_clients(pilot.app.ws) if r.avg_3m > 200_000)  # type: ignore[attr-defined]
    await pilot.press(*client.number)
    await settle(pilot)
    await pilot.press("enter", "enter")
    await settle(pilot)
    await pilot.press("q", "c", "c")


async def _identify(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    await pilot.press(*"zh")  # pinyin initials: the own clients they match


async def _status(pilot: Pilot[None]) -> None:
    await _questions(pilot)
    await pilot.press("escape")  # out of the wizard, then straight to the client's status
    await pilot.press("n")
    await settle(pilot)
    client = next(r for r in find_clients(pilot.app.ws) if r.avg_3m > 200_000)  # type: ignore[attr-defined]
    await pilot.press(*client.number)
    await settle(pilot)
    await pilot.press("enter", "enter")


async def _product(pilot: Pilot[None]) -> None:
    await _questions(pilot)
    await pilot.press(*"cccccccccc", "a", "b", "y")


async def _confirm(pilot: Pilot[None]) -> None:
    wizard = await to_check(pilot, rating=2)
    assert wizard.verdict is not None and wizard.verdict.allowed
    await pilot.press("y")


async def _summary(pilot: Pilot[None]) -> None:
    await _confirm(pilot)
    await pilot.pause()
    wizard = pilot.app.screen
    for name in ("disclosure_shown", "documents_read", "sentence_copied"):
        wizard.query_one(f"#{name}").value = True  # type: ignore[attr-defined]
    wizard.query_one("#recording_ref").value = "REC-2026-001"  # type: ignore[attr-defined]
    await pilot.press("y")


async def _done(pilot: Pilot[None]) -> None:
    await to_check(pilot, rating=4)
    await pilot.press("r")  # the blocked attempt recorded: the report's path is shown


STEPS: dict[str, Callable[[Pilot[None]], Awaitable[object]]] = {
    "identify": _identify,
    "status": _status,
    "questions": _questions,
    "product": _product,
    "check": lambda pilot: to_check(pilot, rating=4),
    "confirm": _confirm,
    "summary": _summary,
    "done": _done,
}


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize(("lang", "size"), [("en", (80, 24)), ("zh_CN", (120, 40)), ("en", (120, 40))],
                         ids=["en-80x24", "zh_CN-120x40", "en-120x40"])  # fmt: skip
def test_snapshot_of_wizard_steps_in_english_and_wide(
    demo_url: str, snap_compare: SnapCompare, step: str, lang: str, size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_DATA_HOME", SNAPSHOT_DATA)  # the report's path is on the screen: a fixed one
    try:
        assert snap_compare(make_app(demo_url, lang=lang), terminal_size=size, run_before=_step(STEPS[step]))
    finally:
        shutil.rmtree(SNAPSHOT_DATA, ignore_errors=True)


@pytest.mark.parametrize("step", list(STEPS))
def test_snapshot_of_wizard_steps_at_80x24(
    demo_url: str, snap_compare: SnapCompare, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", SNAPSHOT_DATA)  # the report's path is on the screen: a fixed one
    try:
        assert snap_compare(make_app(demo_url), terminal_size=(80, 24), run_before=_step(STEPS[step]))
    finally:
        shutil.rmtree(SNAPSHOT_DATA, ignore_errors=True)


async def test_backspace_steps_back_without_undoing_what_was_saved(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await to_check(pilot, rating=4)
        await pilot.press("backspace")
        assert wizard.step == "product"
        await pilot.press("backspace")
        assert wizard.step == "status"
        assert wizard.assessment is not None  # the assessment taken stays saved


async def test_the_wizard_opened_on_a_pitched_product_has_it_highlighted_in_the_product_step(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        client = next(r for r in find_clients(app.ws) if r.avg_3m > 200_000)
        with app.ws.uow() as tx:
            on_sale = tx.products.on_sale(app.ws.time.today())
        pitched = next(p for p in reversed(on_sale) if p.category is ProductCategory.WEALTH)
        wizard = SuitabilityWizard(app.ws, client.id, product_id=pitched.id)
        await app.push_screen(wizard)
        await settle(pilot)
        assert wizard.step == "status"
        await pilot.press("q", *"cccccccccccc", "a", "b")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert wizard.step == "product"
        assert wizard.ctx is not None
        table = wizard.query_one("#products")
        assert wizard.ctx.products[table.cursor_row].id == pitched.id  # type: ignore[attr-defined]
