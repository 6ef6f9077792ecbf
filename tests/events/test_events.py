"""Marketing events through the services on SQLite and PostgreSQL: an event planned within the branch's working
days and opening hours; invitees by rule and by hand, each a call in their own manager's queue; the answers with
their cadence and the reminder; check-in on the day within the capacity, walk-ins, the follow-up calls; the
results. From the hostile side: another CSM's client invited or answered for, a lobby manager planning, a check-in
past the capacity or off the day, an event outside opening hours.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the event is on Tuesday 1 December at 14:00.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from csm_tui.domain.enums import (
    EventKind,
    InviteRule,
    InviteStatus,
    LeaveKind,
    QueueReason,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewSale
from csm_tui.policy import Policy
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.events import day, planning, results
from csm_tui.services.leave import record_leave
from csm_tui.services.ports import AccessDenied
from tests.support.events_branch import (
    EVENT_AT,
    EVENT_DAY,
    NOW,
    Branch,
    draft,
    event,
    invitation_of,
    on_event_day,
)

# --- planning -------------------------------------------------------------------------------------------------------


def test_a_csm_plans_an_event_in_opening_hours_with_its_products_and_the_write_is_audited(branch: Branch) -> None:
    created = planning.create_event(branch.ws("wang"), draft(product_ids=(branch.product,)))
    assert (created.kind, created.company, created.product_ids) == (EventKind.PAYROLL, "上海电气", (branch.product,))
    assert created.created_by == branch.staff["wang"].id
    with branch.factory() as tx:
        assert tx.events.get(created.id) == created
        assert "insert" in [e.action for e in tx.audit.recent(50) if e.entity == "events"]


@pytest.mark.parametrize(
    ("starts_at", "minutes", "code"),
    [
        (dt.datetime(2026, 11, 28, 6, tzinfo=dt.UTC), 90, "event_not_working_day"),  # a Saturday
        (dt.datetime(2026, 10, 1, 6, tzinfo=dt.UTC), 90, "event_not_working_day"),  # National Day (past too)
        (dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), 60, "event_outside_hours"),  # 18:00
        (dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC), 60, "event_outside_hours"),  # 16:30, ends 17:30
        (dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC), 60, "event_outside_hours"),  # 08:30
    ],
)
def test_an_event_outside_the_working_days_or_opening_hours_is_refused(
    branch: Branch, starts_at: dt.datetime, minutes: int, code: str
) -> None:
    if starts_at < NOW:
        branch.clock.set(starts_at - dt.timedelta(days=3))
    with pytest.raises(DomainError) as refused:
        planning.create_event(branch.ws("wang"), draft(starts_at=starts_at, minutes=minutes))
    assert refused.value.code == code
    with branch.factory() as tx:
        assert tx.events.between(NOW - dt.timedelta(days=400), NOW + dt.timedelta(days=400)) == []


def test_the_branchs_opening_hours_come_from_the_policy(branch: Branch) -> None:
    p = Policy()
    late = p.model_copy(update={"calendar": p.calendar.model_copy(update={"closes": dt.time(19, 0)})})
    evening = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)  # 18:00 to 19:00
    assert planning.create_event(branch.ws("wang", late), draft(starts_at=evening, minutes=60)).id > 0


def test_a_payroll_event_names_its_company_and_an_event_is_not_in_the_past(branch: Branch) -> None:
    with pytest.raises(DomainError, match="event_company_required"):
        planning.create_event(branch.ws("wang"), draft(company=" "))
    with pytest.raises(DomainError, match="time_in_past"):
        planning.create_event(branch.ws("wang"), draft(starts_at=NOW - dt.timedelta(hours=1)))
    with pytest.raises(DomainError, match="event_capacity"):
        planning.create_event(branch.ws("wang"), draft(capacity=10_000))
    with pytest.raises(DomainError, match="event_product_unknown"):
        planning.create_event(branch.ws("wang"), draft(product_ids=(999,)))


def test_a_lobby_manager_does_not_plan_events(branch: Branch) -> None:
    with pytest.raises(AccessDenied):
        planning.create_event(branch.ws("lobby"), draft())


# --- invitations ----------------------------------------------------------------------------------------------------


def test_invitations_by_rule_become_calls_in_each_invitees_own_managers_queue(branch: Branch) -> None:
    branch.client("甲", "wang", employer="上海电气")
    branch.client("乙", "li", employer="上海电气")
    branch.client("丙", "wang", employer="宝钢")
    event_id = event(branch)
    assert planning.invite_by_rule(branch.ws("sup"), event_id, InviteRule.EMPLOYER) == 2
    assert planning.invite_by_rule(branch.ws("sup"), event_id, InviteRule.EMPLOYER) == 0  # invited once
    [invite] = branch.tasks("甲")
    assert (invite.kind, invite.staff_id, invite.due_on, invite.origin) == (
        TaskKind.EVENT_INVITE, branch.staff["wang"].id, NOW.date(), TaskOrigin.EVENT,
    )  # fmt: skip
    assert branch.tasks("乙")[0].staff_id == branch.staff["li"].id
    assert branch.tasks("丙") == []
    wang_queue = {i.client_id: i.reason for i in today_queue(branch.ws("wang"))}
    assert wang_queue.get(branch.clients["甲"]) is QueueReason.EVENT_INVITE
    assert branch.clients["乙"] not in wang_queue  # li's client: li calls them


def test_a_csm_invites_by_rule_only_own_clients(branch: Branch) -> None:
    branch.client("甲", "wang", securities_custody=True)
    branch.client("乙", "li", securities_custody=True)
    event_id = event(branch, by="wang", kind=EventKind.SECURITIES, company="")
    assert planning.invite_by_rule(branch.ws("wang"), event_id, InviteRule.SECURITIES) == 1
    assert branch.tasks("乙") == []


def test_precision_marketing_prospects_are_invited_by_rule(branch: Branch) -> None:
    branch.client("近沃德", "wang", avg_3m=Decimal("450000.00"))
    branch.client("普通", "wang")
    event_id = event(branch, by="wang", kind=EventKind.SALON, company="")
    assert planning.invite_by_rule(branch.ws("wang"), event_id, InviteRule.PROSPECTS) == 1
    assert [t.kind for t in branch.tasks("近沃德")] == [TaskKind.EVENT_INVITE]


def test_a_csm_cannot_invite_another_csms_client_directly(branch: Branch) -> None:
    mine = branch.client("甲", "wang")
    theirs = branch.client("乙", "li")
    event_id = event(branch, by="wang")
    with pytest.raises(AccessDenied):
        planning.invite_clients(branch.ws("wang"), event_id, [mine, theirs])
    assert branch.tasks("甲") == [] and branch.tasks("乙") == []  # all or nothing
    assert day.door_list(branch.ws("wang"), event_id).invitees == ()


def test_a_colleague_covering_leave_calls_but_does_not_invite(branch: Branch) -> None:
    theirs = branch.client("乙", "li")
    record_leave(
        branch.ws("li"), branch.staff["li"].id, NOW.date(), EVENT_DAY, LeaveKind.ANNUAL, branch.staff["wang"].id
    )
    event_id = event(branch, by="wang")
    with pytest.raises(AccessDenied):
        planning.invite_clients(branch.ws("wang"), event_id, [theirs])


def test_a_supervisor_invites_the_teams_clients_by_hand_into_their_managers_queues(branch: Branch) -> None:
    theirs = branch.client("乙", "li")
    event_id = event(branch)
    assert planning.invite_clients(branch.ws("sup"), event_id, [theirs, theirs]) == 1
    assert [t.staff_id for t in branch.tasks("乙")] == [branch.staff["li"].id]


def test_no_invitations_on_or_after_the_events_day(branch: Branch) -> None:
    mine = branch.client("甲", "wang")
    event_id = event(branch, by="wang")
    on_event_day(branch)
    with pytest.raises(DomainError, match="event_invitations_closed"):
        planning.invite_clients(branch.ws("wang"), event_id, [mine])


# --- answers --------------------------------------------------------------------------------------------------------


def test_an_accepted_invitation_is_reminded_the_working_day_before(branch: Branch) -> None:
    branch.client("甲", "wang")
    event_id = event(branch, by="wang")
    planning.invite_clients(branch.ws("wang"), event_id, [branch.clients["甲"]])
    invitation = invitation_of(branch, event_id, "甲", by="wang")
    planning.answer(branch.ws("wang"), invitation, InviteStatus.ACCEPTED, started_at=NOW)
    [reminder] = branch.tasks("甲")
    assert (reminder.kind, reminder.due_on) == (TaskKind.EVENT_REMINDER, dt.date(2026, 11, 30))  # Monday
    [row] = day.door_list(branch.ws("wang"), event_id).invitees
    assert row.status is InviteStatus.ACCEPTED
    with branch.factory() as tx:
        [contact] = tx.contacts.for_client(branch.clients["甲"])
    assert contact.staff_id == branch.staff["wang"].id


def test_no_answer_calls_again_by_the_cadence_and_never_after_the_event(branch: Branch) -> None:
    branch.client("甲", "wang")
    event_id = event(branch, by="wang")
    planning.invite_clients(branch.ws("wang"), event_id, [branch.clients["甲"]])
    invitation = invitation_of(branch, event_id, "甲", by="wang")
    planning.answer(branch.ws("wang"), invitation, InviteStatus.NO_ANSWER, started_at=NOW)
    [retry] = branch.tasks("甲")
    assert (retry.kind, retry.due_on, retry.due_at) == (TaskKind.EVENT_INVITE, NOW.date(), NOW + dt.timedelta(hours=2))
    branch.clock.set(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))  # Monday 17:00: the next try would be Tuesday
    planning.answer(branch.ws("wang"), invitation, InviteStatus.NO_ANSWER, started_at=branch.clock.now().datetime)
    assert branch.tasks("甲") == []  # the event's day: no more invitation calls


def test_a_declined_invitation_leaves_no_call(branch: Branch) -> None:
    branch.client("甲", "wang")
    event_id = event(branch, by="wang")
    planning.invite_clients(branch.ws("wang"), event_id, [branch.clients["甲"]])
    planning.answer(
        branch.ws("wang"), invitation_of(branch, event_id, "甲", by="wang"), InviteStatus.DECLINED, started_at=NOW
    )
    assert branch.tasks("甲") == []


def test_only_the_clients_own_manager_records_the_invitations_answer(branch: Branch) -> None:
    branch.client("甲", "wang")
    event_id = event(branch)
    planning.invite_clients(branch.ws("sup"), event_id, [branch.clients["甲"]])
    invitation = invitation_of(branch, event_id, "甲")
    for other in ("li", "sup"):
        with pytest.raises(AccessDenied):
            planning.answer(branch.ws(other), invitation, InviteStatus.ACCEPTED, started_at=NOW)
    assert [t.kind for t in branch.tasks("甲")] == [TaskKind.EVENT_INVITE]


# --- on the day -----------------------------------------------------------------------------------------------------


def invited(b: Branch, *names: str, capacity: int = 2) -> int:
    for name in names:
        b.client(name, "wang" if name != "乙" else "li")
    event_id = event(b, capacity=capacity)
    planning.invite_clients(b.ws("sup"), event_id, [b.clients[n] for n in names])
    return event_id


def test_an_invitee_is_checked_in_on_the_day_and_followed_up_by_their_manager(branch: Branch) -> None:
    event_id = invited(branch, "甲")
    on_event_day(branch)
    day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, "甲"))
    listing = day.door_list(branch.ws("lobby"), event_id)
    assert (listing.attended, listing.room) == (1, 1)
    follow = [t for t in branch.tasks("甲") if t.kind is TaskKind.EVENT_FOLLOW_UP]
    assert [(t.staff_id, t.due_on) for t in follow] == [(branch.staff["wang"].id, dt.date(2026, 12, 2))]
    with pytest.raises(DomainError, match="event_already_in"):
        day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, "甲"))


def test_no_check_in_past_the_capacity(branch: Branch) -> None:
    event_id = invited(branch, "甲", "乙", "丙")
    on_event_day(branch)
    for name in ("甲", "乙"):
        day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, name))
    with pytest.raises(DomainError, match="event_full"):
        day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, "丙"))
    branch.client("丁", "wang")
    with pytest.raises(DomainError, match="event_full"):
        day.walk_in(branch.ws("lobby"), event_id, "C0004")
    assert day.door_list(branch.ws("lobby"), event_id).attended == 2


def test_no_check_in_before_the_events_day(branch: Branch) -> None:
    event_id = invited(branch, "甲")
    with pytest.raises(DomainError, match="event_not_today"):
        day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, "甲"))


def test_a_client_who_walks_in_is_checked_in_for_their_manager(branch: Branch) -> None:
    event_id = invited(branch, "甲")
    branch.client("乙", "li")
    on_event_day(branch)
    day.walk_in(branch.ws("lobby"), event_id, "ｃ0002")  # full-width, lower case: as typed
    rows = {r.name: r for r in day.door_list(branch.ws("lobby"), event_id).invitees}
    assert (rows["乙"].status, rows["乙"].attended, rows["乙"].staff_id) == (
        InviteStatus.WALK_IN,
        True,
        branch.staff["li"].id,
    )
    assert [t.kind for t in branch.tasks("乙")] == [TaskKind.EVENT_FOLLOW_UP]
    with pytest.raises(DomainError, match="no_such_client"):
        day.walk_in(branch.ws("lobby"), event_id, "C9999")


def test_the_door_list_is_found_by_name_initials_number_or_whole_mobile_and_masks_others(branch: Branch) -> None:
    event_id = invited(branch, "张三", "乙")
    ws = branch.ws("wang")
    listing = day.door_list(ws, event_id)
    names = lambda found: [i.name for i in found]  # noqa: E731
    assert names(day.find(ws, listing, "张")) == ["张三"]
    assert names(day.find(ws, listing, "zs")) == ["张三"]
    assert names(day.find(ws, listing, "0002")) == ["乙"]
    assert names(day.find(ws, listing, "139 0000 0002")) == ["乙"]  # another's client: by the whole number only
    assert names(day.find(ws, listing, "1390000000")) == ["张三"]  # own: by its start too
    other = {i.name: i for i in listing.invitees}["乙"]
    assert (other.own, other.mobile, other.masked_mobile) == (False, "", "139****0002")
    with branch.factory() as tx:
        assert "event.lookup" in [e.action for e in tx.audit.recent(20)]


# --- afterwards -----------------------------------------------------------------------------------------------------


def test_the_results_count_answers_attendance_follow_ups_and_attributed_sales(branch: Branch) -> None:
    event_id = invited(branch, "甲", "乙", capacity=5)
    planning.answer(branch.ws("wang"), invitation_of(branch, event_id, "甲"), InviteStatus.ACCEPTED, started_at=NOW)
    on_event_day(branch)
    day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, "甲"))
    with branch.factory(write=True) as tx:
        follow = next(t for t in tx.tasks.open_for_client(branch.clients["甲"]) if t.kind is TaskKind.EVENT_FOLLOW_UP)
        tx.tasks.close(follow.id, TaskStatus.DONE, EVENT_AT + dt.timedelta(days=1))
        for client, days in (("甲", 3), ("甲", 45), ("乙", 3)):  # the second too late, the third no attendee's
            tx.sales.add(
                NewSale(
                    client_id=branch.clients[client], staff_id=branch.staff["wang"].id, outlet_id=1,
                    product_id=branch.product, amount=Decimal("10000.00"), sold_at=EVENT_AT + dt.timedelta(days=days),
                )
            )  # fmt: skip
        tx.commit()
    got = results.results(branch.ws("sup"), event_id)
    assert (got.invited, got.accepted, got.attended, got.followed_up) == (2, 1, 1, 1)
    assert (got.sales, got.sales_amount) == (1, Decimal("10000.00"))


def test_the_results_export_masks_mobiles_keeps_formulas_as_text_and_is_audited(branch: Branch, tmp_path: Path) -> None:
    event_id = invited(branch, "=HYPERLINK(1)", "乙")
    count, path = results.export_results(branch.ws("sup"), event_id, tmp_path / "event.xlsx")
    assert count == 2
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    cells = list(sheet.iter_rows(min_row=2, max_row=1 + count))  # the list; the event's totals under it
    assert {row[2].value for row in cells} == {"139****0001", "139****0002"}
    [formula_like] = [row[1] for row in cells if row[1].value == "=HYPERLINK(1)"]
    assert formula_like.data_type == "s"  # a name read as a formula is written as text
    with branch.factory() as tx:
        assert "export" in [e.action for e in tx.audit.recent(10)]
    with pytest.raises(AccessDenied):
        results.export_results(branch.ws("lobby"), event_id, tmp_path / "lobby.xlsx")


def exported(b: Branch, login: str, path: Path) -> tuple[list[tuple[object, ...]], dict[object, object]]:
    """``login``'s export of event 1: its invitees' rows, and the totals under them (label → figure)."""
    count, written = results.export_results(b.ws(login), 1, path)
    sheet = openpyxl.load_workbook(written).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    listed, totals = rows[:count], rows[count + 1 :]
    assert not any(rows[count])  # a blank row between the list and the totals
    return listed, {r[0]: r[1] for r in totals}


@pytest.mark.parametrize(("login", "names"), [("wang", ["丙", "甲"]), ("li", ["乙"])])
def test_a_csms_event_export_lists_only_own_invitees_with_the_whole_events_totals(
    branch: Branch, tmp_path: Path, login: str, names: list[str]
) -> None:
    """甲 and 丙 are wang's clients, 乙 li's: a CSM's export never names a colleague's invitee (not even masked); the
    totals are the event's."""
    event_id = invited(branch, "甲", "乙", "丙", capacity=5)
    on_event_day(branch)
    for name in ("甲", "乙"):
        day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, name))
    listed, totals = exported(branch, login, tmp_path / f"{login}.xlsx")
    assert sorted(str(r[1]) for r in listed) == names
    assert all(str(r[2]).startswith("139****") for r in listed)
    assert (totals["邀约（全场合计）"], totals["到场"], totals["接受"]) == ("3", "2", "0")


@pytest.mark.parametrize("login", ["sup", "admin"])
def test_a_supervisors_and_the_admins_event_export_lists_every_invitee_masked(
    branch: Branch, tmp_path: Path, login: str
) -> None:
    event_id = invited(branch, "甲", "乙", "丙", capacity=5)
    on_event_day(branch)
    day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, "乙"))
    listed, totals = exported(branch, login, tmp_path / f"{login}.xlsx")
    assert sorted(str(r[1]) for r in listed) == ["丙", "乙", "甲"]
    assert {str(r[2])[:7] for r in listed} == {"139****"}
    assert (totals["邀约（全场合计）"], totals["到场"], totals["推介产品成交额（元）"]) == ("3", "1", "0.00")


def test_two_doors_checking_in_at_once_never_pass_the_capacity(branch: Branch) -> None:
    event_id = invited(branch, "甲", "乙", "丙", "丁", capacity=2)
    on_event_day(branch)
    ids = [invitation_of(branch, event_id, n) for n in ("甲", "乙", "丙", "丁")]
    start = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def door(invitation_id: int, login: str) -> None:
        start.wait()
        try:
            day.check_in(branch.ws(login), event_id, invitation_id)
            outcomes.append("in")
        except DomainError as refused:
            outcomes.append(refused.code)

    doors = [threading.Thread(target=door, args=(i, login)) for i, login in zip(ids, ("lobby", "sup") * 2, strict=True)]
    for t in doors:
        t.start()
    for t in doors:
        t.join()
    assert sorted(outcomes) == ["event_full", "event_full", "in", "in"]
    assert day.door_list(branch.ws("sup"), event_id).attended == 2


def test_the_call_card_shows_the_event_when_where_and_its_featured_products(branch: Branch) -> None:
    branch.client("甲", "wang")
    event_id = event(branch, by="wang")
    planning.invite_clients(branch.ws("wang"), event_id, [branch.clients["甲"]])
    [item] = [i for i in today_queue(branch.ws("wang")) if i.client_id == branch.clients["甲"]]
    assert item.main.note == "基金定投讲座 · 12-01 14:00 · 三楼会议室 · 稳健定投"


def test_an_answer_is_one_of_the_three_and_never_after_the_event(branch: Branch) -> None:
    branch.client("甲", "wang")
    event_id = event(branch, by="wang")
    planning.invite_clients(branch.ws("wang"), event_id, [branch.clients["甲"]])
    invitation = invitation_of(branch, event_id, "甲", by="wang")
    with pytest.raises(DomainError, match="event_answer_unknown"):
        planning.answer(branch.ws("wang"), invitation, InviteStatus.WALK_IN, started_at=NOW)
    branch.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # the day after
    with pytest.raises(DomainError, match="event_over"):
        planning.answer(branch.ws("wang"), invitation, InviteStatus.ACCEPTED, started_at=branch.clock.now().datetime)
