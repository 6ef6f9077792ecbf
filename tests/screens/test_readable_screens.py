"""Everything a CSM needs to read is readable, driven through the real app at 80×24 on the demo branch: the queue's
detail cut with ``…`` and never mid-number, any row whole with → or Enter, the contacts tab's notes and feedback
in full in its pane, the call card's why (a 回访's purchase, a retry that claims no agreed time) and the last
contacts' whole notes, a script on the client's own money, and a balance chart with an axis from zero."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from rich.console import Group
from rich.text import Text
from sqlalchemy import select, update
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

from csm_tui.app import CsmApp
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Channel, Disposition, ProductCategory, QueueReason, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.models import Client, NewContactRecord, NewSale, NewTask
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.calls.queue import QueueItem
from csm_tui.services.rows import Candidate
from screens.call_session import CallSession
from screens.client_detail import ClientDetailScreen
from storage.engine import make_engine
from storage.orm import ClientRow, StaffRow, TaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.clock import FROZEN_AT
from tests.support.pilot import make_app, open_own_client, settle, table_rows
from widgets.balance_chart import BalanceChart
from widgets.client_card import ClientCard
from widgets.row_detail import RowDetail
from widgets.script_panel import ScriptPanel
from widgets.table import KeyTable

SIZE = (80, 24)
SnapCompare = Callable[..., bool]
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 27)
LONG_NOTE = "整存整取3个月 225,000.00 到期，客户考虑转投理财，需要再确认家庭资金安排和风险偏好的变化情况，下周三前回复"
FEEDBACK = "客户希望收益稳定，不想承担本金亏损的风险，对手续费比较在意，希望下次面谈时带上产品说明书"


def _system(url: str) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(make_engine(url), FrozenClock(FROZEN_AT))


def _own_clients(url: str) -> tuple[int, list[Client]]:
    """csm01's id and own clients, by number."""
    with make_engine(url).connect() as conn:
        csm = conn.execute(select(StaffRow.id).where(StaffRow.login == "csm01")).scalar_one()
        ids = conn.execute(select(ClientRow.id).where(ClientRow.manager_id == csm).order_by(ClientRow.number)).all()
    with _system(url)() as tx:
        return csm, [tx.clients.get(i) for (i,) in ids]


def _plain(widget: Static) -> str:
    content = widget.content
    if isinstance(content, Group):
        return "\n".join(str(r) for r in content.renderables)
    return str(content)


def _seen(app: CsmApp, text: str) -> bool:
    """``text`` is on the screen as painted, perhaps wrapped over lines (spaces and borders aside)."""
    drop = str.maketrans("", "", " \xa0\n│")
    return text.translate(drop) in _shown(app).translate(drop)


def _shown(app: CsmApp) -> str:
    """The screen as painted (SVG text, one line per row)."""
    import html
    import re

    rows: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', app.export_screenshot()):
        rows.setdefault(float(m[2]), []).append((float(m[1]), html.unescape(re.sub("<[^>]+>", "", m[3]))))
    return "\n".join("".join(s for _, s in sorted(v)) for _, v in sorted(rows.items()))


# --- the queue ---------------------------------------------------------------------------------------------------


async def test_the_queue_detail_is_cut_with_an_ellipsis_never_mid_number_and_shown_whole_with_right(
    demo_url: str,
) -> None:
    csm, clients = _own_clients(demo_url)
    target = clients[0]
    with make_engine(demo_url).begin() as conn:  # the client's other calls done: the follow-up is what is shown
        conn.execute(
            update(TaskRow)
            .where(TaskRow.client_id == target.id, TaskRow.status == TaskStatus.OPEN)
            .values(status=TaskStatus.CANCELLED)
        )
        conn.execute(  # nor the demo's KYC reason (an ID expiring soon) ahead of it
            update(ClientRow)
            .where(ClientRow.id == target.id)
            .values(id_expiry=TODAY + dt.timedelta(days=3650), version=ClientRow.version + 1)
        )
    with _system(demo_url)(write=True) as tx:
        tx.tasks.add(
            NewTask(
                client_id=target.id, staff_id=csm, kind=TaskKind.FOLLOW_UP, due_on=TODAY, note=LONG_NOTE,
                created_at=NOW - dt.timedelta(days=1),
            )
        )  # fmt: skip
        tx.commit()
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(KeyTable)
        rows = table_rows(app)
        [index] = [i for i, r in enumerate(rows) if r[1] == target.name]
        detail = rows[index][3]
        assert detail.endswith("…") and detail != LONG_NOTE
        assert "225,000" not in detail or "225,000.00" in detail  # never a part of the sum
        width = table.ordered_columns[3].width
        assert all(Text(r[3]).cell_len <= width for r in rows)  # every detail fits its column, in cells
        assert sum(c.width + 2 for c in table.ordered_columns) <= SIZE[0]  # the table fits the terminal
        table.move_cursor(row=index)
        await pilot.press("right")
        await settle(pilot)
        assert isinstance(app.screen, RowDetail)
        fields = dict(app.screen.fields)
        assert fields["详情"] == LONG_NOTE and fields["任务备注"] == LONG_NOTE and fields["客户"] == target.name
        assert LONG_NOTE in _plain(app.screen.query_one("#row-text", Static))  # whole in the pane...
        assert _seen(app, "任务备注：整存整取3个月 225,000.00")  # ...which is on the screen
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, RowDetail)


# --- the client's contacts ---------------------------------------------------------------------------------------


async def _contacts_tab_with_a_long_note(pilot: Pilot[None], url: str) -> ClientDetailScreen:
    await open_own_client(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ClientDetailScreen)
    csm, _ = _own_clients(url)
    called = NOW - dt.timedelta(hours=1)
    with _system(url)(write=True) as tx:
        service = tx.tasks.add(
            NewTask(
                client_id=screen.client_id, staff_id=csm, kind=TaskKind.SERVICE_CALLBACK, due_on=called.date(),
                created_at=called, status=TaskStatus.DONE, closed_at=called,
            )
        )  # fmt: skip
        tx.contacts.add(
            NewContactRecord(
                client_id=screen.client_id, staff_id=csm, channel=Channel.PHONE, started_at=called,
                disposition=Disposition.SERVICE_DONE, note=LONG_NOTE, feedback=FEEDBACK, satisfaction=4,
                task_id=service.id,
            )
        )  # fmt: skip
        tx.commit()
    screen.load()
    await settle(pilot)
    screen.query_one(TabbedContent).active = "contacts"
    await settle(pilot)
    return screen


async def test_the_contacts_tab_shows_the_highlighted_note_and_feedback_whole(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _contacts_tab_with_a_long_note(pilot, demo_url)
        timeline = screen.query_one("#timeline", KeyTable)
        note = str(timeline.get_row_at(0)[4])
        assert note.endswith("…") and note.startswith("★4 整存整取")  # cut in the list...
        pane = _plain(screen.query_one("#contact-text", Static))
        assert LONG_NOTE in pane and FEEDBACK in pane and "满意度 4/5" in pane  # ...whole under it
        assert _seen(app, LONG_NOTE) and _seen(app, FEEDBACK)


async def test_a_contact_opens_whole_with_enter_or_right(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _contacts_tab_with_a_long_note(pilot, demo_url)
        screen.query_one("#timeline", KeyTable).focus()
        for key in ("enter", "right"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, RowDetail), key
            fields = dict(app.screen.fields)
            assert fields["备注"] == LONG_NOTE and fields["客户反馈"] == FEEDBACK and fields["满意度"] == "4/5"
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen


# --- the call card -----------------------------------------------------------------------------------------------


def _item(client: Client, reason: QueueReason, task_id: int | None = None, note: str = "") -> QueueItem:
    return QueueItem(
        Candidate(
            client_id=client.id, client_name=client.name, reason=reason, due_on=TODAY, avg_3m=client.avg_3m,
            task_id=task_id, note=note,
        )
    )  # fmt: skip


async def _session(pilot: Pilot[None], item: QueueItem) -> tuple[str, str]:
    """The call session opened on ``item``: its card and script as text."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, CsmApp)
    await app.push_screen(CallSession(app.ws, [item]))
    await settle(pilot)
    return _plain(app.screen.query_one(ClientCard)), _plain(app.screen.query_one(ScriptPanel))


def _service_callback(url: str) -> tuple[Client, int, str]:
    """A 回访 due today for csm01's second client, after a purchase of ¥80,000 two days ago: the client, the task
    and the product's name."""
    csm, clients = _own_clients(url)
    client = clients[1]
    with _system(url)(write=True) as tx:
        product = next(p for p in tx.products.on_sale(TODAY) if p.category is ProductCategory.WEALTH)
        assert product.id is not None
        sale = tx.sales.add(
            NewSale(
                client_id=client.id, staff_id=csm, outlet_id=client.outlet_id or 1, product_id=product.id,
                amount=Decimal("80000.00"), sold_at=NOW - dt.timedelta(days=2),
            )
        )  # fmt: skip
        task = tx.tasks.add(
            NewTask(
                client_id=client.id, staff_id=csm, kind=TaskKind.SERVICE_CALLBACK, due_on=TODAY,
                origin=TaskOrigin.SALE, origin_id=sale.id, created_at=NOW - dt.timedelta(days=2),
            )
        )  # fmt: skip
        tx.commit()
    return client, task.id, product.name


async def test_a_service_callback_card_names_the_purchase_and_its_script_pitches_nothing(demo_url: str) -> None:
    client, task, product = _service_callback(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        card, script = await _session(pilot, _item(client, QueueReason.SERVICE_CALLBACK, task))
        assert f"售后回访：2026-11-25 购买{product} ¥80,000.00" in card
        assert f"{product}（¥80,000.00）" in script and "满意" in script
        assert "倍" not in script and "预期年化" not in script and "邀请面谈" not in script
        assert _seen(app, "售后回访：2026-11-25")  # on the screen at 80×24


async def _service_script(pilot: Pilot[None], url: str) -> None:
    """The call session on ``_service_callback``'s 回访, scrolled to its script."""
    client, task, _ = _service_callback(url)
    await _session(pilot, _item(client, QueueReason.SERVICE_CALLBACK, task))
    pilot.app.screen.query_one(ScriptPanel).scroll_visible(animate=False)
    await settle(pilot)


@pytest.mark.parametrize(("lang", "unit"), [("zh_CN", "（1–5 分）"), ("en", "(1–5)?")])
async def test_a_service_callback_script_keeps_its_score_range_on_one_line_at_80x24(
    demo_url: str, lang: str, unit: str
) -> None:
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await _service_script(pilot, demo_url)
        lines = _shown(app).replace("\xa0", " ").split("\n")
        assert any(unit in line for line in lines), lines  # painted whole, on one line


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_a_service_callback_script_at_80x24(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _service_script(pilot, demo_url)

    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=SIZE, run_before=run_before)


async def test_a_retry_card_says_no_answer_and_its_script_claims_no_agreed_time(demo_url: str) -> None:
    _, clients = _own_clients(demo_url)
    client = clients[2]
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app, CsmApp)
        receipt = record(app.ws, client.id, Outcome(Disposition.NO_ANSWER, note="响铃无人接听"), started_at=NOW)
        card, script = await _session(pilot, _item(client, QueueReason.CALLBACK, receipt.created_tasks[0]))
        assert "2026-11-27 10:00 致电未接通，再次联系（客户未约定时间）" in card
        assert "约定的时间" not in script and "之前给您打电话没有接通" in script


async def test_the_card_shows_the_last_contacts_notes_and_feedback_whole(demo_url: str) -> None:
    csm, clients = _own_clients(demo_url)
    client = clients[3]
    with _system(demo_url)(write=True) as tx:
        tx.contacts.add(
            NewContactRecord(
                client_id=client.id, staff_id=csm, channel=Channel.PHONE, started_at=NOW - dt.timedelta(days=1),
                disposition=Disposition.INTERESTED, note=LONG_NOTE, feedback=FEEDBACK,
            )
        )  # fmt: skip
        tx.commit()
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        card, _ = await _session(pilot, _item(client, QueueReason.FOLLOW_UP, note="跟进"))
        assert LONG_NOTE in card and FEEDBACK in card
        assert _seen(app, LONG_NOTE) and _seen(app, FEEDBACK)  # wrapped on the screen, not cut


async def test_a_client_with_little_money_is_not_pitched_a_hundred_thousand(demo_url: str) -> None:
    _, clients = _own_clients(demo_url)
    with _system(demo_url)() as tx:  # one with nothing maturing: the example comes from the client's assets
        client = next(c for c in clients if not tx.holdings.for_client(c.id))
    with make_engine(demo_url).begin() as conn:  # ¥1,103, as a balance import would leave it
        small = Decimal("1103.00")
        conn.execute(update(ClientRow).where(ClientRow.id == client.id).values(avg_3m=small, balance=small))
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        _, script = await _session(pilot, _item(client, QueueReason.IDLE_DEPOSITS))
        assert "100,000" not in script
        if "倍" in script:  # a product within reach of ¥1,000: shown on ¥1,000
            assert "¥1,000.00 每月" in script


# --- the balance chart -------------------------------------------------------------------------------------------


async def test_the_balance_chart_has_values_an_axis_from_zero_and_the_as_of_date(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        screen.query_one(TabbedContent).active = "assets"
        await settle(pilot)
        chart = str(screen.query_one(BalanceChart).render())
        as_of = screen.detail.client.assets_as_of
        assert as_of is not None and f"数据截至 {as_of.isoformat()}" in chart
        assert "最高 " in chart and "最低 " in chart and "最新 " in chart
        assert "     0└" in chart or "0└" in chart
        assert _seen(app, "0└") and _seen(app, f"数据截至 {as_of.isoformat()}")  # on the screen at 80×24


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_a_contact_opened_whole_at_80x24(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_own_client(pilot)
        screen = pilot.app.screen
        screen.query_one(TabbedContent).active = "contacts"
        await settle(pilot)
        screen.query_one("#timeline", KeyTable).focus()
        await pilot.press("j", "right")
        await settle(pilot)

    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=SIZE, run_before=run_before)
