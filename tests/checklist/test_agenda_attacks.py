"""The agenda and the counter's walk-ins attacked through the service, on SQLite and PostgreSQL:
an undone cancellation never lands on a slot taken since, a walk-in never goes to a CSM away today."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import pytest

from csm_tui.domain.enums import AppointmentStatus, LeaveKind
from csm_tui.domain.errors import DomainError
from csm_tui.services import leave
from csm_tui.services.calls import appointments
from csm_tui.services.clients import referrals
from csm_tui.services.workstation import Workstation
from tests.support.branch import local
from tests.support.clients_branch import MONDAY, NOW, TUESDAY, Branch


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def test_undoing_a_cancellation_never_reinstates_a_meeting_over_one_booked_since(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    cancelled = appointments.book(ws, branch.zsf, local(TUESDAY, 10))
    appointments.set_status(ws, cancelled.id, AppointmentStatus.CANCELLED)
    appointments.book(ws, branch.wxm, local(TUESDAY, 10))  # the freed slot, given to another client
    assert code_of(lambda: appointments.undo(ws, cancelled.id)) == "meeting_overlap_staff_fixed"
    assert branch.client(branch.zsf) is not None
    with branch.system() as tx:
        found = tx.appointments.get(cancelled.id)
        assert found is not None and found.status is AppointmentStatus.CANCELLED


def test_undoing_a_cancellation_is_refused_when_the_client_has_been_booked_with_someone_else_since(
    branch: Branch,
) -> None:
    ws = branch.ws(branch.csm_a)
    cancelled = appointments.book(ws, branch.zsf, local(TUESDAY, 10))
    appointments.set_status(ws, cancelled.id, AppointmentStatus.CANCELLED)
    appointments.book(ws, branch.zsf, local(TUESDAY, 10, 15))
    assert code_of(lambda: appointments.undo(ws, cancelled.id)).startswith("meeting_overlap_")


def test_a_walk_in_is_never_given_to_a_csm_on_leave_today(branch: Branch) -> None:
    assert branch.csm_b.id is not None and branch.csm_a.id is not None
    today = NOW.date()
    leave.record_leave(
        branch.ws(branch.admin), branch.csm_b.id, today, today + dt.timedelta(days=3), LeaveKind.ANNUAL,
        cover_id=branch.csm_a.id,
    )  # fmt: skip
    teller = branch.ws(branch.teller)
    assert code_of(lambda: referrals.refer_walk_in(teller, branch.zl, branch.csm_b.id, "想了解大额存单")) == "csm_away"
    with branch.system() as tx:
        summary = tx.clients.summary(branch.zl)
        assert summary is not None and summary.manager_id is None  # nobody's yet: not handed to someone away


def test_a_walk_in_whose_manager_is_away_goes_to_the_colleague_covering_named(branch: Branch) -> None:
    assert branch.csm_b.id is not None and branch.csm_a.id is not None
    today = NOW.date()
    leave.record_leave(
        branch.ws(branch.admin), branch.csm_b.id, today, today + dt.timedelta(days=3), LeaveKind.ANNUAL,
        cover_id=branch.csm_a.id,
    )  # fmt: skip
    sent = referrals.refer_walk_in(branch.ws(branch.teller), branch.wdh, None, "想了解大额存单")
    assert sent.to_name == branch.csm_a.name
    assert sent.referral.to_staff_id == branch.csm_a.id
    with branch.system() as tx:
        summary = tx.clients.summary(branch.wdh)
        assert summary is not None and summary.manager_id == branch.csm_b.id  # still B's client


def test_the_admins_data_state_reports_a_chain_cut_after_its_last_verified_checkpoint(branch: Branch) -> None:
    """The newest entries removed behind the triggers' back (dropped, rows deleted, put back): every remaining link
    holds, and only the checkpoint of the last verification shows the cut — the admin's home must read it too."""
    from sqlalchemy import text

    from csm_tui.services.imports import data_state
    from storage import audit

    appointments.book(branch.ws(branch.csm_a), branch.zsf, local(TUESDAY, 10))  # entries to cut
    with branch.engine.connect() as conn:
        verdict = audit.check(conn, audit.load_key())
    audit.record_checkpoint(audit.database_name(branch.engine), verdict.checkpoint)
    assert data_state.load(branch.ws(branch.admin)).audit.holds
    with branch.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            conn.execute(text("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)"))
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'audit_events_no_delete'")).scalar_one()
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
            conn.execute(text("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)"))
            conn.execute(text(sql))
    check = data_state.load(branch.ws(branch.admin)).audit
    assert not check.holds and check.problem == "cut"


def _with_calendar(branch: Branch, **calendar: object) -> Workstation:
    ws = branch.ws(branch.csm_a)
    policy = ws.policy.model_copy(update={"calendar": ws.policy.calendar.model_copy(update=calendar)})
    return dataclasses.replace(ws, policy=policy)


def test_a_meeting_moved_onto_a_branch_closure_is_refused_and_onto_a_make_up_saturday_accepted(branch: Branch) -> None:
    saturday = dt.date(2026, 12, 5)
    ws = _with_calendar(branch, holidays=(TUESDAY,), extra_working_days=(saturday,))
    meeting = appointments.book(ws, branch.zsf, local(MONDAY, 10))
    assert code_of(lambda: appointments.move(ws, meeting.id, local(TUESDAY, 10))) == "meeting_closed_day"
    assert appointments.move(ws, meeting.id, local(saturday, 10)).starts_at == local(saturday, 10)
    assert code_of(lambda: appointments.move(ws, meeting.id, local(saturday, 16, 45))) == "meeting_outside_hours"


def test_the_counters_search_shows_others_clients_masked_only(branch: Branch) -> None:
    teller = branch.ws(branch.teller)
    with branch.system() as tx:
        full = tx.clients.get(branch.wdh)
    found = [w.row for w in referrals.find_walk_in(teller, "王大海")]
    assert found and all(not r.own for r in found)
    shown = " ".join(f"{r.masked_id} {r.masked_mobile} {r.born or ''}" for r in found)
    assert full.resident_id not in shown and str(full.mobile) not in shown and found[0].born is None


def test_overlaps_are_found_whatever_zone_the_opening_hours_are_read_in(branch: Branch) -> None:
    """The outlet's hours in a zone other than the desk's day (a branch abroad, a policy for another zone): two
    meetings that share an instant overlap even when the desk's midnight falls between their starts."""
    london = zoneinfo.ZoneInfo("Europe/London")
    ws = _with_calendar(branch, tz="Europe/London", opens=dt.time(9), closes=dt.time(17))
    tuesday = dt.datetime.combine(TUESDAY, dt.time(15, 45), london)  # 23:45 in Shanghai
    appointments.book(ws, branch.zsf, tuesday)
    clash = dt.datetime.combine(TUESDAY, dt.time(16), london)  # 00:00 the next day in Shanghai
    assert code_of(lambda: appointments.book(ws, branch.wxm, clash)) == "meeting_overlap_staff"


def test_the_counters_search_names_the_colleague_covering_for_a_manager_away(branch: Branch) -> None:
    assert branch.csm_b.id is not None and branch.csm_a.id is not None
    today = NOW.date()
    leave.record_leave(
        branch.ws(branch.admin), branch.csm_b.id, today, today + dt.timedelta(days=3), LeaveKind.ANNUAL,
        cover_id=branch.csm_a.id,
    )  # fmt: skip
    [found] = referrals.find_walk_in(branch.ws(branch.teller), "王大海")
    assert found.manager_id == branch.csm_b.id and found.manager_name == branch.csm_a.name  # whom it goes to


def test_a_supervisor_or_the_admin_cannot_mark_or_undo_a_csms_meeting(branch: Branch) -> None:
    mine = appointments.book(branch.ws(branch.csm_a), branch.zsf, local(MONDAY, 10))
    branch.clock.set(local(MONDAY, 11))
    appointments.set_status(branch.ws(branch.csm_a), mine.id, AppointmentStatus.DONE)
    for other in (branch.supervisor, branch.admin, branch.teller):
        ws = branch.ws(other)
        for attempt in (
            lambda ws=ws: appointments.undo(ws, mine.id),
            lambda ws=ws: appointments.set_status(ws, mine.id, AppointmentStatus.NO_SHOW),
            lambda ws=ws: appointments.move(ws, mine.id, local(TUESDAY, 10)),
        ):
            with pytest.raises(Exception) as caught:
                attempt()
            assert not isinstance(caught.value, DomainError)
    with branch.system() as tx:
        found = tx.appointments.get(mine.id)
        assert found is not None and found.status is AppointmentStatus.DONE
