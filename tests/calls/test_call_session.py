"""A whole call session driven through the real app: ten clients, mixed outcomes, an undo, a skip; afterwards the
database holds exactly the expected contacts, tasks, meeting and flags."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from textual.geometry import Region
from textual.widgets import Input

from csm_tui.app import CsmApp
from csm_tui.domain.enums import Disposition, TaskKind, TaskOrigin, TaskStatus
from csm_tui.services.calls.preparation import CallCard
from csm_tui.services.workstation import Workstation
from screens import call_session
from screens.call_session import CallSession
from screens.dialogs import OutcomeDialog, ReasonDialog
from storage.engine import make_engine
from storage.orm import AppointmentRow, ClientRow, ContactRow, TaskRow
from tests.support.calls_branch import CallsBranch
from tests.support.pilot import make_app, open_session, settle, table_rows
from widgets.client_card import ClientCard

# Friday 27 November 2026, 10:00 in Shanghai (02:00 UTC).
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 27)


def _rows(url: str, row: type) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = list(conn.execute(select(row).order_by(row.id)))  # type: ignore[attr-defined]
    engine.dispose()
    return found


async def _outcome(pilot, key: str, *typed: str) -> None:  # type: ignore[no-untyped-def]
    """Press an outcome key, fill the dialog's fields in order (Tab between them) and save with Enter."""
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, OutcomeDialog)
    for i, text in enumerate(typed):
        if i:
            await pilot.press("tab")
        await pilot.press(*text)
    await pilot.press("enter")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, OutcomeDialog), pilot.app.screen.query_one("#dialog-error").render()


async def test_a_session_of_ten_calls_writes_exactly_the_expected_records(calls_branch: CallsBranch) -> None:
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert [r[1] for r in table_rows(app)] == [f"客户{n}" for n in range(10)]
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CallSession)

        await _outcome(pilot, "i", "想考虑一下")  # 0 interested
        await _outcome(pilot, "n")  # 1 no answer
        await pilot.press("u")  # ... undone: back to client 1, nothing of it left
        await settle(pilot)
        assert app.screen.item.client_id == calls_branch.clients[1]  # type: ignore[attr-defined]
        await _outcome(pilot, "n")  # 1 no answer, again
        await _outcome(pilot, "p")  # 2 politely declined
        await _outcome(pilot, "a")  # 3 appointment: the suggested Monday 10:00 (no second call to confirm it)
        await _outcome(pilot, "t")  # 4 busy: the suggested hour from now
        await _outcome(pilot, "w")  # 5 wrong number
        await _outcome(pilot, "x")  # 6 do not call
        await _outcome(pilot, "f")  # 7 firmly declined
        await pilot.press("s")  # 8 skipped: reason 1 (not now)
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("1", "tab", *"出差", "enter")
        await settle(pilot)
        await _outcome(pilot, "d", "5", "很满意")  # 9 回访 done: satisfaction 5, feedback
        assert not isinstance(app.screen, CallSession)  # the session ends with the queue

    contacts = _rows(calls_branch.url, ContactRow)
    c = calls_branch.clients
    assert [(r.client_id, r.disposition, r.channel) for r in contacts] == [  # type: ignore[attr-defined]
        (c[0], Disposition.INTERESTED, "phone"),
        (c[1], Disposition.NO_ANSWER, "phone"),
        (c[2], Disposition.POLITE_DECLINE, "phone"),
        (c[3], Disposition.APPOINTMENT, "phone"),
        (c[4], Disposition.BUSY, "phone"),
        (c[5], Disposition.WRONG_NUMBER, "phone"),
        (c[6], Disposition.DO_NOT_CALL, "phone"),
        (c[7], Disposition.FIRM_DECLINE, "phone"),
        (c[9], Disposition.SERVICE_DONE, "phone"),
    ]
    assert contacts[0].note == "想考虑一下"  # type: ignore[attr-defined]
    assert (contacts[-1].satisfaction, contacts[-1].feedback) == (5, "很满意")  # type: ignore[attr-defined]
    assert all(r.started_at == NOW for r in contacts)  # type: ignore[attr-defined]

    tasks = {r.id: r for r in _rows(calls_branch.url, TaskRow)}  # type: ignore[attr-defined]
    original = [tasks[t] for t in calls_branch.tasks]
    assert [t.status for t in original] == ["done"] * 8 + ["skipped", "done"]
    assert "[not_now] 出差" in original[8].note
    new = sorted(
        (t.client_id, t.kind, t.due_on, t.due_at, t.origin) for t in tasks.values() if t.id not in calls_branch.tasks
    )

    def utc(*args: int) -> dt.datetime:
        return dt.datetime(*args, tzinfo=dt.UTC)

    assert new == sorted(
        [
            (c[0], TaskKind.FOLLOW_UP, dt.date(2026, 11, 30), None, TaskOrigin.CONTACT),  # 3 days: Monday
            (c[1], TaskKind.CALLBACK, TODAY, utc(2026, 11, 27, 4), TaskOrigin.CONTACT),  # 2 hours later
            (c[2], TaskKind.SMS, dt.date(2026, 12, 4), None, TaskOrigin.CONTACT),  # after a week
            (c[2], TaskKind.FOLLOW_UP, dt.date(2026, 12, 28), None, TaskOrigin.CONTACT),  # 30 days: a Sunday → Monday
            (c[4], TaskKind.CALLBACK, TODAY, utc(2026, 11, 27, 3), TaskOrigin.CONTACT),  # the time agreed
            (c[5], TaskKind.VERIFY_NUMBER, TODAY, None, TaskOrigin.CONTACT),
        ]
    )
    assert all(t.status == TaskStatus.OPEN for t in tasks.values() if t.id not in calls_branch.tasks)

    (meeting,) = _rows(calls_branch.url, AppointmentRow)
    assert (meeting.client_id, meeting.starts_at) == (c[3], utc(2026, 11, 30, 2))  # type: ignore[attr-defined]
    flags = {r.id: (r.mobile_invalid, r.phone_opt_out) for r in _rows(calls_branch.url, ClientRow)}  # type: ignore[attr-defined]
    assert flags[c[5]] == (True, False)
    assert flags[c[6]] == (False, True)
    assert sum(1 for v in flags.values() if v != (False, False)) == 2


async def test_a_failed_save_keeps_the_typed_note_and_says_why(calls_branch: CallsBranch) -> None:
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        # Meanwhile the task is closed elsewhere (another session of the same manager).
        engine = make_engine(calls_branch.url)
        with engine.begin() as conn:
            conn.execute(TaskRow.__table__.update().where(TaskRow.id == calls_branch.tasks[0]).values(status="done"))
        engine.dispose()
        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*"客户说下周再联系", "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        assert "已被处理" in str(dialog.query_one("#dialog-error").render())
        assert dialog.query_one("#note").value == "客户说下周再联系"  # type: ignore[attr-defined]
    assert _rows(calls_branch.url, ContactRow) == []


def _count_prepares(monkeypatch: pytest.MonkeyPatch, failing_at: int = 0) -> list[int]:
    """The clients whose call card the app prepares, in order; attempt number ``failing_at`` (from 1) fails."""
    asked: list[int] = []
    real = call_session.prepare  # type: ignore[attr-defined]

    def counted(ws: Workstation, client_id: int, task_id: int | None = None) -> CallCard:
        asked.append(client_id)
        if len(asked) == failing_at:
            raise RuntimeError("the database went away")
        return real(ws, client_id, task_id)

    monkeypatch.setattr(call_session, "prepare", counted)
    return asked


def _card_shows(app: CsmApp, client: int, name: str) -> bool:
    """The session is on ``client`` and its card, as painted, shows ``name``."""
    screen = app.screen
    assert isinstance(screen, CallSession)
    card = screen.query_one(ClientCard)
    painted = "".join(strip.text for strip in card.render_lines(Region(0, 0, *card.size)))
    return screen.card is not None and screen.card.client_id == client and name in painted


async def test_each_card_is_prepared_once_along_with_what_leads_to_it(
    calls_branch: CallsBranch, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _count_prepares(monkeypatch)
    c = calls_branch.clients
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        assert _card_shows(app, c[0], "客户0") and asked == [c[0]]  # loaded by the session as it opened
        await _outcome(pilot, "n")
        assert _card_shows(app, c[1], "客户1") and asked == c[:2]  # prepared in the save's worker, after the save
        assert app.screen.card.calls_today == 1  # type: ignore[attr-defined]  # so it counts the call just saved
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("1", "enter")
        await settle(pilot)
        assert _card_shows(app, c[2], "客户2") and asked == c[:3]
        await pilot.press("u")  # the undo of client 0's outcome goes back to them and loads the card afresh
        await settle(pilot)  # the undo's worker, then the card's
        await settle(pilot)
        assert _card_shows(app, c[0], "客户0") and asked == [*c[:3], c[0]]


async def test_a_card_that_could_not_be_prepared_ahead_is_loaded_by_the_session(
    calls_branch: CallsBranch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next client's card, prepared in the save's worker, fails there: the session loads it itself."""
    asked = _count_prepares(monkeypatch, failing_at=2)
    c = calls_branch.clients
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        await _outcome(pilot, "n")
        await settle(pilot)
        assert _card_shows(app, c[1], "客户1")
        assert asked == [c[0], c[1], c[1]]


# --- 80×24: every outcome key in view; snooze asks when; agreed to buy -----------------------------------------


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_every_outcome_key_and_skip_and_snooze_are_in_view_at_80x24(calls_branch: CallsBranch, lang: str) -> None:
    from csm_tui.i18n import catalog
    from widgets.outcome_panel import OutcomePanel

    app = make_app(calls_branch.url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "G")  # the 回访, the last row: every outcome is offered on its card (d on no other)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        panel = app.screen.query_one(OutcomePanel)
        assert panel.region.bottom <= 24 and panel.region.height == 2
        shown = str(panel.render())
        for key in [*call_session.OUTCOME_KEYS, "s", "z"]:
            binding_id = next(i for i in call_session.PANEL_KEYS if app.screen.active_bindings[key].binding.id == i)
            word = catalog(lang)[f"outcome_key.{binding_id.replace('.', '_')}"]
            assert f" {key} {word}" in shown, (key, word, shown)


async def test_snooze_offers_quick_times_and_moves_the_call_to_the_one_chosen(calls_branch: CallsBranch) -> None:
    from screens.dialogs import SnoozeDialog

    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        await pilot.press("z")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SnoozeDialog)
        assert [name for name, _ in dialog.choices] == ["hour", "afternoon", "morning"]  # Friday 10:00
        await pilot.press("2", "enter")  # this afternoon, 14:00
        await settle(pilot)
        assert isinstance(app.screen, CallSession) and app.screen.item.client_id == calls_branch.clients[1]
    task = next(r for r in _rows(calls_branch.url, TaskRow) if r.id == calls_branch.tasks[0])  # type: ignore[attr-defined]
    assert (task.status, task.due_on, task.due_at.replace(tzinfo=dt.UTC)) == (  # type: ignore[attr-defined]
        TaskStatus.OPEN, TODAY, dt.datetime(2026, 11, 27, 6, tzinfo=dt.UTC),
    )  # fmt: skip
    assert _rows(calls_branch.url, ContactRow) == []  # a snooze is no contact


async def test_a_snooze_time_after_hours_is_refused_in_the_dialog_with_the_hours(calls_branch: CallsBranch) -> None:
    from csm_tui.i18n import t
    from screens.dialogs import SnoozeDialog

    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        await pilot.press("z")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SnoozeDialog)
        dialog.query_one("#time").value = "20:00"  # type: ignore[attr-defined]
        dialog.query_one("#note").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        error = str(dialog.query_one("#dialog-error").render())
        assert error == t("error.call_outside_hours", start="09:00", end="17:30")
    task = next(r for r in _rows(calls_branch.url, TaskRow) if r.id == calls_branch.tasks[0])  # type: ignore[attr-defined]
    assert task.due_at.replace(tzinfo=dt.UTC) == NOW.replace(hour=1, minute=0)  # type: ignore[attr-defined]


async def test_a_busy_callback_on_a_day_off_is_refused_in_the_dialog_keeping_what_was_typed(
    calls_branch: CallsBranch,
) -> None:
    """The client asks to be called on Saturday: the CSM is not at work then. Refused in words, the note kept;
    Monday's time is taken. The time suggested is the next the CSM calls (in an hour, 11:00 on Friday)."""
    from csm_tui.i18n import t

    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        await pilot.press("t")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        date, time = dialog.query_one("#date", Input), dialog.query_one("#time", Input)
        assert (date.value, time.value) == ("2026-11-27", "11:00")
        date.value, time.value = "2026-11-28", "10:00"
        dialog.query_one("#note", Input).value = "客户周末有空"
        dialog.query_one("#note").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert str(dialog.query_one("#dialog-error").render()) == t("error.call_not_working_day", day="2026-11-28")
        assert dialog.query_one("#note", Input).value == "客户周末有空"
        date.value = "2026-11-30"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, OutcomeDialog)
    callback = next(r for r in _rows(calls_branch.url, TaskRow) if r.id not in calls_branch.tasks)
    assert callback.due_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC)  # type: ignore[attr-defined]


async def test_agreed_to_buy_opens_the_wizard_and_books_a_visit_only_when_ticked(calls_branch: CallsBranch) -> None:
    from screens.suitability_wizard import SuitabilityWizard

    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_session(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, OutcomeDialog)
        await pilot.press("enter")  # not ticked: no visit
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, SuitabilityWizard) and wizard.start_client == calls_branch.clients[0]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CallSession)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("space", "enter")  # the box has the focus: tick, then save
        await settle(pilot)
        assert isinstance(app.screen, SuitabilityWizard)
    meetings = _rows(calls_branch.url, AppointmentRow)
    assert [m.client_id for m in meetings] == [calls_branch.clients[1]]  # type: ignore[attr-defined]
    contacts = _rows(calls_branch.url, ContactRow)
    assert [c.disposition for c in contacts] == [Disposition.AGREED_TO_BUY] * 2  # type: ignore[attr-defined]
