"""The events screens at 80×24, driven like the lobby drives them: 7 lists the branch's events, c opens the door's
check-in; one line finds an invitee by name, initials, number or mobile, Enter checks the one found in; a client
number not on the list is a walk-in; a full event refuses with the reason; Enter on an event shows its results."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import Engine, update
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Header, Input, Select, Static

from csm_tui.app import CsmApp
from csm_tui.cli import open_workstation
from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Disposition, EventKind, Grade, InviteStatus, LeaveKind, QueueReason, Role
from csm_tui.domain.models import NewClient, NewStaff
from csm_tui.i18n import t
from csm_tui.policy import Policy
from csm_tui.services.events import day, planning, prospects
from csm_tui.services.events.planning import EventDraft
from csm_tui.services.leave import record_leave
from csm_tui.services.workstation import Workstation
from screens.call_session import CallSession
from screens.dialogs import InviteDialog, OutcomeDialog, ProspectDialog
from screens.events import CheckInScreen, EventScreen
from screens.help import HelpScreen
from storage.engine import make_engine
from storage.orm import ClientRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, numbered_rid
from tests.support.clock import FROZEN_AT
from tests.support.pilot import make_app, notices, open_session, press_settled, settle, table_rows, whole_rows
from widgets.bindings import shown_bindings
from widgets.choices import BoundText
from widgets.table import KeyTable

TZ = "Asia/Shanghai"
TODAY_14H = dt.datetime(2026, 11, 27, 6, tzinfo=dt.UTC)  # 14:00 on the frozen Friday


def results(app: CsmApp) -> str:
    """The event's figures as read, a line each group that the catalog binds with no-break spaces."""
    return str(app.screen.query_one("#event-results", BoundText).render())


@pytest.fixture
def url(engine: Engine, db_url: str) -> str:
    """An outlet, a supervisor, two CSMs and a lobby manager; three clients invited to today's event (planned and
    invited on Wednesday), for two people; a fourth client not invited."""
    before = FrozenClock("2026-11-25T02:00:00Z")
    factory = SqlUnitOfWorkFactory(engine, before)
    with factory(write=True) as tx:
        tx.meta.set("is_demo", "1")
        build = BranchBuilder(tx, as_of=None)
        build.outlet("A01", "营业部")
        sup = build.staff("sup", "张主管", Role.SUPERVISOR)
        build.staff("lobby", "周大堂", Role.LOBBY)
        csms = [
            build.staff(login, name, Role.CSM, supervisor_id=sup.id)
            for login, name in (("csm01", "王芳"), ("csm02", "李娜"))
        ]
        ids = [
            build.client(
                f"C{n:04d}", name, numbered_rid(n), csms[manager], mobile=f"1390000{n:04d}", avg_3m=Decimal("20000.00")
            )
            for n, (name, manager) in enumerate((("张三", 0), ("李四", 0), ("王五", 1), ("赵六", 1)), start=1)
        ]
        tx.commit()
    ws = Workstation(
        uow=factory.acting_as(sup), staff=sup, outlet=None, time=BranchTime(before, TZ), policy=Policy(), demo=True
    )
    draft = EventDraft(
        kind=EventKind.PAYROLL, title="基金定投讲座", starts_at=TODAY_14H, place="三楼会议室", capacity=2,
        company="上海电气",
    )  # fmt: skip
    event = planning.create_event(ws, draft)
    planning.invite_clients(ws, event.id, ids[:3])
    return db_url


def the_day_before(url: str, login: str) -> CsmApp:
    """``login``'s app with the clock on Thursday, the day before the event (its invitations still called)."""
    app = make_app(url, login=login)
    app.ws.time.clock.set("2026-11-26T02:00:00Z")  # type: ignore[attr-defined]
    return app


async def on_the_event(pilot: Pilot[None], name: str | None = None) -> list[str]:
    """The event's screen (its list's names returned), the cursor on ``name``'s row."""
    await settle(pilot)
    pilot.app.push_screen(EventScreen(pilot.app.ws, 1))  # type: ignore[attr-defined]
    await settle(pilot)
    names = [r[2] for r in table_rows(pilot.app)]  # type: ignore[arg-type]
    if name is not None:
        await pilot.press(*["j"] * names.index(name))
    return names


async def _check_in_screen(app: CsmApp) -> None:
    app.push_screen(CheckInScreen(app.ws, 1))


async def _prospect_dialog(pilot: Pilot[None]) -> None:
    """The door of event 1, then F2: someone not a client, taken as a prospect."""
    await settle(pilot)
    pilot.app.push_screen(CheckInScreen(pilot.app.ws, 1))  # type: ignore[attr-defined]
    await settle(pilot)
    await pilot.press("f2")
    await settle(pilot)


def progress(app: CsmApp) -> str:
    return str(app.screen.query_one("#check-in-progress", Static).render())


async def test_the_door_finds_by_initials_checks_in_with_enter_and_counts_the_room(url: str) -> None:
    app = make_app(url, login="lobby")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        assert [r[2] for r in table_rows(app)] == ["基金定投讲座"]
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CheckInScreen)
        assert "0/2" in progress(app)
        await pilot.press("z", "s")
        await settle(pilot)
        assert [r[2] for r in table_rows(app)] == ["张三"]
        assert table_rows(app)[0][3] == "139****0001"  # the lobby sees no one's whole mobile
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert "1/2" in progress(app)
        assert [r[0] for r in table_rows(app) if r[2] == "张三"] == ["✓"]


async def test_a_walk_in_by_client_number_and_a_full_event_says_why(url: str) -> None:
    app = make_app(url, login="lobby")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CheckInScreen(app.ws, 1))
        await settle(pilot)
        await pilot.press(*"C0004", "enter")  # 赵六: not invited
        await settle(pilot)
        await settle(pilot)
        assert "1/2" in progress(app)
        await pilot.press(*"王五", "enter")
        await settle(pilot)
        await settle(pilot)
        assert "2/2" in progress(app)
        await pilot.press(*"李四", "enter")
        await settle(pilot)
        await settle(pilot)
        assert "2/2" in progress(app)
        said = notices(app)
        assert any("已满" in n for n in said), said


async def test_the_event_screen_shows_the_results_and_the_list(url: str) -> None:
    ws_app = make_app(url, login="sup")
    day.check_in(ws_app.ws, 1, day.door_list(ws_app.ws, 1).invitees[0].invitation_id)
    async with ws_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(ws_app.screen, EventScreen)
        text = results(ws_app)
        assert "邀约 3" in text and "到场 1/2" in text
        assert len(table_rows(ws_app)) == 3


@pytest.mark.parametrize(
    ("lang", "said"), [("zh_CN", "推介产品成交 0 笔，共 0.00 元"), ("en", "featured products sold 0, total 0.00 yuan")]
)
async def test_the_events_featured_sales_say_how_many_were_sold_and_for_how_much(
    url: str, lang: str, said: str
) -> None:
    app = make_app(url, login="sup", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "7", "enter")
        assert isinstance(app.screen, EventScreen)
        assert said in results(app)


async def test_the_door_has_the_app_header_like_every_other_screen(url: str) -> None:
    app = make_app(url, login="sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "7", "c")
        assert isinstance(app.screen, CheckInScreen)
        header = app.screen.query_one(Header)
        assert header.region.y == 0 and app.screen.query_one("#check-in-title").region.y == 1


async def test_someone_not_a_client_is_taken_as_a_prospect_only_with_consent(url: str) -> None:
    app = make_app(url, login="csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await _prospect_dialog(pilot)
        await pilot.press(*"钱七", "tab", *"139 1234 5678", "enter")
        await settle(pilot)
        error = str(app.screen.query_one("#dialog-error", Static).render())
        assert "未同意" in error  # nothing kept without consent
        given = numbered_rid(9)  # the ID they gave, then consent
        await pilot.press("tab", *given, "tab", "space", "shift+tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CheckInScreen)
    taken = [(p.name, p.mobile, p.resident_id) for p in prospects.mine(app.ws)]
    assert taken == [("钱七", "13912345678", numbered_rid(9))]


@pytest.mark.parametrize(
    ("now", "offered"),
    [(FROZEN_AT, True), ("2026-11-26T02:00:00Z", False), ("2026-11-30T02:00:00Z", False)],
    ids=["on_its_day", "the_day_before", "after_it"],
)
async def test_f2_takes_prospects_at_the_door_on_the_events_day_only(url: str, now: str, offered: bool) -> None:
    """At the door of an event ahead or past, F2 is neither in the key bar nor in F1, and does nothing (the service
    would refuse: ``event_not_today``); on the day it opens the prospect dialog."""
    app = make_app(url, login="csm01", lang="en")
    app.ws.time.clock.set(now)  # type: ignore[attr-defined]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CheckInScreen(app.ws, 1))
        await settle(pilot)
        assert ("f2" in shown_bindings(app.screen)) is offered
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert (t("key.prospect") in [row[1] for row in table_rows(app)]) is offered
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ProspectDialog if offered else CheckInScreen)


async def test_a_csm_plans_an_event_from_the_dialog_and_a_refusal_says_why(url: str) -> None:
    app = make_app(url, login="csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#kind", Select).value = EventKind.SALON
        for field, value in (("name", "理财沙龙"), ("date", "2026-12-02"), ("time", "18:30"), ("place", "贵宾室")):
            dialog.query_one(f"#{field}", Input).value = value
        dialog.query_one("#name", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "营业时间" in str(dialog.query_one("#dialog-error", Static).render())  # 18:30: after closing
        dialog.query_one("#time", Input).value = "14:30"
        dialog.query_one("#name", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert [r[2] for r in table_rows(app)] == ["基金定投讲座", "理财沙龙"]


async def test_the_manager_records_an_invitations_answer_on_the_event_screen(url: str) -> None:
    app = the_day_before(url, "csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        names = await on_the_event(pilot, "张三")
        await pilot.press("a")  # own client
        await settle(pilot)
        await settle(pilot)
        assert {r[2]: r[4] for r in table_rows(app)}["张三"] == "接受"
        await pilot.press("g", *["j"] * names.index("王五"), "a")  # csm02's client: refused
        await settle(pilot)
        assert {r[2]: r[4] for r in table_rows(app)}["王五"] == "待邀约"


async def test_the_call_session_answers_an_invitation_with_one_key_each(url: str) -> None:
    """csm01's two invitees in the session, the event on the card: i accepts the first, n (no answer) the second;
    no dialog, the invitation's status set, the session moves on."""
    app = make_app(url, login="csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        session = app.screen
        assert isinstance(session, CallSession)
        assert {i.reason for i in session.items} == {QueueReason.EVENT_INVITE}
        assert "i 接受" in str(session.query_one("#reason", Static).render())
        first = session.item.client_id
        await pilot.press("i")
        await settle(pilot)
        assert app.screen is session and session.item.client_id != first  # no dialog: on to the next
        second = session.item.client_id
        await pilot.press("n")
        await settle(pilot)
    sup = open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), "sup")
    answers = {i.client_id: i.status for i in day.door_list(sup, 1).invitees}
    assert (answers[first], answers[second]) == (InviteStatus.ACCEPTED, InviteStatus.NO_ANSWER)


async def test_an_invitation_call_offers_only_the_outcomes_that_answer_an_invitation(url: str) -> None:
    """On an invitation's card the panel shows i, p, f, n, t, w, x (and s, z), never a, b or d (a meeting, a
    purchase, a 回访: the events service refuses them as answers); pressing one of those does nothing."""
    from widgets.outcome_panel import OutcomePanel

    app = make_app(url, login="csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        session = app.screen
        assert isinstance(session, CallSession)
        shown = [key for key, _ in session.query_one(OutcomePanel).entries()]
        assert shown == ["i", "p", "f", "n", "t", "w", "x", "s", "z"]
        first = session.item.client_id
        for key in ("a", "b", "d"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is session and session.item.client_id == first, key  # no dialog, nothing saved
        assert not any("event_answer" in n or "Traceback" in n for n in notices(app))
    sup = open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), "sup")
    assert {i.status for i in day.door_list(sup, 1).invitees} == {InviteStatus.INVITED}


async def test_a_csm_invites_own_clients_by_hand_from_the_event_screen(url: str) -> None:
    """i on the event: the search offers csm01's own clients only (赵六 is csm02's); Enter on one picks it, Enter on
    the empty search invites; the list shows the new invitee."""
    app = make_app(url, login="csm01")
    app.ws.time.clock.set("2026-11-26T02:00:00Z")  # type: ignore[attr-defined]  # the day before the event
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(EventScreen(app.ws, 1))
        await settle(pilot)
        assert "李四" in [r[2] for r in table_rows(app)]
        await pilot.press("i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, InviteDialog)
        await pilot.press(*"zl")  # 赵六: csm02's, not offered
        await settle(pilot)
        assert dialog.found == []
        await pilot.press("enter")  # the search finds no one to invite: said so
        await settle(pilot)
        assert app.screen is dialog
        assert _said(dialog) == t("invite.none_found")
        await press_settled(pilot, "backspace", "backspace", "enter")  # nothing picked: refused with the reason
        assert app.screen is dialog
        assert "至少" in _said(dialog)
        await pilot.press(*"C0002")  # own, invited already: left as it is
        await settle(pilot)
        assert [r.name for r in dialog.found] == ["李四"]
        await pilot.press("enter", "enter")  # to the row, pick it
        await settle(pilot)
        assert list(dialog.picked) == [dialog.found[0].id]
        await pilot.press(*["backspace"] * 5, "enter")  # the empty search: invite
        await settle(pilot)
        assert not isinstance(app.screen, InviteDialog)
    # 李四 was invited already: none new; and the dialog never offered 赵六 (the service refuses them too)


def _said(dialog: InviteDialog) -> str:
    return str(dialog.query_one("#dialog-error", Static).render())


async def test_enter_in_the_invite_search_moves_to_the_clients_found_and_never_sends(url: str) -> None:
    """赵六 picked, then another search: Enter moves to the clients it found (the invitations are not sent); only
    Enter on the empty search sends them, as the dialog's hint says."""
    app = make_app(url, login="sup")
    app.ws.time.clock.set("2026-11-26T02:00:00Z")  # type: ignore[attr-defined]  # the day before the event
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(EventScreen(app.ws, 1))
        await press_settled(pilot, "i", *"zl", "enter")
        dialog = app.screen
        assert isinstance(dialog, InviteDialog) and dialog.focused is dialog.query_one(KeyTable)
        await press_settled(pilot, "enter")  # picks 赵六, back to the search
        assert dialog.focused is dialog.query_one("#who", Input) and list(dialog.picked.values()) == ["赵六"]
        zhao = next(iter(dialog.picked))
        await press_settled(pilot, "enter")  # the search still says "zl": to the clients found again
        assert app.screen is dialog and dialog.focused is dialog.query_one(KeyTable)
        assert _said(dialog) == "" and zhao not in _statuses(url)
        assert str(dialog.query_one(".hint", Static).render()) == t("invite.hint")  # not "Enter saves"
        await press_settled(pilot, "escape")  # Escape in the dialog leaves, inviting no one
        assert not isinstance(app.screen, InviteDialog) and zhao not in _statuses(url)


async def test_enter_before_the_invite_search_answers_moves_to_the_clients_it_finds(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter typed while the search is still looking: neither "no one found" nor a send; once it answers, the
    clients found have the focus."""
    answered, find = threading.Event(), planning.invitable
    monkeypatch.setattr(planning, "invitable", lambda *a: answered.wait(10) and find(*a))
    app = make_app(url, login="sup")
    app.ws.time.clock.set("2026-11-26T02:00:00Z")  # type: ignore[attr-defined]  # the day before the event
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(EventScreen(app.ws, 1))
        await press_settled(pilot, "i")
        dialog = app.screen
        assert isinstance(dialog, InviteDialog)
        await pilot.press(*"zl", "enter")
        assert dialog.focused is dialog.query_one("#who", Input) and _said(dialog) == ""
        answered.set()
        await settle(pilot)
        assert app.screen is dialog and dialog.focused is dialog.query_one(KeyTable)
        assert [r.name for r in dialog.found] == ["赵六"] and _said(dialog) == ""


async def test_a_refused_invitation_is_no_longer_said_once_another_pick_is_made(
    url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """赵六 may not be called: sending refuses with the reason. The next search typed while it was sending, Enter
    on 赵六 drops them: the refusal, which spoke of the clients picked before, is gone."""
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        tx.session.execute(update(ClientRow).where(ClientRow.number == "C0004").values(phone_opt_out=True))
        tx.commit()
    sending, send = threading.Event(), planning.invite_clients
    monkeypatch.setattr(planning, "invite_clients", lambda *a: sending.wait(10) and send(*a))
    app = make_app(url, login="sup")
    app.ws.time.clock.set("2026-11-26T02:00:00Z")  # type: ignore[attr-defined]  # the day before the event
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(EventScreen(app.ws, 1))
        await press_settled(pilot, "i", *"zl", "enter", "enter", "backspace", "backspace")
        dialog = app.screen
        assert isinstance(dialog, InviteDialog) and list(dialog.picked.values()) == ["赵六"]
        await pilot.press("enter", *"zl")  # sent (held a moment) and the next search typed meanwhile
        for _ in range(100):
            if dialog.found_for == "zl":
                break
            await pilot.pause(0.05)
        sending.set()
        await settle(pilot)
        assert app.screen is dialog and "C0004" in _said(dialog)
        await press_settled(pilot, "enter", "enter")  # to 赵六, dropped
        assert dialog.picked == {} and _said(dialog) == ""


async def test_a_supervisor_invites_a_team_members_client_by_hand(url: str) -> None:
    app = make_app(url, login="sup")
    app.ws.time.clock.set("2026-11-26T02:00:00Z")  # type: ignore[attr-defined]  # the day before the event
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(EventScreen(app.ws, 1))
        await settle(pilot)
        assert "赵六" not in [r[2] for r in table_rows(app)]
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*"zl")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, InviteDialog)
        assert [r.name for r in dialog.found] == ["赵六"]
        await pilot.press("enter", "enter", "backspace", "backspace", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, InviteDialog)
        await settle(pilot)
        assert "赵六" in [r[2] for r in table_rows(app)]


async def test_an_invitation_answered_meanwhile_in_another_session_is_not_answered_again(url: str) -> None:
    app = make_app(url, login="csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        session = app.screen
        assert isinstance(session, CallSession)
        first = session.item
        assert first.main.task_id is not None
        other = open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), "csm01")  # a second session
        planning.answer_call(
            other, first.main.task_id, Disposition.POLITE_DECLINE, started_at=other.time.now().datetime
        )
        await pilot.press("i", "i")
        await settle(pilot)
        assert app.screen is session and session.item is first  # refused with the reason: still on the client
        assert not session.answering
    sup = open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), "sup")
    answers = {i.client_id: i.status for i in day.door_list(sup, 1).invitees}
    assert answers[first.client_id] is InviteStatus.DECLINED


def _statuses(url: str) -> dict[int, InviteStatus]:
    sup = open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), "sup")
    return {i.client_id: i.status for i in day.door_list(sup, 1).invitees}


async def test_a_firm_refusal_on_an_invitation_call_declines_it_and_u_takes_it_back(url: str) -> None:
    """f on the invitation's card: the outcome's dialog, then the invitation declined and on to the next; u brings
    the client back with the invitation pending again."""
    app = make_app(url, login="csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        session = app.screen
        assert isinstance(session, CallSession)
        first = session.item.client_id
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, OutcomeDialog)
        await pilot.press(*"不感兴趣", "enter")
        await settle(pilot)
        assert app.screen is session and session.item.client_id != first
        assert _statuses(url)[first] is InviteStatus.DECLINED
        await pilot.press("u")
        await settle(pilot)
        assert session.item.client_id == first
    assert _statuses(url)[first] is InviteStatus.INVITED


async def test_a_colleague_covering_leave_answers_the_absent_csms_invitation_in_the_session(url: str) -> None:
    """csm02 on leave, csm01 covering: csm01's session offers 王五's invitation (csm02's client), and i accepts it."""
    away = open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), "csm02")
    app = make_app(url, login="csm01")
    record_leave(away, away.staff.id, away.time.today(), away.time.today(), LeaveKind.ANNUAL, app.ws.staff.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        session = app.screen
        assert isinstance(session, CallSession)
        covered = [n for n, i in enumerate(session.items) if i.cover_for]
        assert [session.items[n].reason for n in covered] == [QueueReason.EVENT_INVITE]
        for _ in range(covered[0]):  # csm01's own invitees first: accepted, one key each
            await pilot.press("i")
            await settle(pilot)
        assert session.item.cover_for
        client = session.item.client_id
        await pilot.press("i")
        await settle(pilot)
    assert _statuses(url)[client] is InviteStatus.ACCEPTED


async def test_the_managers_answer_is_undone_on_the_event_screen_and_the_results_recounted(url: str) -> None:
    app = the_day_before(url, "csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await on_the_event(pilot, "张三")
        await pilot.press("a")
        await settle(pilot)
        await settle(pilot)
        results_text = results(app)
        assert "接受 1" in results_text, results_text
        await pilot.press("u")
        await settle(pilot)
        await settle(pilot)
        assert {r[2]: r[4] for r in table_rows(app)}["张三"] == "待邀约"
        assert "接受 0" in results(app)


async def test_the_supervisors_picker_offers_no_client_of_another_team(url: str, engine: Engine) -> None:
    factory = SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))
    with factory(write=True) as tx:
        other = tx.staff.add(NewStaff(login="sup2", name="刘主管", role=Role.SUPERVISOR))
        zhou = tx.staff.add(NewStaff(login="zhou", name="周敏", role=Role.CSM, grade=Grade.CSM, supervisor_id=other.id))
        client = NewClient(
            number="C0009", name="赵九", resident_id=numbered_rid(9), mobile="13900000009", manager_id=zhou.id,
            avg_3m=Decimal("20000.00"),
        )  # fmt: skip
        tx.clients.add(client)
        tx.commit()
    app = the_day_before(url, "sup")
    async with app.run_test(size=(80, 24)) as pilot:
        await on_the_event(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, InviteDialog)
        assert [r.name for r in dialog.found] == ["张三", "赵六"]  # the team's; 赵九 (another team's) not offered


async def test_a_client_taken_at_the_door_as_a_prospect_is_told_to_check_in_as_a_walk_in(url: str) -> None:
    app = make_app(url, login="csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await _prospect_dialog(pilot)
        await pilot.press(*"赵六", "tab", *"13900000004", "tab", "tab", "space", "shift+tab", "enter")  # a client's
        await settle(pilot)
        error = str(app.screen.query_one("#dialog-error", Static).render())
        assert "已是本行客户" in error
    assert prospects.mine(app.ws) == []


async def test_the_door_of_an_event_on_another_day_shows_its_list_and_says_it_is_for_reading(url: str) -> None:
    app = the_day_before(url, "csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _check_in_screen(app)
        await settle(pilot)
        assert isinstance(app.screen, CheckInScreen)
        assert [r[2] for r in table_rows(app)]  # the list is read
        assert t("check_in.not_today") in progress(app)  # before anyone types a name to be refused


async def _f1_enter(pilot: Pilot[None]) -> str:
    """What F1 says Enter does where the focus is now (F1 opened, read and closed)."""
    await press_settled(pilot, "f1")
    assert isinstance(pilot.app.screen, HelpScreen)
    said = {row[0]: row[1] for row in whole_rows(pilot.app)}  # type: ignore[arg-type]
    await press_settled(pilot, "escape")
    return said.get(pilot.app.get_key_display(Binding("enter", "")), "")


async def test_f1_says_what_enter_does_in_the_door_search_and_list_and_in_the_invite_dialog(url: str) -> None:
    app = make_app(url, login="csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CheckInScreen(app.ws, 1))
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one(Input)
        assert await _f1_enter(pilot) == t("enter.check_in_text")
        await press_settled(pilot, "down")  # to the list
        assert await _f1_enter(pilot) == t("enter.check_in_row")
        await press_settled(pilot, "escape")
        app.ws.time.clock.set("2026-11-26T02:00:00Z")  # type: ignore[attr-defined]  # the day before the event
        app.push_screen(EventScreen(app.ws, 1))
        await settle(pilot)
        await press_settled(pilot, "i", *"C0002")
        assert isinstance(app.screen, InviteDialog)
        assert await _f1_enter(pilot) == t("enter.invite_search")
        await press_settled(pilot, "enter")  # to the clients found
        assert await _f1_enter(pilot) == t("enter.invite_pick")
