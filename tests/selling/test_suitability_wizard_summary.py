"""The wizard ends on a summary that only its own key (``s``) turns into a sale: Enter in the 双录 field does not
sell; a malformed 双录 reference is refused on the screen; a report that fails to write after the sale is saved says
so and offers to write it again (``r``), never to sell twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storage.orm import SaleRow, SuitabilityRow
from tests.support.pilot import make_app, settle
from tests.support.wizard import confirm_everything, count_rows
from widgets import signature_page


def _text(wizard: Any, selector: str) -> str:
    return str(wizard.query_one(selector).render())


async def test_enter_in_the_recording_field_shows_the_summary_and_only_s_sells_once(demo_url: str) -> None:
    sales = count_rows(demo_url, SaleRow)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await confirm_everything(pilot, "REC-2026-001")
        await pilot.press("enter")  # in the 双录 field
        await settle(pilot)
        assert wizard.step == "summary" and count_rows(demo_url, SaleRow) == sales
        summary = _text(wizard, "#summary-text")
        assert wizard.product.name in summary and "REC-2026-001" in summary
        assert "金额：¥" in summary and "风险匹配：客户 C3 稳健" in summary
        await pilot.press("enter", "y")
        await settle(pilot)
        assert wizard.step == "summary" and count_rows(demo_url, SaleRow) == sales
        await pilot.press("s")
        await settle(pilot)
        assert wizard.step == "done" and count_rows(demo_url, SaleRow) == sales + 1
        await pilot.press("s", "y", "enter")
        await settle(pilot)
    assert count_rows(demo_url, SaleRow) == sales + 1


async def test_a_malformed_recording_reference_is_refused_on_the_screen(demo_url: str) -> None:
    records = count_rows(demo_url, SuitabilityRow)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await confirm_everything(pilot, "录音 1")
        await pilot.press("enter")
        await settle(pilot)
        assert wizard.step == "confirm" and "双录编号格式不对" in _text(wizard, "#wizard-error")
    assert count_rows(demo_url, SuitabilityRow) == records


async def test_a_report_that_fails_after_the_sale_is_written_again_with_r_never_sold_twice(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = signature_page.save
    failures = [OSError("disk full")]

    def save(*args: Any) -> Path:
        if failures:
            raise failures.pop()
        return original(*args)

    monkeypatch.setattr(signature_page, "save", save)
    sales = count_rows(demo_url, SaleRow)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await confirm_everything(pilot, "REC-2026-002")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert wizard.step == "done" and count_rows(demo_url, SaleRow) == sales + 1
        assert "已保存，报告未生成——按 r 重新生成" in _text(wizard, "#done-text")
        await pilot.press("s")  # no second sale
        await pilot.press("r")
        await settle(pilot)
        done = _text(wizard, "#done-text")
        assert "报告未生成" not in done
        assert wizard.report_path is not None and wizard.report_path.endswith(done.split("…")[-1].split("：")[-1])
        report = Path(wizard.report_path)
        assert report.exists() and "REC-2026-002" in report.read_text(encoding="utf-8")
    assert count_rows(demo_url, SaleRow) == sales + 1
