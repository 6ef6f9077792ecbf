"""Issue #21, point 4, on screen at 80×24 in both languages: a client who was a prospect has, in their page's
contacts tab, the call made to them then, marked as such, with its date, who called, the outcome and the note;
the introducing client's overview reads "introduced 2, 1 became a client" with whom; the prospects list gives the
converted prospect's client number, in the row and when it is opened."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Channel, Disposition, ProspectOutcome, Role
from csm_tui.domain.models import NewContactRecord
from csm_tui.i18n import t
from csm_tui.policy import Policy
from csm_tui.services.calls import prospect_calls
from csm_tui.services.events import prospects
from csm_tui.services.workstation import Workstation
from screens.client_detail import ClientDetailScreen
from screens.prospects import ProspectsScreen
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, numbered_rid
from tests.support.pilot import make_app, press_settled, settle, whole_rows
from tests.support.words import screen_text
from widgets.table import KeyTable

WEDNESDAY = FrozenClock("2026-11-25T02:00:00Z")  # two days before the apps' frozen Friday, 10:00 in Shanghai


@pytest.fixture
def clients(engine: Engine) -> dict[str, int]:
    """csm01's client 张三 (C0001) introduced 钱七 and 孙八 on Wednesday; 钱七 was reached that day ("下周来开户")
    and became csm01's client C1234567890 with the bank's file (the conversion at import), who booked a meeting
    when called as a client an hour later."""
    factory = SqlUnitOfWorkFactory(engine, WEDNESDAY)
    with factory(write=True) as tx:
        tx.meta.set("is_demo", "1")
        build = BranchBuilder(tx, as_of=None)
        build.outlet("A01", "营业部")
        csm = build.staff("csm01", "王芳", Role.CSM, supervisor_id=build.staff("sup", "张主管", Role.SUPERVISOR).id)
        introducer = build.client("C0001", "张三", numbered_rid(1), csm, mobile="13900000001", avg_3m=Decimal(20000))
        tx.commit()
    ws = Workstation(
        uow=factory.acting_as(csm), staff=csm, outlet=None, time=BranchTime(WEDNESDAY, "Asia/Shanghai"),
        policy=Policy(), demo=True,
    )  # fmt: skip
    taken = prospects.introduced(ws, introducer, "钱七", "13912345678", consent=True).id
    prospects.introduced(ws, introducer, "孙八", "13987654321", consent=True)
    prospect_calls.record(ws, taken, ProspectOutcome.REACHED, "下周来开户")
    with factory(write=True) as tx:
        client = BranchBuilder(tx, as_of=None).client(
            "C1234567890", "钱七", numbered_rid(3), csm, mobile="13912345678", avg_3m=Decimal(20000)
        )
        tx.prospects.convert()
        at = WEDNESDAY.now().datetime + dt.timedelta(hours=1)  # a client now: called as one
        tx.contacts.add(
            NewContactRecord(
                client_id=client, staff_id=csm.id, channel=Channel.PHONE, started_at=at,
                disposition=Disposition.APPOINTMENT, note="约周五来行",
            )
        )  # fmt: skip
        tx.commit()
    return {"introducer": introducer, "converted": client}


async def client_page(url: str, lang: str, client_id: int, *keys: str) -> tuple[list[list[str]], str]:
    """The client's page at 80×24 after ``keys``: the contacts tab's rows whole, and what the terminal shows."""
    app = make_app(url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(ClientDetailScreen(app.ws, client_id))
        await press_settled(pilot, *keys)
        timeline = [[cell.plain for cell in row] for row in app.screen.query_one("#timeline", KeyTable).full]
        return timeline, screen_text(app)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_converted_clients_contacts_show_the_call_made_while_a_prospect(
    db_url: str, clients: dict[str, int], lang: str
) -> None:
    tabs = ("right_square_bracket", "right_square_bracket")  # overview → assets → contacts
    timeline, shown = await client_page(db_url, lang, clients["converted"], *tabs)
    call = ["2026-11-25 10:00", t("detail.prospect_call"), t("prospect_outcome.reached"), "王芳", "下周来开户"]
    since = ["2026-11-25 11:00", t("channel.phone"), t("disposition.appointment"), "王芳", "约周五来行"]
    assert timeline == [since, call]  # by date, newest first, the call as a prospect marked as such
    for part in call:
        assert part in shown, part  # each whole at 80 columns


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_introducing_clients_overview_credits_whom_they_introduced(
    db_url: str, clients: dict[str, int], lang: str
) -> None:
    timeline, text = await client_page(db_url, lang, clients["introducer"])
    shown = " ".join(text.split())  # a long line wraps at 80 columns
    assert t("detail.introduced", count=2, converted=1) in shown
    assert t("detail.introduced_client", name="钱七", number="C1234567890") in shown and "孙八" in shown
    assert "13912345678" not in shown and "13987654321" not in shown  # never a prospect's mobile here
    assert timeline == []  # the introducer was never a prospect: no call of the kind


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_prospects_list_gives_the_converted_prospects_client_number(
    db_url: str, clients: dict[str, int], lang: str
) -> None:
    app = make_app(db_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "9")
        assert isinstance(app.screen, ProspectsScreen)
        rows = {row[0]: row for row in whole_rows(app)}
        assert list(rows) == ["孙八", "钱七"]  # newest first
        assert rows["钱七"][3] == t("prospects.converted_number", number="C1234567890")
        assert rows["孙八"][3] == t("prospects.callable")
        assert t("prospects.converted_number", number="C1234567890") in screen_text(app)  # whole at 80 columns
        await pilot.press("down", "enter")
        await settle(pilot)
        shown = screen_text(app)
        assert t("prospects.client_number") in shown and "C1234567890" in shown and "下周来开户" in shown
