"""A CSM's whole day at 80×24, in each language, in one test: the checklist, the queue, a call session of twelve
cards with every outcome key once (a meeting booked, a sale recorded through the wizard), the checklist ticking
itself and the scoreboard counting — the screen and the database checked at each step, and no screen ever showing a
traceback or a word of the other language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from textual.pilot import Pilot

from csm_tui.app import CsmApp
from csm_tui.domain.enums import Disposition, TaskStatus
from screens.call_session import CallSession
from screens.dialogs import OutcomeDialog, ReasonDialog, SnoozeDialog
from screens.suitability_wizard import SuitabilityWizard
from storage.engine import make_engine
from storage.orm import AppointmentRow, ContactRow, SaleRow, TaskRow
from tests.support.calls_branch import NOW
from tests.support.day_branch import DayBranch
from tests.support.pilot import make_app, settle
from tests.support.words import FULL_WIDTH, PATH, foreign_words, screen_text, stored_text


def _rows(url: str, row: type) -> list:  # type: ignore[type-arg]
    engine = make_engine(url)
    with Session(engine) as session:
        found = list(session.scalars(select(row).order_by(row.id)))  # type: ignore[attr-defined]
    engine.dispose()
    return found


def _look(app: CsmApp, url: str, lang: str, where: str) -> str:
    """The screen as the terminal shows it: no traceback, no word of the other language but the bank's data."""
    text = screen_text(app)
    assert "Traceback" not in text, (where, text)
    unwrapped = PATH.sub(" ", text.replace("\n", ""))  # a report's path wraps at 80 columns: the computer's words
    assert foreign_words(unwrapped, lang, stored_text(url)) == [], (where, text)
    if lang == "en":
        assert not FULL_WIDTH.search(text), (where, text)
    return text


async def _outcome(pilot: Pilot[None], key: str, *typed: str) -> None:
    """An outcome key, its dialog's fields in order (Tab between them), Enter; the dialog closes."""
    await pilot.press(key)
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, OutcomeDialog), key
    for i, text in enumerate(typed):
        if i:
            await pilot.press("tab")
        await pilot.press(*text)
    await pilot.press("enter")
    await settle(pilot)
    assert pilot.app.screen is not dialog, str(dialog.query_one("#dialog-error").render())


def _line(text: str, word: str) -> str:
    return next(line for line in text.splitlines() if word in line)


def _on(app: CsmApp, client: int) -> None:
    screen = app.screen
    assert isinstance(screen, CallSession) and screen.item.client_id == client, screen


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_csms_day_at_80x24(day_branch: DayBranch, lang: str) -> None:
    url, c = day_branch.url, day_branch.clients
    zh = lang == "zh_CN"
    app = make_app(url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        # Morning: the checklist, nothing called yet.
        await settle(pilot)
        text = _look(app, url, lang, "checklist")
        assert ("电话联络客户" if zh else "Client phone calls") in text and "0 / 10" in text
        # The queue: twelve calls due, in order.
        await pilot.press("2")
        await settle(pilot)
        text = _look(app, url, lang, "queue")
        rows = [line for line in text.splitlines() if re.search(r"客户\d", line)]
        assert [line.split()[1] for line in rows] == [f"客户{n}" for n in range(12)]
        assert all(line.rstrip().endswith("50.00") for line in rows), text  # ¥500,000 in ¥10k, whole at 80 columns
        # The session, one card after another.
        await pilot.press("c")
        await settle(pilot)
        _on(app, c[0])
        _look(app, url, lang, "session")
        await _outcome(pilot, "i", "想考虑一下")  # 0 interested
        _on(app, c[1])
        await _outcome(pilot, "a")  # 1 a meeting: the suggested slot, a valid one
        _on(app, c[2])
        _look(app, url, lang, "after a meeting")
        (meeting,) = _rows(url, AppointmentRow)
        assert meeting.client_id == c[1] and meeting.starts_at.replace(tzinfo=dt.UTC) > NOW
        assert [r.disposition for r in _rows(url, ContactRow)] == [Disposition.INTERESTED, Disposition.APPOINTMENT]
        await _outcome(pilot, "p")  # 2 politely declined
        await _outcome(pilot, "f")  # 3 firmly declined
        await _outcome(pilot, "n")  # 4 no answer
        _on(app, c[5])
        _look(app, url, lang, "after no answer")
        await _outcome(pilot, "t")  # 5 busy: the suggested time
        await _outcome(pilot, "w")  # 6 wrong number
        await _outcome(pilot, "x")  # 7 do not call
        _on(app, c[8])
        await pilot.press("s")  # 8 skipped: not now
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        _look(app, url, lang, "skip")
        await pilot.press("1", "enter")
        await settle(pilot)
        _on(app, c[9])
        assert next(r for r in _rows(url, TaskRow) if r.id == day_branch.tasks[8]).status == TaskStatus.SKIPPED
        await pilot.press("z")  # 9 later: this afternoon
        await pilot.pause()
        assert isinstance(app.screen, SnoozeDialog)
        _look(app, url, lang, "snooze")
        await pilot.press("2", "enter")
        await settle(pilot)
        _on(app, c[10])
        snoozed = next(r for r in _rows(url, TaskRow) if r.id == day_branch.tasks[9])
        assert (snoozed.status, snoozed.due_at.replace(tzinfo=dt.UTC)) == (TaskStatus.OPEN, NOW.replace(hour=6))
        await pilot.press("b")  # 10 agreed to buy: the wizard
        await pilot.pause()
        assert isinstance(app.screen, OutcomeDialog)
        await pilot.press("enter")
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, SuitabilityWizard) and wizard.start_client == c[10]
        _look(app, url, lang, "wizard")
        await pilot.press("q", *"cccccccccccc", "a", "b")
        await pilot.pause()
        await pilot.press("y")  # a first assessment is face to face
        await settle(pilot)
        assert wizard.step == "product", str(wizard.query_one("#wizard-error").render())
        assert wizard.ctx is not None
        index = next(i for i, p in enumerate(wizard.ctx.products) if p.code == "W2")  # R2, for a C3 client
        _look(app, url, lang, "product")
        await pilot.press(*["down"] * index, "enter", *"50000", "enter")
        await settle(pilot)
        assert wizard.step == "check" and wizard.verdict is not None and wizard.verdict.allowed
        _look(app, url, lang, "check")
        await pilot.press("y")
        await pilot.pause()
        assert wizard.step == "confirm"
        _look(app, url, lang, "confirm")
        for name in ("disclosure_shown", "documents_read", "sentence_copied"):
            wizard.query_one(f"#{name}").value = True  # type: ignore[attr-defined]
        wizard.query_one("#recording_ref").value = "2026-0001"  # type: ignore[attr-defined]
        await pilot.press("y")
        await settle(pilot)
        assert wizard.step == "summary", str(wizard.query_one("#wizard-error").render())
        _look(app, url, lang, "summary")
        await pilot.press("s")
        await settle(pilot)
        assert wizard.step == "done"
        _look(app, url, lang, "sold")
        (sale,) = _rows(url, SaleRow)
        assert (sale.client_id, sale.amount) == (c[10], 50000)
        await pilot.press("escape")
        await settle(pilot)
        _look(app, url, lang, "after the wizard")
        _on(app, c[11])
        await _outcome(pilot, "d", "5", "很满意")  # 11 the 回访 done: satisfied
        assert not isinstance(app.screen, CallSession)  # the queue is done: back to it
        text = _look(app, url, lang, "queue after")
        assert [m.group() for m in re.finditer(r"客户\d+", text)] == [
            "客户5",
            "客户4",
            "客户9",
        ]  # busy, no answer, later
        # Afternoon: the checklist has ticked itself; the scoreboard counts the calls and the sale.
        await pilot.press("1")
        await settle(pilot)
        text = _look(app, url, lang, "checklist after")
        calls_line = next(
            line for line in text.splitlines() if ("电话联络客户" if zh else "Client phone calls") in line
        )
        assert "✓" in calls_line and "10 / 10" in calls_line, text
        service_line = next(
            line for line in text.splitlines() if ("今日待回访" if zh else "Service callbacks due") in line
        )
        assert "✓" in service_line and "1 / 1" in service_line, text
        await pilot.press("5")
        await settle(pilot)
        text = _look(app, url, lang, "scoreboard after")
        sales = _line(text, "理财产品销售" if zh else "Wealth-product sales")
        assert "¥50,000.00" in sales, text
        label = "联系登记" if zh else "Contacts logged"
        assert _line(text, label).split(label)[1].split()[0] == "10", text  # ten outcomes; skip, later: none

    contacts = _rows(url, ContactRow)
    assert [(r.client_id, r.disposition) for r in contacts] == [
        (c[0], Disposition.INTERESTED),
        (c[1], Disposition.APPOINTMENT),
        (c[2], Disposition.POLITE_DECLINE),
        (c[3], Disposition.FIRM_DECLINE),
        (c[4], Disposition.NO_ANSWER),
        (c[5], Disposition.BUSY),
        (c[6], Disposition.WRONG_NUMBER),
        (c[7], Disposition.DO_NOT_CALL),
        (c[10], Disposition.AGREED_TO_BUY),
        (c[11], Disposition.SERVICE_DONE),
    ]
    assert (contacts[-1].satisfaction, contacts[-1].feedback) == (5, "很满意")
    tasks = {r.id: r for r in _rows(url, TaskRow)}
    assert [tasks[i].status for i in day_branch.tasks] == [TaskStatus.DONE] * 8 + [
        TaskStatus.SKIPPED, TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.DONE,
    ]  # fmt: skip
    assert len(_rows(url, AppointmentRow)) == 1  # the meeting; agreed to buy books no visit unless asked
