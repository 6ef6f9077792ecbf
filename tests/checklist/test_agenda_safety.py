"""A safe agenda, from the hostile side (issue 18.2), on SQLite and PostgreSQL: the service is called directly.

Held and no-show only once a meeting's time has come; every mark undone the same day, audited, never later; no
booking on a day the outlet is closed or outside its opening hours; no overlap of the CSM's or the client's meetings
without an explicit, audited override; the default slot is the next free one. The branch is the clients'
small one (``support/clients_branch``):
Friday 27 November 2026, 10:00 in Shanghai; Monday 30 November is the next working day.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from csm_tui.domain.enums import AppointmentStatus, Disposition, TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import explain, set_language
from csm_tui.policy import Calendar, PolicyError, load_policy
from csm_tui.rules import meetings
from csm_tui.services.calls import appointments
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.clients import referrals
from storage.orm import AppointmentRow, TaskRow
from tests.support.branch import local
from tests.support.clients_branch import MONDAY, NOW, SUNDAY, TUESDAY, Branch

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def stored(b: Branch, meeting_id: int) -> AppointmentRow:
    with Session(b.engine) as session:
        row = session.get(AppointmentRow, meeting_id)
        assert row is not None
        session.expunge(row)
        return row


def actions(b: Branch, prefix: str) -> list[tuple[str, str, dict[str, object]]]:
    return [(r.action, r.entity_id, r.detail) for r in b.audit_rows() if r.action.startswith(prefix)]


# --- held and no-show only once the meeting's time has come ------------------------------------------------------


def test_a_meeting_still_ahead_is_never_marked_held_or_no_show(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    later_today = appointments.book(ws, branch.zsf, local(dt.date(2026, 11, 27), 14))
    monday = appointments.book(ws, branch.wxm, local(MONDAY, 10))
    for meeting in (later_today, monday):
        for status in (AppointmentStatus.DONE, AppointmentStatus.NO_SHOW):
            assert code_of(lambda m=meeting, s=status: appointments.set_status(ws, m.id, s)) == "meeting_not_begun"
        assert stored(branch, meeting.id).status is AppointmentStatus.BOOKED
    branch.clock.set(local(MONDAY, 10))  # its time has come: now it may be
    assert appointments.set_status(ws, monday.id, AppointmentStatus.NO_SHOW).status is AppointmentStatus.NO_SHOW


def test_a_marked_meeting_is_marked_again_only_after_undo(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    meeting = appointments.book(ws, branch.zsf, local(MONDAY, 10))
    branch.clock.set(local(MONDAY, 10, 40))
    appointments.set_status(ws, meeting.id, AppointmentStatus.DONE)
    for status in (AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED, AppointmentStatus.CONFIRMED):
        assert code_of(lambda s=status: appointments.set_status(ws, meeting.id, s)) == "meeting_closed"
    assert code_of(lambda: appointments.set_status(ws, meeting.id, AppointmentStatus.BOOKED)) == "meeting_undo_instead"
    assert code_of(lambda: appointments.move(ws, meeting.id, local(TUESDAY, 10))) == "meeting_closed"
    assert stored(branch, meeting.id).status is AppointmentStatus.DONE
    assert appointments.undo(ws, meeting.id).status is AppointmentStatus.BOOKED  # begun: no confirmation call again
    assert appointments.set_status(ws, meeting.id, AppointmentStatus.NO_SHOW).status is AppointmentStatus.NO_SHOW


# --- every mark undone the same day, audited ---------------------------------------------------------------------


def test_a_held_mark_is_undone_the_same_day_back_to_confirmed_and_audited(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    meeting = appointments.book(ws, branch.zsf, local(MONDAY, 10))
    branch.clock.set(local(MONDAY, 9))
    appointments.set_status(ws, meeting.id, AppointmentStatus.CONFIRMED)
    branch.clock.set(local(MONDAY, 10, 5))
    appointments.set_status(ws, meeting.id, AppointmentStatus.NO_SHOW)  # the wrong key: the client is here
    back = appointments.undo(ws, meeting.id)
    assert back.status is AppointmentStatus.CONFIRMED  # as it was before the mistake
    appointments.set_status(ws, meeting.id, AppointmentStatus.DONE)
    assert stored(branch, meeting.id).status is AppointmentStatus.DONE
    marks = [(d["was"], d["now"]) for a, _, d in actions(branch, "appointment.") if a != "appointment.overlap"]
    assert marks == [("booked", "confirmed"), ("confirmed", "no_show"), ("no_show", "confirmed"), ("confirmed", "done")]
    assert [a for a, _, _ in actions(branch, "appointment.")] == [
        "appointment.mark",
        "appointment.mark",
        "appointment.unmark",
        "appointment.mark",
    ]
    assert branch.chain_holds()


def test_a_mark_is_not_undone_on_a_later_day(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    meeting = appointments.book(ws, branch.zsf, local(MONDAY, 10))
    branch.clock.set(local(MONDAY, 11))
    appointments.set_status(ws, meeting.id, AppointmentStatus.DONE)
    branch.clock.set(local(TUESDAY, 9))
    assert code_of(lambda: appointments.undo(ws, meeting.id)) == "meeting_undo_too_late"
    assert stored(branch, meeting.id).status is AppointmentStatus.DONE
    fresh = appointments.book(ws, branch.wxm, local(TUESDAY, 14))
    assert code_of(lambda: appointments.undo(ws, fresh.id)) == "meeting_nothing_to_undo"


def test_undoing_a_cancellation_books_the_meeting_again_with_its_confirmation_call(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    meeting = appointments.book(ws, branch.zsf, local(TUESDAY, 10))

    def open_confirmations() -> int:
        with Session(branch.engine) as session:
            return len(
                session.scalars(
                    select(TaskRow).where(
                        TaskRow.origin == TaskOrigin.APPOINTMENT,
                        TaskRow.origin_id == meeting.id,
                        TaskRow.kind == TaskKind.APPOINTMENT_CONFIRM,
                        TaskRow.status == TaskStatus.OPEN,
                    )
                ).all()
            )

    assert open_confirmations() == 1
    appointments.set_status(ws, meeting.id, AppointmentStatus.CANCELLED)
    assert open_confirmations() == 0
    assert appointments.undo(ws, meeting.id).status is AppointmentStatus.BOOKED
    assert open_confirmations() == 1


def test_another_csm_cannot_mark_or_undo_a_colleagues_meeting(branch: Branch) -> None:
    mine = appointments.book(branch.ws(branch.csm_a), branch.zsf, local(MONDAY, 10))
    branch.clock.set(local(MONDAY, 11))
    appointments.set_status(branch.ws(branch.csm_a), mine.id, AppointmentStatus.DONE)
    other = branch.ws(branch.csm_b)
    for attempt in (
        lambda: appointments.undo(other, mine.id),
        lambda: appointments.set_status(other, mine.id, AppointmentStatus.CANCELLED),
    ):
        with pytest.raises(Exception) as caught:
            attempt()
        assert not isinstance(caught.value, DomainError)  # refused for who they are, not for the meeting's state
    assert stored(branch, mine.id).status is AppointmentStatus.DONE


# --- opening hours and working days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (local(SUNDAY, 22), "meeting_closed_day"),
        (local(SUNDAY, 10), "meeting_closed_day"),
        (local(dt.date(2026, 11, 28), 10), "meeting_closed_day"),  # Saturday
        (local(MONDAY, 22), "meeting_outside_hours"),
        (local(MONDAY, 8, 30), "meeting_outside_hours"),
        (local(MONDAY, 16, 45), "meeting_outside_hours"),  # would end at 17:15, after closing
    ],
)
def test_a_booking_when_the_outlet_is_closed_is_refused_with_the_reason(
    branch: Branch, when: dt.datetime, code: str
) -> None:
    ws = branch.ws(branch.csm_a)
    with pytest.raises(DomainError) as caught:
        appointments.book(ws, branch.zsf, when)
    assert caught.value.code == code
    set_language("zh_CN")
    said = explain(caught.value)
    assert ("不营业" in said) if code == "meeting_closed_day" else ("09:00–17:00" in said)
    assert branch.count(AppointmentRow) == 0
    meeting = appointments.book(ws, branch.zsf, local(MONDAY, 16, 30))  # the last slot that ends by closing
    assert code_of(lambda: appointments.move(ws, meeting.id, when)) == code
    assert stored(branch, meeting.id).starts_at == local(MONDAY, 16, 30)


def test_a_meeting_agreed_on_a_call_is_held_to_the_same_hours_and_agendas(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    for when, code in ((local(SUNDAY, 22), "meeting_closed_day"), (local(MONDAY, 19), "meeting_outside_hours")):
        with pytest.raises(DomainError) as caught:
            record(ws, branch.ls, Outcome(Disposition.APPOINTMENT, at=when), started_at=NOW)
        assert caught.value.code == code
    appointments.book(ws, branch.zsf, local(MONDAY, 10))
    with pytest.raises(DomainError) as caught:
        record(ws, branch.ls, Outcome(Disposition.APPOINTMENT, at=local(MONDAY, 10, 15)), started_at=NOW)
    assert caught.value.code == "meeting_overlap_staff_fixed"  # no override from a call: another time
    assert branch.count(AppointmentRow) == 1


# --- overlaps ---------------------------------------------------------------------------------------------------


def test_a_double_booking_of_the_csm_is_refused_unless_overridden_and_audited(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    first = appointments.book(ws, branch.zsf, local(MONDAY, 10))
    with pytest.raises(DomainError) as caught:
        appointments.book(ws, branch.wxm, local(MONDAY, 10, 15))
    assert (caught.value.code, caught.value.params) == ("meeting_overlap_staff", {"at": "2026-11-30 10:00"})
    assert branch.count(AppointmentRow) == 1
    right_after = appointments.book(ws, branch.wxm, local(MONDAY, 10, 30))  # back to back is no overlap
    assert code_of(lambda: appointments.move(ws, right_after.id, local(MONDAY, 9, 45))) == "meeting_overlap_staff"
    forced = appointments.book(ws, branch.ls, local(MONDAY, 10, 15), override=True)
    assert actions(branch, "appointment.overlap") == [
        ("appointment.overlap", str(forced.id), {"overlaps": sorted([first.id, right_after.id])})
    ]
    cancelled = appointments.set_status(ws, first.id, AppointmentStatus.CANCELLED)
    assert cancelled.status is AppointmentStatus.CANCELLED
    appointments.move(ws, right_after.id, local(MONDAY, 9, 30))  # a cancelled meeting takes no slot
    assert branch.chain_holds()


def test_the_clients_meetings_with_others_count_as_overlaps_too(branch: Branch) -> None:
    csm, wealth = branch.ws(branch.csm_a), branch.ws(branch.wealth)
    referrals.refer_to_wode(csm, branch.zsf, branch.wealth.id, note="日均52万，有意向资产配置")
    appointments.book(csm, branch.zsf, local(MONDAY, 14))
    with pytest.raises(DomainError) as caught:
        appointments.book(wealth, branch.zsf, local(MONDAY, 14))
    assert caught.value.code == "meeting_overlap_client"
    appointments.book(wealth, branch.zsf, local(MONDAY, 15))


# --- the default slot -------------------------------------------------------------------------------------------


def test_the_suggested_slot_is_the_next_free_one_in_opening_hours(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    assert appointments.suggested_slot(ws, branch.zsf).datetime == local(dt.date(2026, 11, 27), 10, 30)
    appointments.book(ws, branch.wxm, local(dt.date(2026, 11, 27), 10, 30))
    appointments.book(ws, branch.ls, local(dt.date(2026, 11, 27), 11))
    assert appointments.suggested_slot(ws, branch.zsf).datetime == local(dt.date(2026, 11, 27), 11, 30)
    branch.clock.set(local(dt.date(2026, 11, 27), 16, 45))  # too late today: Monday at opening, not Sunday 10:00
    assert appointments.suggested_slot(ws, branch.zsf).datetime == local(MONDAY, 9)


def test_the_opening_hours_come_from_the_policy_and_nonsense_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text("[calendar]\nopens = 08:30:00\ncloses = 18:00:00\n", encoding="utf-8")
    calendar = load_policy(good).calendar
    assert (calendar.opens, calendar.closes) == (dt.time(8, 30), dt.time(18))
    monday_8_30 = dt.datetime(2026, 11, 30, 8, 30, tzinfo=SHANGHAI)
    assert meetings.refusal(calendar, monday_8_30, 30) is None
    for text in ("opens = 18:00:00\ncloses = 09:00:00", "opens = 09:00:00\ncloses = 09:10:00"):
        bad = tmp_path / "bad.toml"
        bad.write_text(f"[calendar]\n{text}\n", encoding="utf-8")
        set_language("zh_CN")
        with pytest.raises(PolicyError) as caught:
            load_policy(bad)
        assert "营业时间" in caught.value.reason


# --- the rule, for any agenda -----------------------------------------------------------------------------------

CALENDAR = Calendar()
_BASE = dt.datetime(2026, 11, 27, 0, 0, tzinfo=SHANGHAI)


@st.composite
def agendas(draw: st.DrawFn) -> tuple[dt.datetime, list[meetings.Busy], int]:
    now = _BASE + dt.timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
    busy = [
        meetings.Busy(_BASE + dt.timedelta(minutes=5 * draw(st.integers(0, 10 * 24 * 12))), draw(st.integers(5, 240)))
        for _ in range(draw(st.integers(0, 25)))
    ]
    return now, busy, draw(st.sampled_from([15, 30, 45, 60, 90]))


@given(agendas())
def test_the_next_free_slot_is_open_free_and_the_earliest(agenda: tuple[dt.datetime, list[meetings.Busy], int]) -> None:
    now, busy, minutes = agenda
    slot = meetings.next_free_slot(CALENDAR, now, busy, minutes)
    assert slot is not None
    assert slot > now
    assert meetings.refusal(CALENDAR, slot, minutes) is None
    assert meetings.first_overlap(slot, minutes, busy) is None
    assert (slot - dt.datetime.combine(slot.date(), CALENDAR.opens, SHANGHAI)).seconds % (30 * 60) == 0
    earlier = dt.datetime.combine(now.date(), CALENDAR.opens, SHANGHAI)
    while earlier < slot:  # no earlier slot of the grid would have done
        if earlier > now:
            assert (
                meetings.refusal(CALENDAR, earlier, minutes) is not None
                or meetings.first_overlap(earlier, minutes, busy) is not None
            )
        earlier += dt.timedelta(minutes=30)


@given(
    st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
        lambda d: d.replace(tzinfo=SHANGHAI)
    ),
    st.integers(5, 240),
)
def test_a_meeting_is_accepted_exactly_within_a_working_days_opening_hours(start: dt.datetime, minutes: int) -> None:
    end = start + dt.timedelta(minutes=minutes)
    inside = (
        CALENDAR.is_working_day(start.date())
        and start.time() >= CALENDAR.opens
        and end.date() == start.date()
        and end.time() <= CALENDAR.closes
    )
    assert (meetings.refusal(CALENDAR, start, minutes) is None) == inside
    assert (meetings.refusal(CALENDAR, start.astimezone(dt.UTC), minutes) is None) == inside  # any zone in
