"""The safe agenda on screen (issue 18.2), on the demo branch as demo CSM csm01 (Friday 27 November 2026, 10:00 in
Shanghai; a meeting at 11:00 today): `d`/`o` refused before a meeting has begun, `u` undoes a mark, the booking
dialog opens on the next free slot, a Sunday 22:00 booking is refused with the reason, an overlap is booked only by
Enter again on the same time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from textual.widgets import Static

from csm_tui.clock import FrozenClock
from csm_tui.i18n import catalog
from screens.agenda import AgendaScreen
from screens.dialogs import MeetingDialog
from storage.engine import make_engine
from storage.orm import AuditRow
from tests.support.pilot import make_app, notices, open_own_client, settle, table_rows

ZH = catalog("zh_CN")


async def test_a_meeting_still_ahead_is_not_marked_held_and_a_mark_is_undone_with_u(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        row = table_rows(app)[0]  # the day's first meeting, still ahead at 10:00
        before = row[5]
        assert row[0] > "10:00" and before in (ZH["appointment_status.booked"], ZH["appointment_status.confirmed"])
        await pilot.press("d")
        await settle(pilot)
        assert ZH["agenda.not_begun"] in notices(app)
        assert table_rows(app)[0][5] == before
        clock = app.ws.time.clock
        assert isinstance(clock, FrozenClock)
        hour, minute = map(int, row[0].split(":"))
        clock.set(f"2026-11-27T{hour - 8:02d}:{minute:02d}:00Z")  # the meeting's start (Shanghai is UTC+8)
        clock.advance(dt.timedelta(minutes=10))  # it has begun
        await pilot.press("o")  # the wrong key: the client came
        await settle(pilot)
        assert table_rows(app)[0][5] == ZH["appointment_status.no_show"]
        await pilot.press("d")
        await settle(pilot)
        assert ZH["agenda.closed"] in notices(app)  # marked already: undo first
        await pilot.press("u")
        await settle(pilot)
        assert ZH["agenda.undone"].format(state=before) in notices(app)
        await pilot.press("d")
        await settle(pilot)
        assert table_rows(app)[0][5] == ZH["appointment_status.done"]


async def test_the_booking_dialog_offers_the_next_free_slot_and_refuses_sunday_night_and_overlaps(
    demo_url: str,
) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, MeetingDialog)
        date, time = dialog.query_one("#date").value, dialog.query_one("#time").value  # type: ignore[attr-defined]
        assert (date, time) == ("2026-11-27", "10:30")  # today, the next free half hour; not "10:00 tomorrow"
        dialog.query_one("#date").value = "2026-11-29"  # type: ignore[attr-defined]
        dialog.query_one("#time").value = "22:00"  # type: ignore[attr-defined]
        dialog.query_one("#note").focus()
        await pilot.press("enter")
        await settle(pilot)
        error = str(dialog.query_one("#dialog-error").render())
        assert error == ZH["error.meeting_closed_day"].format(day="2026-11-29")
        dialog.query_one("#date").value = "2026-11-27"  # type: ignore[attr-defined]
        dialog.query_one("#time").value = "12:45"  # over the 12:30 meeting
        await pilot.press("enter")
        await settle(pilot)
        assert str(dialog.query_one("#dialog-error").render()) == ZH["error.meeting_overlap_staff"].format(
            at="2026-11-27 12:30"
        )
        assert app.screen is dialog
        await pilot.press("enter")  # the same time again: booked anyway, and audited
        await settle(pilot)
        assert app.screen is not dialog
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        overrides = conn.execute(select(AuditRow.action).where(AuditRow.action == "appointment.overlap")).all()
    engine.dispose()
    assert len(overrides) == 1


async def test_the_agenda_title_counts_one_meeting_in_the_singular_in_english(demo_url: str) -> None:
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert len(table_rows(app)) == 1  # the demo CSM's one meeting today
        title = str(app.screen.query_one("#screen-title", Static).render())
        assert title.endswith("· 2026-11-27 · 1 meeting"), title
