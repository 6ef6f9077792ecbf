"""Client detail and search driven through the real app on a demo branch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select
from textual.pilot import Pilot

from csm_tui.domain.enums import Tier
from csm_tui.domain.values import ResidentId
from csm_tui.i18n import catalog
from screens.client_detail import ClientDetailScreen
from screens.search import SearchScreen
from storage.engine import make_engine
from storage.orm import AuditRow, ClientRow, StaffRow
from tests.support.pilot import make_app, open_own_client, settle, table_rows

SnapCompare = Callable[..., bool]


def _client(url: str, own: bool) -> ClientRow:
    """A client of csm01 (own) or of another manager, as stored."""
    engine = make_engine(url)
    with engine.connect() as conn:
        me = conn.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
        mine = ClientRow.manager_id == me
        row = conn.execute(
            select(ClientRow).where(mine if own else ~mine, ClientRow.mobile.is_not(None)).order_by(ClientRow.id)
        ).first()
    engine.dispose()
    assert row is not None
    return row  # type: ignore[return-value]


async def test_detail_reveals_the_full_identity_only_with_a_reason_and_audits_it(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        client = screen.detail.client
        identity = str(screen.query_one("#identity").render())
        assert client.resident_id.masked() in identity and str(client.resident_id) not in identity
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("enter")  # no reason: refused, nothing revealed
        await pilot.pause()
        assert "原因" in str(app.screen.query_one("#dialog-error").render())
        await pilot.press(*"客户来电核实", "enter")
        await settle(pilot)
        assert str(client.resident_id) in str(screen.query_one("#identity").render())
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        reveals = conn.execute(select(AuditRow).where(AuditRow.action == "reveal")).all()
        everything = " ".join(str(r.detail) for r in conn.execute(select(AuditRow)))
    engine.dispose()
    assert [(r.entity_id, r.detail["reason"]) for r in reveals] == [(str(client.id), "客户来电核实")]
    assert str(client.resident_id) not in everything and (client.mobile or "-") not in everything


async def test_detail_edit_saves_and_shows_the_change(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        client_id = screen.detail.client.id
        await pilot.press("e")
        await pilot.pause()
        address = app.screen.query_one("#address")
        address.value = ""  # type: ignore[attr-defined]
        address.focus()
        await pilot.press(*"上海市徐汇区漕溪北路1号", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert "漕溪北路1号" in str(screen.query_one("#identity").render())
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        stored = conn.execute(select(ClientRow.address, ClientRow.version).where(ClientRow.id == client_id)).one()
    engine.dispose()
    assert stored.address == "上海市徐汇区漕溪北路1号" and stored.version == 2


async def test_f3_finds_by_pinyin_initials_and_masks_other_managers_clients(demo_url: str) -> None:
    other = _client(demo_url, own=False)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*other.number)
        await settle(pilot)
        rows = table_rows(app)
        assert [r[0] for r in rows] == [other.number]
        assert "*" in rows[0][5] and rows[0][5] != other.resident_id
        assert rows[0][2:4] == ["", ""]  # another's client: no age, no tier
        await pilot.press("enter")  # the first Enter opens the highlighted result
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is None  # the OCRM summary only
        assert other.resident_id not in str(screen.query_one("#identity").render())
        await pilot.press("r")  # nothing to reveal of another manager's client
        await pilot.pause()
        assert isinstance(app.screen, ClientDetailScreen)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_client_detail_at_80x24(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=(80, 24), run_before=open_own_client)


@pytest.mark.parametrize("tab", ["assets", "contacts"])
def test_snapshot_of_client_detail_tabs_at_80x24(demo_url: str, snap_compare: SnapCompare, tab: str) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_own_client(pilot)
        pilot.app.screen.query_one("TabbedContent").active = tab  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(make_app(demo_url), terminal_size=(80, 24), run_before=run_before)


def _tab(tab: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_own_client(pilot)
        pilot.app.screen.query_one("TabbedContent").active = tab  # type: ignore[attr-defined]
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_client_detail_at_120x40(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=(120, 40), run_before=open_own_client)


@pytest.mark.parametrize("tab", ["assets", "contacts", "tasks", "referrals"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_of_every_client_detail_tab(
    demo_url: str, snap_compare: SnapCompare, tab: str, lang: str, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=size, run_before=_tab(tab))


async def test_f3_s_first_enter_opens_the_highlighted_result_and_own_results_show_age_tier_and_masked_mobile(
    demo_url: str,
) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        own = _client(demo_url, own=True)
        await pilot.press("f3", *own.number)
        await settle(pilot)
        [row] = table_rows(app)
        born = dt.date(int(own.resident_id[6:10]), int(own.resident_id[10:12]), int(own.resident_id[12:14]))
        assert row[2] == str(ResidentId.years_between(born, app.ws.time.today()))
        assert row[3] in {catalog("zh_CN")[f"tier.{tier.name.lower()}"] for tier in Tier}
        assert "****" in row[4] and own.mobile not in row[4]
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.client_id == own.id
