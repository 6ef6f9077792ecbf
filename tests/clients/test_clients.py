"""Clients (issue 4) on SQLite and PostgreSQL: visibility per role, search, reveal and edit audit, concurrent edits,
service records, tiers and referrals.

A small branch: an admin; a supervisor with CSM A in the team; CSM B in another supervisor's team; a 沃德 wealth
manager; a teller. A has 张三丰 (沃德 level), 王小明 (交银理财) and 李四 (ordinary); B has 王大海 and 张三; 赵六 walked
in and has no manager yet. The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the next working day is
Monday 30 November.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from csm_tui.domain.enums import (
    AppointmentStatus,
    HoldingStatus,
    QueueReason,
    ReferralKind,
    ReferralStatus,
    RiskLevel,
    TaskKind,
    TaskOrigin,
    TaskStatus,
    Tier,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import (
    ClientSummary,
    DailyBalance,
)
from csm_tui.domain.values import Sex
from csm_tui.rules.cadence import Cadence
from csm_tui.services.calls import appointments
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.clients import client_detail, referrals
from csm_tui.services.clients.client_detail import ClientDetail
from csm_tui.services.clients.finding import find_clients, look_up_number
from csm_tui.services.ports import AccessDenied, ConcurrentEdit
from storage.orm import AppointmentRow, ClientRow, ReferralRow, TaskRow
from tests.support.branch import AS_OF, TODAY, local, rid
from tests.support.clients_branch import (
    FRIDAY_NEXT,
    LS_ID,
    MONDAY,
    NOW,
    SUNDAY,
    THURSDAY,
    TUESDAY,
    WDH_CARD,
    WDH_ID,
    WDH_MOBILE,
    WEDNESDAY,
    WXM_ID,
    ZL_ID,
    ZS_ID,
    ZSF_CARD,
    ZSF_ID,
    ZSF_MOBILE,
    Branch,
    names,
)

# --- 1. visibility per role ----------------------------------------------------------------------------------


def full(detail: ClientDetail | ClientSummary) -> ClientDetail:
    assert isinstance(detail, ClientDetail), detail
    return detail


def summary(detail: ClientDetail | ClientSummary) -> ClientSummary:
    assert isinstance(detail, ClientSummary), detail
    return detail


def test_a_csm_sees_own_clients_in_full_and_others_only_masked(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)

    mine = full(client_detail.load(ws, branch.zsf))
    assert mine.client.resident_id == ZSF_ID and mine.client.mobile == ZSF_MOBILE
    assert (mine.age, mine.sex, mine.tier) == (76, Sex.FEMALE, Tier.WODE)  # sequence 002: even
    assert [h.amount for h, _ in mine.holdings] == [Decimal("300000.00")]
    assert mine.holdings[0][1] is not None and mine.holdings[0][1].code == "DLB90"
    assert mine.holdings[0][0].status is HoldingStatus.ACTIVE
    assert mine.assessment is not None and mine.assessment.level is RiskLevel.C3 and mine.assessment_valid

    theirs = summary(client_detail.load(ws, branch.wdh))
    assert theirs.name == "王大海" and theirs.number == "C200001" and theirs.own is False
    assert theirs.masked_id == f"110105********{WDH_ID[-4:]}"
    assert theirs.masked_mobile == "139****0000"
    assert theirs.manager_id == branch.csm_b.id
    assert WDH_ID not in repr(theirs) and WDH_MOBILE not in repr(theirs)

    assert summary(client_detail.load(branch.ws(branch.csm_b), branch.zsf)).masked_id == "110105********002X"
    with pytest.raises(LookupError):
        client_detail.load(ws, 999_999)


def test_supervisor_sees_the_team_admin_all_teller_and_wealth_manager_summaries(branch: Branch) -> None:
    everyone = [branch.zsf, branch.wxm, branch.ls, branch.wdh, branch.zs, branch.zl]
    supervisor = branch.ws(branch.supervisor)
    for client_id in (branch.zsf, branch.wxm, branch.ls):
        full(client_detail.load(supervisor, client_id))
    for client_id in (branch.wdh, branch.zs, branch.zl):
        summary(client_detail.load(supervisor, client_id))

    other_supervisor = branch.ws(branch.other_supervisor)
    full(client_detail.load(other_supervisor, branch.wdh))
    summary(client_detail.load(other_supervisor, branch.zsf))

    admin = branch.ws(branch.admin)
    assert [full(client_detail.load(admin, c)).client.id for c in everyone] == everyone

    for staff in (branch.teller, branch.wealth):
        ws = branch.ws(staff)
        seen = [summary(client_detail.load(ws, c)) for c in everyone]
        assert all("****" in s.masked_mobile and "********" in s.masked_id for s in seen)
        with pytest.raises(AccessDenied):
            client_detail.reveal(ws, branch.zsf, "客户来电核实身份")


def test_revealing_another_csm_s_client_is_denied_and_leaves_no_trace(branch: Branch) -> None:
    before = len(branch.audit_rows())
    with pytest.raises(AccessDenied):
        client_detail.reveal(branch.ws(branch.csm_a), branch.wdh, "客户来电核实身份")
    with pytest.raises(AccessDenied):
        client_detail.reveal(branch.ws(branch.supervisor), branch.wdh, "客户来电核实身份")
    with pytest.raises(DomainError, match="reason_required"):
        client_detail.reveal(branch.ws(branch.csm_a), branch.zsf, "   ")
    assert len(branch.audit_rows()) == before


# --- 2. search -----------------------------------------------------------------------------------------------


def test_search_by_name_initials_and_client_number(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    cases = {
        "三丰": ["张三丰"],
        "张三丰": ["张三丰"],
        "小明": ["王小明"],
        "zsf": ["张三丰"],
        "ZSF": ["张三丰"],
        "Zsf": ["张三丰"],
        "wx": ["王小明"],
        "zs": ["张三丰", "张三"],  # own first, though 张三 sorts before 张三丰
        "C100001": ["张三丰"],
        "c100002": ["王小明"],
        "100003": ["李四"],  # the digits of a client number
        "C1000": ["张三丰", "李四", "王小明"],  # own clients, by name
        "C2000": ["王大海", "张三"],  # others' clients, by client number
        "  李四  ": ["李四"],
        "马": [],
        "qq": [],
    }
    found = {text: names(ws, text) for text in cases}
    assert found == cases


def test_a_chinese_name_finds_own_clients_by_any_part_and_others_by_its_start(branch: Branch) -> None:
    """Others' clients are found by the name as it is said, surname first: a range of the name index, as cheap at
    300,000 clients as at 3,000; a given name alone fishes in nobody else's book."""
    a, b = branch.ws(branch.csm_a), branch.ws(branch.csm_b)
    assert names(a, "小明") == ["王小明"] and names(b, "小明") == []
    assert names(b, "大海") == ["王大海"] and names(a, "大海") == []
    assert names(b, "王小") == ["王小明"] and names(a, "王大") == ["王大海"]


def test_search_by_initials_reads_surnames_as_surnames(branch: Branch) -> None:
    surnames = {"曾国藩": "zgf", "单田芳": "stf", "查良镛": "zly", "仇英": "qy"}
    for n, name in enumerate(surnames):
        branch.add_client(f"C60000{n}", name, rid("110101", dt.date(1970, 1, 1 + n), 31), branch.csm_a)
    ws = branch.ws(branch.csm_a)
    assert {initials: names(ws, initials) for initials in surnames.values()} == {
        initials: [name] for name, initials in surnames.items()
    }


def test_search_by_mobile_id_and_account_number(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    # Mobile, ID, card and account numbers find own clients only, by any prefix: another manager's client is found
    # by a whole number only through the audited, limited look-up (tests/clients/test_number_lookups.py).
    cases = {
        "139": ["张三丰"],
        "1391234": ["张三丰"],
        "13912345": ["张三丰"],
        ZSF_MOBILE: ["张三丰"],
        WDH_MOBILE: [],
        "138001": ["王小明"],
        ZSF_ID: ["张三丰"],
        ZSF_ID.lower(): ["张三丰"],  # 11010519491231002x
        "110105": ["张三丰"],  # the area code of both IDs
        WDH_ID: [],
        WXM_ID: ["王小明"],
        ZSF_CARD: ["张三丰"],
        "622260011001": ["张三丰"],
        "62226001100": ["张三丰"],
        "6214830100": ["李四"],
        WDH_CARD: [],
        "１３９": ["张三丰"],  # full-width digits, as a Chinese input method types them
    }
    found = {text: names(ws, text) for text in cases}
    assert found == cases


def test_search_puts_own_clients_first_and_masks_the_others(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    rows = find_clients(ws, "王")
    assert [(r.name, r.own) for r in rows] == [("王小明", True), ("王大海", False)]  # 大 sorts before 小
    other = rows[1]
    assert other.id == branch.wdh and other.number == "C200001"
    assert other.masked_id == f"110105********{WDH_ID[-4:]}"
    assert other.masked_mobile == "139****0000"
    assert WDH_ID not in repr(other) and WDH_MOBILE not in repr(other)
    assert rows[0].masked_id == f"310101********{WXM_ID[-4:]}" and rows[0].masked_mobile == "138****8001"

    by_id = look_up_number(ws, WDH_ID)
    assert [(r.id, r.own, r.masked_mobile) for r in by_id] == [(branch.wdh, False, "139****0000")]

    # B sees it the other way round.
    assert [(r.name, r.own) for r in find_clients(branch.ws(branch.csm_b), "王")] == [
        ("王大海", True),
        ("王小明", False),
    ]
    # A teller has no own clients: everything found is masked.
    assert {r.own for r in find_clients(branch.ws(branch.teller), "王")} == {False}


def test_empty_search_lists_own_clients_only_by_average_assets(branch: Branch) -> None:
    rows = find_clients(branch.ws(branch.csm_a), "")
    assert [(r.name, r.avg_3m, r.own) for r in rows] == [
        ("张三丰", Decimal("520000.00"), True),
        ("王小明", Decimal("80000.00"), True),
        ("李四", Decimal("30000.00"), True),
    ]
    assert all(r.assets_as_of == AS_OF for r in rows)
    assert [r.name for r in find_clients(branch.ws(branch.csm_a), "   ")] == ["张三丰", "王小明", "李四"]
    assert [r.name for r in find_clients(branch.ws(branch.csm_b), "")] == ["王大海", "张三"]
    assert find_clients(branch.ws(branch.teller), "") == []


def test_wildcard_characters_match_literally(branch: Branch) -> None:
    literal = branch.add_client("C100009", "张%丰", rid("110101", dt.date(1980, 1, 1), 5), branch.csm_a)
    underscore = branch.add_client("C100010", "李_四", rid("110101", dt.date(1980, 1, 2), 7), branch.csm_a)
    ws = branch.ws(branch.csm_a)
    cases = {
        "%": [],
        "_": [],
        "%%": [],
        "张%": ["张%丰"],
        "%丰": ["张%丰"],
        "张_": [],
        "_四": ["李_四"],
        "三%": [],
        "C%": [],
        "C_": [],
        "c1000_": [],
        "1%": [],
        "\\": [],
        "'": [],
    }
    found = {text: names(ws, text) for text in cases}
    assert found == cases
    assert {r.id for r in find_clients(ws, "张%")} == {literal}
    assert {r.id for r in find_clients(ws, "_四")} == {underscore}


# --- 3. audit ------------------------------------------------------------------------------------------------


def test_reveal_is_audited_with_reason_and_staff_but_never_the_numbers(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    before = len(branch.audit_rows())
    assert client_detail.reveal(ws, branch.zsf, "  客户来电核实身份 ") == (ZSF_ID, ZSF_MOBILE)
    client_detail.edit(ws, branch.client(branch.zsf), mobile="13987654321")

    rows = branch.audit_rows()
    reveals = [r for r in rows if r.action == "reveal"]
    assert len(reveals) == 1
    entry = reveals[0]
    assert (entry.entity, entry.entity_id, entry.staff_id) == ("clients", str(branch.zsf), branch.csm_a.id)
    assert entry.detail == {"reason": "客户来电核实身份"}
    assert [r.action for r in rows[before:]] == ["reveal", "update"]

    secrets = [ZSF_ID, ZSF_ID[:17], ZSF_MOBILE, "13987654321", WDH_ID, WDH_MOBILE, ZS_ID, ZL_ID, WXM_ID, LS_ID]
    for row in rows:
        text = json.dumps([row.action, row.entity, row.entity_id, row.detail], ensure_ascii=False, default=str)
        leaked = [s for s in secrets if s in text]
        assert not leaked, (row.id, row.action, row.entity, leaked)
    assert branch.chain_holds()


def test_an_edit_is_audited_with_old_and_new_values_mobile_masked(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    client = branch.client(branch.zsf)
    saved = client_detail.edit(
        ws, client, mobile="13987654321", address="上海市浦东新区陆家嘴环路1000号", occupation="顾问", sms_opt_out=True
    )
    assert saved.version == client.version + 1
    assert (saved.mobile, saved.address, saved.occupation, saved.sms_opt_out) == (
        "13987654321",
        "上海市浦东新区陆家嘴环路1000号",
        "顾问",
        True,
    )
    updates = [r for r in branch.audit_rows() if r.action == "update" and r.entity == "clients"]
    assert len(updates) == 1
    entry = updates[0]
    assert entry.entity_id == str(branch.zsf) and entry.staff_id == branch.csm_a.id
    assert entry.detail["mobile"] == ["139****5678", "139****4321"]
    assert entry.detail["address"] == ["北京市西城区金融大街1号", "上海市浦东新区陆家嘴环路1000号"]
    assert entry.detail["occupation"] == ["退休", "顾问"]
    assert entry.detail["sms_opt_out"] == [False, True]
    assert "mobile_invalid" not in entry.detail  # it was already False
    assert ZSF_MOBILE not in json.dumps(entry.detail) and "13987654321" not in json.dumps(entry.detail)
    assert branch.chain_holds()


# --- 4. concurrent edits and validation ----------------------------------------------------------------------


def test_a_second_save_on_a_stale_read_is_refused_and_nothing_is_overwritten(branch: Branch) -> None:
    csm, supervisor = branch.ws(branch.csm_a), branch.ws(branch.supervisor)
    read_by_csm = full(client_detail.load(csm, branch.zsf)).client
    read_by_supervisor = full(client_detail.load(supervisor, branch.zsf)).client
    assert read_by_csm.version == read_by_supervisor.version == 1

    client_detail.edit(csm, read_by_csm, address="上海市黄浦区中山东一路18号")
    with pytest.raises(ConcurrentEdit):
        client_detail.edit(supervisor, read_by_supervisor, occupation="教师", address="别处")

    now = branch.client(branch.zsf)
    assert (now.address, now.occupation, now.version) == ("上海市黄浦区中山东一路18号", "退休", 2)
    assert len([r for r in branch.audit_rows() if r.action == "update" and r.entity == "clients"]) == 1

    # Re-read, the supervisor's change goes through.
    fresh = full(client_detail.load(supervisor, branch.zsf)).client
    client_detail.edit(supervisor, fresh, occupation="教师")
    assert branch.client(branch.zsf).occupation == "教师"
    # Another CSM cannot edit at all.
    with pytest.raises(AccessDenied):
        client_detail.edit(branch.ws(branch.csm_b), branch.client(branch.zsf), occupation="x")


@pytest.mark.parametrize("mobile", ["12345", "1391234567a", "02152345678", "+1 650 253 0000"])
def test_a_bad_mobile_is_refused_naming_the_field_and_nothing_is_saved(branch: Branch, mobile: str) -> None:
    ws = branch.ws(branch.csm_a)
    before = branch.client(branch.zsf)
    audited = len(branch.audit_rows())
    with pytest.raises(DomainError) as err:
        client_detail.edit(ws, before, mobile=mobile, address="新地址")
    assert err.value.code == "mobile_not_valid"  # "手机号码须为……" / "The mobile must be …"
    assert branch.client(branch.zsf) == before
    assert len(branch.audit_rows()) == audited


@pytest.mark.parametrize("field, limit", [("address", 200), ("occupation", 64)])
def test_an_over_long_address_or_occupation_is_refused_naming_the_field(branch: Branch, field: str, limit: int) -> None:
    before = branch.client(branch.zsf)
    with pytest.raises(ValidationError) as err:
        client_detail.edit(branch.ws(branch.csm_a), before, **{field: "路" * (limit + 1)})
    assert [e["loc"] for e in err.value.errors()] == [(field,)]
    assert branch.client(branch.zsf) == before


def test_a_newly_entered_good_mobile_clears_mobile_invalid(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    flagged = client_detail.edit(ws, branch.client(branch.wxm), mobile_invalid=True)
    assert flagged.mobile_invalid
    saved = client_detail.edit(ws, flagged, mobile=" 139 1111 2222 ")
    assert (saved.mobile, saved.mobile_invalid) == ("13911112222", False)
    assert branch.client(branch.wxm).mobile_invalid is False


# --- 5. service records --------------------------------------------------------------------------------------


def test_book_move_confirm_cancel_and_follow_up_each_show_in_the_client_detail(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    monday = appointments.book(ws, branch.zsf, local(MONDAY, 10), purpose="到期资金再投资", place="网点贵宾室")
    assert monday.id is not None and monday.status is AppointmentStatus.BOOKED
    assert (monday.client_id, monday.staff_id, monday.purpose, monday.place) == (
        branch.zsf,
        branch.csm_a.id,
        "到期资金再投资",
        "网点贵宾室",
    )
    detail = full(client_detail.load(ws, branch.zsf))
    assert [(a.id, a.starts_at, a.status) for a in detail.appointments] == [
        (monday.id, local(MONDAY, 10), AppointmentStatus.BOOKED)
    ]
    # Its confirmation call follows the cadence rules (the working day before; none when that is today).
    steps = Cadence(ws.policy).appointment_confirmation(local(MONDAY, 10), NOW)
    assert [(t.kind, t.due_on, t.origin_id) for t in detail.tasks] == [(s.kind, s.due_on, monday.id) for s in steps]

    wednesday = appointments.book(ws, branch.wxm, local(WEDNESDAY, 14))
    assert wednesday.id is not None
    [confirm] = full(client_detail.load(ws, branch.wxm)).tasks
    assert (confirm.kind, confirm.due_on, confirm.origin, confirm.origin_id, confirm.staff_id, confirm.status) == (
        TaskKind.APPOINTMENT_CONFIRM,
        TUESDAY,
        TaskOrigin.APPOINTMENT,
        wednesday.id,
        branch.csm_a.id,
        TaskStatus.OPEN,
    )

    confirmed = appointments.set_status(ws, monday.id, AppointmentStatus.CONFIRMED)
    assert confirmed.status is AppointmentStatus.CONFIRMED
    assert full(client_detail.load(ws, branch.zsf)).appointments[0].status is AppointmentStatus.CONFIRMED

    moved = appointments.move(ws, monday.id, local(TUESDAY, 15, 30))
    assert (moved.starts_at, moved.status) == (local(TUESDAY, 15, 30), AppointmentStatus.BOOKED)
    shown = full(client_detail.load(ws, branch.zsf)).appointments
    assert [(a.id, a.starts_at, a.status) for a in shown] == [
        (monday.id, local(TUESDAY, 15, 30), AppointmentStatus.BOOKED)
    ]

    cancelled = appointments.set_status(ws, monday.id, AppointmentStatus.CANCELLED)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert full(client_detail.load(ws, branch.zsf)).appointments[0].status is AppointmentStatus.CANCELLED

    added = appointments.add_follow_up(ws, branch.ls, SUNDAY, note="周末提醒：基金定投")
    task = added.task
    assert added.moved_from == SUNDAY  # asked for a day off: the day asked is returned, to be said
    assert (task.kind, task.due_on, task.origin, task.note, task.staff_id) == (
        TaskKind.FOLLOW_UP,
        MONDAY,
        TaskOrigin.MANUAL,
        "周末提醒：基金定投",
        branch.csm_a.id,
    )
    assert [(t.id, t.due_on) for t in full(client_detail.load(ws, branch.ls)).tasks] == [(task.id, MONDAY)]
    on_today = appointments.add_follow_up(ws, branch.ls, TODAY)
    today = on_today.task
    assert (today.due_on, on_today.moved_from) == (TODAY, None)
    assert [t.id for t in full(client_detail.load(ws, branch.ls)).tasks] == [today.id, task.id]
    assert branch.chain_holds()


def test_service_records_refuse_the_past_and_other_csms_clients(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    meeting = appointments.book(ws, branch.zsf, local(MONDAY, 10))
    assert meeting.id is not None
    theirs = appointments.book(branch.ws(branch.csm_b), branch.wdh, local(MONDAY, 11))
    assert theirs.id is not None
    meetings, tasks = branch.count(AppointmentRow), branch.count(TaskRow)

    for attempt in (
        lambda: appointments.book(ws, branch.zsf, local(TODAY, 9, 59)),
        lambda: appointments.book(ws, branch.zsf, NOW),
        lambda: appointments.move(ws, meeting.id or 0, local(TODAY, 8)),
        lambda: appointments.add_follow_up(ws, branch.zsf, TODAY - dt.timedelta(days=1)),
    ):
        with pytest.raises(DomainError) as err:
            attempt()
        assert err.value.code == "time_in_past"

    denied: list[Callable[[], object]] = [
        lambda: appointments.book(ws, branch.wdh, local(MONDAY, 14)),
        lambda: appointments.add_follow_up(ws, branch.wdh, MONDAY),
        lambda: appointments.move(ws, theirs.id or 0, local(TUESDAY, 9)),
        lambda: appointments.set_status(ws, theirs.id or 0, AppointmentStatus.CANCELLED),
        lambda: appointments.book(branch.ws(branch.teller), branch.zl, local(MONDAY, 14)),
    ]
    for attempt in denied:
        with pytest.raises(AccessDenied):
            attempt()

    assert (branch.count(AppointmentRow), branch.count(TaskRow)) == (meetings, tasks)
    with Session(branch.engine) as session:
        row = session.get(AppointmentRow, theirs.id)
        assert row is not None and (row.status, row.starts_at) == (AppointmentStatus.BOOKED, local(MONDAY, 11))


def test_a_cancelled_meeting_is_not_queued_for_confirmation(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    meeting = appointments.book(ws, branch.zsf, local(WEDNESDAY, 10))
    assert meeting.id is not None
    assert [t.kind for t in full(client_detail.load(ws, branch.zsf)).tasks] == [TaskKind.APPOINTMENT_CONFIRM]
    appointments.set_status(ws, meeting.id, AppointmentStatus.CANCELLED)
    branch.clock.set(local(TUESDAY, 9))  # the day the confirmation call was due
    queued = [i.reason for i in today_queue(ws) if i.client_id == branch.zsf]
    open_tasks = [t.kind for t in full(client_detail.load(ws, branch.zsf)).tasks]
    assert (queued, open_tasks) == ([], [])


def test_a_moved_meeting_is_confirmed_the_working_day_before_its_new_time(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    meeting = appointments.book(ws, branch.zsf, local(WEDNESDAY, 10))
    assert meeting.id is not None
    appointments.move(ws, meeting.id, local(FRIDAY_NEXT, 10))
    tasks = full(client_detail.load(ws, branch.zsf)).tasks
    assert [(t.kind, t.due_on) for t in tasks] == [(TaskKind.APPOINTMENT_CONFIRM, THURSDAY)]


# --- 6. tiers and referrals ----------------------------------------------------------------------------------


def test_tier_by_average_assets_at_the_thresholds(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    cases = [
        ("49999.99", Tier.ORDINARY, Decimal("0.01")),
        ("50000.00", Tier.JIAOYIN, Decimal("450000.00")),
        ("499999.99", Tier.JIAOYIN, Decimal("0.01")),
        ("500000.00", Tier.WODE, None),
        ("0.00", Tier.ORDINARY, Decimal("50000.00")),
    ]
    for n, (avg, tier, gap) in enumerate(cases):
        client_id = branch.add_client(
            f"C40000{n}", f"测试{n}", rid("110101", dt.date(1980, 1, 1 + n), 11), branch.csm_a, avg_3m=Decimal(avg)
        )
        detail = full(client_detail.load(ws, client_id))
        assert (detail.tier, client_detail.assets_gap(detail.client, detail.tier, ws)) == (tier, gap), avg


def _history(client_id: int, *spans: tuple[int, int, str]) -> list[DailyBalance]:
    """Daily balances from ``AS_OF - first`` to ``AS_OF - last`` days at ``amount``, per span."""
    return [
        DailyBalance(client_id=client_id, day=AS_OF - dt.timedelta(days=d), balance=Decimal(amount))
        for first, last, amount in spans
        for d in range(first, last - 1, -1)
    ]


def test_new_jiaoyin_when_the_average_crossed_the_threshold_within_30_days(branch: Branch) -> None:
    a = branch.csm_a

    def client(n: int, avg: str) -> int:
        return branch.add_client(
            f"C50000{n}", f"新客{n}", rid("110101", dt.date(1985, 2, 1 + n), 21), a, avg_3m=Decimal(avg)
        )

    crossed = client(1, "60000.00")  # 40,000 a day until three weeks ago, 75,000 since
    long_above = client(2, "60000.00")  # 60,000 a day all along
    crossed_long_ago = client(3, "80000.00")  # 40,000 until two months ago, 80,000 since
    below = client(4, "45000.00")  # rising, but not there yet
    no_history = client(5, "60000.00")  # above, but no balances delivered
    wode = client(6, "520000.00")  # long a 沃德 client
    with branch.system(write=True) as tx:
        tx.balances.record(
            _history(crossed, (130, 21, "40000.00"), (20, 0, "75000.00"))
            + _history(long_above, (130, 0, "60000.00"))
            + _history(crossed_long_ago, (130, 61, "40000.00"), (60, 0, "80000.00"))
            + _history(below, (130, 21, "40000.00"), (20, 0, "49000.00"))
            + _history(wode, (130, 0, "520000.00"))
        )
        tx.commit()

    ws = branch.ws(a)
    flags = {cid: full(client_detail.load(ws, cid)) for cid in (crossed, long_above, crossed_long_ago, below)}
    flags[no_history] = full(client_detail.load(ws, no_history))
    flags[wode] = full(client_detail.load(ws, wode))
    assert {cid: d.new_jiaoyin for cid, d in flags.items()} == {
        crossed: True,
        long_above: False,
        crossed_long_ago: False,
        below: False,
        no_history: False,
        wode: False,
    }
    chart = flags[crossed].balances
    assert chart[-1] == DailyBalance(client_id=crossed, day=AS_OF, balance=Decimal("75000.00"))
    assert chart[0].day == AS_OF - dt.timedelta(days=130) and len(chart) == 131
    assert flags[crossed].tier is Tier.JIAOYIN


def test_wode_referral_refusals_then_returned_with_reason_and_accepted(branch: Branch) -> None:
    csm, wealth = branch.ws(branch.csm_a), branch.ws(branch.wealth)
    assert branch.wealth.id is not None and branch.teller.id is not None and branch.csm_a.id is not None
    assert [s.id for s in referrals.wealth_managers(csm)] == [branch.wealth.id]

    def refused(code: str, client_id: int, to: int) -> None:
        with pytest.raises(DomainError) as err:
            referrals.refer_to_wode(csm, client_id, to)
        assert err.value.code == code

    refused("below_wode", branch.wxm, branch.wealth.id)
    refused("not_a_wealth_manager", branch.zsf, branch.teller.id)
    refused("not_a_wealth_manager", branch.zsf, branch.csm_b.id or 0)
    refused("not_a_wealth_manager", branch.zsf, 999_999)
    with pytest.raises(AccessDenied):
        referrals.refer_to_wode(csm, branch.wdh, branch.wealth.id)  # not A's client
    assert branch.count(ReferralRow) == 0

    referral = referrals.refer_to_wode(csm, branch.zsf, branch.wealth.id, note="日均52万，有意向资产配置")
    assert (referral.kind, referral.status, referral.from_staff_id, referral.to_staff_id) == (
        ReferralKind.WODE,
        ReferralStatus.OPEN,
        branch.csm_a.id,
        branch.wealth.id,
    )
    refused("referral_open", branch.zsf, branch.wealth.id)
    assert branch.count(ReferralRow) == 1

    found, named = referrals.mine(wealth)
    assert [r.id for r in found] == [referral.id]
    assert named.clients == {branch.zsf: "张三丰"} and named.staff[branch.csm_a.id] == "王芳"
    assert [r.id for r in referrals.mine(csm)[0]] == [referral.id]
    assert referrals.mine(branch.ws(branch.teller))[0] == []

    with pytest.raises(DomainError) as err:
        referrals.decide(wealth, referral, accept=False, reason="  ")
    assert err.value.code == "reason_required"
    for someone_else in (branch.csm_a, branch.supervisor, branch.admin):
        with pytest.raises(AccessDenied):
            referrals.decide(branch.ws(someone_else), referral, accept=True)
    assert branch.count(ReferralRow, status=ReferralStatus.OPEN) == 1

    referrals.decide(wealth, referral, accept=False, reason="客户暂无意向，三个月后再联系")
    shown_detail = full(client_detail.load(csm, branch.zsf))
    assert shown_detail.staff_names[branch.wealth.id] == "陈经理"
    [returned] = shown_detail.referrals
    assert (returned.status, returned.reason, returned.decision_note, returned.closed_at) == (
        ReferralStatus.RETURNED,
        "日均52万，有意向资产配置",  # the client's need stays; the return reason is written beside it
        "客户暂无意向，三个月后再联系",
        NOW,
    )
    with pytest.raises(DomainError) as decided:
        referrals.decide(wealth, referral, accept=True)
    assert decided.value.code == "referral_decided"  # told, in words, that it was decided already

    again = referrals.refer_to_wode(csm, branch.zsf, branch.wealth.id)  # none open any more
    referrals.decide(wealth, again, accept=True)
    statuses = [r.status for r in full(client_detail.load(csm, branch.zsf)).referrals]
    assert sorted(statuses) == [ReferralStatus.ACCEPTED, ReferralStatus.RETURNED]
    shown = referrals.mine(wealth)
    assert {r.status for r in shown[0]} == {ReferralStatus.ACCEPTED, ReferralStatus.RETURNED}

    steps = [(r.action, r.staff_id) for r in branch.audit_rows() if r.entity == "referrals"]
    assert steps == [
        ("insert", branch.csm_a.id),
        ("update", branch.wealth.id),
        ("referral.return", branch.wealth.id),  # with what it cancelled, for the client's CSM to be told
        ("insert", branch.csm_a.id),
        ("update", branch.wealth.id),
    ]
    assert branch.chain_holds()


def test_a_walk_in_referral_assigns_the_client_and_lands_in_the_csm_s_queue(branch: Branch) -> None:
    teller = branch.ws(branch.teller)
    assert branch.csm_a.id is not None and branch.csm_b.id is not None
    assert referrals.client_by_number(teller, " c300001 ").id == branch.zl
    with pytest.raises(DomainError) as err:
        referrals.client_by_number(teller, "C999999")
    assert err.value.code == "no_such_client"

    with pytest.raises(DomainError) as err:
        referrals.refer_walk_in(teller, branch.zl, branch.wealth.id or 0, note="办卡")  # nobody's yet: to a CSM
    assert err.value.code == "not_a_csm"
    with pytest.raises(DomainError) as err:
        referrals.refer_walk_in(teller, branch.zl, None, note="办卡")  # nobody's yet: one must be chosen
    assert err.value.code == "walk_in_choose_csm"
    sent = referrals.refer_walk_in(teller, branch.zl, branch.csm_a.id, note="想了解基金定投")
    referral = sent.referral
    assert (sent.to_name, sent.assigned) == ("王芳", True)
    assert (referral.kind, referral.from_staff_id, referral.to_staff_id, referral.status) == (
        ReferralKind.WALK_IN,
        branch.teller.id,
        branch.csm_a.id,
        ReferralStatus.OPEN,
    )

    csm = branch.ws(branch.csm_a)
    detail = full(client_detail.load(csm, branch.zl))  # now A's client, in full
    assert detail.client.manager_id == branch.csm_a.id
    [task] = detail.tasks
    assert (task.kind, task.due_on, task.staff_id, task.origin, task.origin_id, task.note) == (
        TaskKind.REFERRAL,
        TODAY,
        branch.csm_a.id,
        TaskOrigin.REFERRAL,
        referral.id,
        "想了解基金定投",
    )
    assert task.status is TaskStatus.OPEN
    queued = [item for item in today_queue(csm) if item.client_id == branch.zl]
    assert [(i.reason, i.main.task_id) for i in queued] == [(QueueReason.REFERRAL, task.id)]
    assert branch.zl in [r.id for r in find_clients(csm, "") if r.own]
    assert summary(client_detail.load(teller, branch.zl)).manager_id == branch.csm_a.id

    referrals_before, tasks_before = branch.count(ReferralRow), branch.count(TaskRow)
    with pytest.raises(DomainError) as err:
        referrals.refer_walk_in(teller, branch.wdh, branch.csm_a.id, note="办卡")  # B's client
    assert (err.value.code, err.value.params) == ("managed_by_other", {"manager": "李娜"})  # the right one named
    with pytest.raises(DomainError) as err:
        referrals.refer_walk_in(teller, branch.zs, branch.wealth.id or 0, note="办卡")
    assert err.value.code == "managed_by_other"
    for not_at_the_counter in (branch.csm_b, branch.wealth):
        with pytest.raises(AccessDenied):
            referrals.refer_walk_in(branch.ws(not_at_the_counter), branch.zs, branch.csm_b.id, note="柜面转介")
    assert (branch.count(ReferralRow), branch.count(TaskRow)) == (referrals_before, tasks_before)
    assert branch.count(ClientRow, manager_id=branch.csm_b.id) == 2

    # A walk-in of a client with a manager goes to that manager, named, whoever is chosen or none.
    assert referrals.refer_walk_in(teller, branch.wdh, None, note="咨询大额存单").to_name == "李娜"
    assert branch.client(branch.wdh).manager_id == branch.csm_b.id
    assert [i.reason for i in today_queue(branch.ws(branch.csm_b)) if i.client_id == branch.wdh] == [
        QueueReason.REFERRAL
    ]
    assert branch.chain_holds()
