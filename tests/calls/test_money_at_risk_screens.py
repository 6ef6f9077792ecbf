"""Money at risk, households and birthdays on the screens, driven through the real app on the demo branch (whose
csm01 has clients at risk and households)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from rich.cells import cell_len
from sqlalchemy import func, or_, select
from textual.widgets import Static

from csm_tui.domain.enums import QueueReason
from csm_tui.domain.households import Household, HouseholdMember, Relation
from csm_tui.i18n import set_language
from csm_tui.services.rows import Candidate
from screens.client_detail import ClientDetailScreen
from screens.queue import DETAIL_WIDTH
from storage.engine import make_engine
from storage.orm import AuditRow, ClientLinkRow, ClientRow, StaffRow
from tests.support.pilot import make_app, settle, table_rows
from widgets.cells import reason_detail
from widgets.risk_lines import household_line
from widgets.table import KeyTable


def _clients(url: str) -> tuple[int, int, str]:
    """csm01's first client in no household, and another CSM's client (and its number)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        me = conn.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
        linked = select(ClientLinkRow.client_id).union(select(ClientLinkRow.relative_id))
        mine = conn.scalar(
            select(ClientRow.id).where(ClientRow.manager_id == me, ClientRow.id.not_in(linked)).order_by(ClientRow.id)
        )
        other = conn.execute(
            select(ClientRow.id, ClientRow.number)
            .where(ClientRow.manager_id != me, ClientRow.id.not_in(linked))
            .order_by(ClientRow.id)
        ).first()
    engine.dispose()
    assert mine is not None and other is not None
    return mine, other.id, other.number


async def test_the_queue_shows_a_tier_at_risk_with_its_day_and_sum_and_the_page_its_forecast(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        rows = table_rows(app)
        at_risk = [n for n, row in enumerate(rows) if "日均将跌破" in row]
        assert at_risk, rows
        row = rows[at_risk[0]]
        assert any("跌破补¥" in cell for cell in row)
        app.screen.query_one(KeyTable).move_cursor(row=at_risk[0])
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        forecast = screen.detail.forecast
        assert forecast is not None and forecast.top_up is not None
        tier = str(screen.query_one("#tier").render())
        assert f"日均预计 {forecast.falls_on.isoformat()} 跌破 ¥50,000.00" in tier
        assert "数据截至 " + forecast.as_of.isoformat() in tier


async def test_a_csm_links_another_csms_client_and_the_page_shows_the_household_masked(demo_url: str) -> None:
    mine, other, number = _clients(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ClientDetailScreen(app.ws, mine))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen)
        assert "家庭：未关联（按 h 关联）" in str(screen.query_one("#identity").render())
        await pilot.press("h")
        await pilot.pause()
        await pilot.press(*f"{number} s", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        identity = str(screen.query_one("#identity").render())
        assert "配偶，非本人客户" in identity and "家庭日均合计" in identity and "不含 1 位非本人客户" in identity
        assert screen.detail is not None and screen.detail.household is not None
        (member,) = screen.detail.household.members
        assert (member.client_id, member.relation, member.own, member.avg_3m) == (other, Relation.SPOUSE, False, None)
        await pilot.press("b")
        await settle(pilot)
        assert "（农历）" in str(screen.query_one("#identity").render())
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        link = conn.execute(
            select(ClientLinkRow.relation).where(
                or_(ClientLinkRow.client_id == mine, ClientLinkRow.relative_id == mine)
            )
        ).scalar_one()
        lunar = conn.scalar(select(ClientRow.lunar_birthday).where(ClientRow.id == mine))
    engine.dispose()
    assert link == "spouse" and lunar is not None


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("amount", ["4243.74", "215100.00", "1092012.24", "12150000.00", "45999999.99"])
def test_the_queue_detail_of_a_tier_at_risk_or_a_large_outflow_fits_its_column_whole(lang: str, amount: str) -> None:
    """At 80 columns the queue's detail column holds the day and the sum whole (a cut sum reads as another sum); the
    sum to the fen is on the client's card. The top-up is rounded up to the yuan (still enough), the outflow down."""
    set_language(lang)
    try:
        base = {"client_id": 1, "client_name": "谭慧", "due_on": dt.date(2026, 12, 3), "avg_3m": Decimal("510250.80")}
        on, money_ = dt.date(2026, 12, 8), Decimal(amount)
        tier = Candidate(**base, reason=QueueReason.TIER_AT_RISK, on=on, amount=money_, threshold=Decimal("500000"))
        fell = Candidate(**base, reason=QueueReason.TIER_AT_RISK, on=on, amount=None, threshold=Decimal("500000"))
        out = Candidate(**base, reason=QueueReason.LARGE_OUTFLOW, on=on, amount=money_)
        for candidate in (tier, fell, out):
            detail = reason_detail(candidate, str)
            assert cell_len(detail) <= DETAIL_WIDTH, detail
            assert "12-08" in detail
        whole = f"¥{math.ceil(money_):,}"
        assert whole in reason_detail(tier, str)
        assert f"¥{math.floor(money_):,}" in reason_detail(out, str)
    finally:
        set_language("zh_CN")


async def test_a_relative_linked_by_mistake_is_unlinked_from_the_same_dialog(demo_url: str) -> None:
    """``h`` then the number and ``x`` removes a link (a mistyped number linked a stranger, and nothing else on the
    screens could take it back); the dialog says so, and the unlink is audited."""
    mine, _other, number = _clients(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ClientDetailScreen(app.ws, mine))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen)
        await pilot.press("h")
        await pilot.pause()
        assert "x 解除" in " ".join(str(s.content) for s in app.screen.query(Static))
        await pilot.press(*f"{number} s", "enter")
        await settle(pilot)
        assert "配偶，非本人客户" in str(screen.query_one("#identity").render())
        await pilot.press("h")
        await pilot.pause()
        await pilot.press(*f"{number} x", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert "家庭：未关联" in str(screen.query_one("#identity").render())
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        links = conn.scalar(
            select(func.count()).where(or_(ClientLinkRow.client_id == mine, ClientLinkRow.relative_id == mine))
        )
        unlinked = conn.scalar(
            select(func.count()).where(AuditRow.action == "household.unlink", AuditRow.entity_id == str(mine))
        )
    engine.dispose()
    assert (links, unlinked) == (0, 1)


def test_a_household_of_two_hundred_relatives_is_one_short_line_that_counts_the_rest() -> None:
    """An import can link one client to hundreds (a bad file): the card and the page keep the household to a line
    that names the first few and counts the others, instead of a page of names pushing the rest off the screen."""
    members = tuple(
        HouseholdMember(
            client_id=n, relation=Relation.CHILD, number=f"C{n:04d}", name=f"张{n}", masked_id="110105********0001",
            avg_3m=Decimal("1000.00"), assets_as_of=dt.date(2026, 12, 1), own=True,
        )
        for n in range(200)
    )  # fmt: skip
    line = household_line(Household(members=members, combined_avg=Decimal("201000.00"), as_of=dt.date(2026, 12, 1)))
    assert cell_len(line) <= 160, line  # two lines at 80 columns
    assert "张0（子女）" in line and "张199" not in line and "另 195 位" in line
    assert "¥201,000.00" in line
