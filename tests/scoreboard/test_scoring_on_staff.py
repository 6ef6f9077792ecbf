"""Who is scored in which quarter, on both backends: every quarter a CSM was on staff (from the start date to the end
date), a quarter with no work scored on what it earns, the annual score the mean of those quarters; staff dates
imported and kept consistent by the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Channel, Disposition, Role
from csm_tui.domain.models import Staff
from csm_tui.i18n import t
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.ports import StorageFailure
from csm_tui.services.scoreboard import quarter_scores
from csm_tui.services.scoreboard.quarter_scores import Quarter
from storage.engine import make_engine
from storage.orm import ClientRow, ContactRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, desk

Q = {n: Quarter(2026, n) for n in range(1, 5)}
FIVE = Decimal("5.00")  # a quarter with no work: no breach keeps the compliance indicator's 5 points, nothing else


def _calls(session: object, staff_id: int, client_id: int, n: int, first: dt.datetime) -> None:
    for k in range(n):
        session.add(  # type: ignore[attr-defined]
            ContactRow(client_id=client_id, staff_id=staff_id, channel=Channel.PHONE,
                       started_at=first + dt.timedelta(hours=k % 8, days=k // 8), disposition=Disposition.BUSY)
        )  # fmt: skip


@pytest.fixture
def branch(uow_factory: SqlUnitOfWorkFactory, clock: FrozenClock) -> dict[str, Any]:
    """Today 2026-11-27 (Q4). ``busy``: on staff since 2025, 600 calls in Q1 and nothing after; ``late``: joined
    15 July 2026, 100 calls in November; ``gone``: left on 15 May 2026 after 100 calls in Q1."""
    with uow_factory(write=True) as tx:
        build = BranchBuilder(tx)
        build.outlet("O1", "一支行")
        admin = build.staff("admin", "管理员", Role.ADMIN)
        sup = build.staff("sup", "主管", Role.SUPERVISOR)

        def csm(login: str, started: dt.date, left: dt.date | None = None) -> Staff:
            return build.staff(
                login, login, Role.CSM, supervisor_id=sup.id, started_on=started, left_on=left, active=left is None
            )

        busy, late = csm("busy", dt.date(2025, 3, 1)), csm("late", dt.date(2026, 7, 15))
        gone = csm("gone", dt.date(2024, 1, 1), dt.date(2026, 5, 15))
        session = tx.session  # type: ignore[attr-defined]
        client = ClientRow(number="C0001", name="客户", resident_id="11010119800101001X", manager_id=busy.id)
        session.add(client)
        session.flush()
        _calls(session, busy.id or 0, client.id, 600, dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC))
        _calls(session, gone.id or 0, client.id, 100, dt.datetime(2026, 2, 2, 1, tzinfo=dt.UTC))
        _calls(session, late.id or 0, client.id, 100, dt.datetime(2026, 11, 2, 1, tzinfo=dt.UTC))
        tx.commit()
    return {s.login: desk(uow_factory, s, clock) for s in (admin, sup, busy, late)} | {
        "gone": gone
    }  # a leaver signs in no more


def _trend(view: quarter_scores.CsmView) -> list[Decimal | None]:
    return [total for _, total in view.trend]


def test_a_csm_busy_in_q1_and_idle_after_scores_the_mean_of_four_quarters(branch: dict[str, Any]) -> None:
    view = quarter_scores.csm_view(branch["busy"])
    # Q1 2026 has 59 working days (New Year and the Spring Festival off, 4 Jan, 14 and 28 Feb worked): 600 calls of
    # 590 is 101.69 % (5.08 points), 600 contacts of 500 capped at 120 % (6.00), no breach (5.00): 16.08.
    assert _trend(view) == [Decimal("16.08"), FIVE, FIVE, FIVE]
    assert view.annual == Decimal("7.77")  # (16.08 + 3 × 5.00) / 4, not 16.08 from Q1 alone
    assert view.card is not None and view.card.total == FIVE  # this quarter, idle: scored, not left out


def test_a_csm_who_joined_in_q3_is_scored_on_q3_and_q4_only(branch: dict[str, Any]) -> None:
    view = quarter_scores.csm_view(branch["late"])
    # Q4 to 27 November: 38 working days; 100 calls of 380 (1.32 points), 100 contacts of 500 (1.00), no breach.
    assert _trend(view) == [None, None, FIVE, Decimal("7.32")]
    assert view.annual == Decimal("6.16")  # (5.00 + 7.32) / 2
    year = quarter_scores.team_table(branch["sup"], year=True)
    quarters = {row.csm.login: (row.quarters, row.total) for row in year.rows}
    assert quarters == {"busy": (4, Decimal("7.77")), "late": (2, Decimal("6.16")), "gone": (2, Decimal("5.93"))}


def test_a_csm_who_left_is_scored_until_their_last_quarter(branch: dict[str, Any]) -> None:
    sup = branch["sup"]
    q1 = quarter_scores.team_table(sup, Q[1])
    assert {row.csm.login: row.total for row in q1.rows} == {"busy": Decimal("16.08"), "gone": Decimal("6.85")}
    q2 = quarter_scores.team_table(sup, Q[2])
    assert {row.csm.login for row in q2.rows} == {"busy", "gone"}  # gone left on 15 May: on staff in Q2
    q4 = quarter_scores.team_table(sup, Q[4])
    assert {row.csm.login for row in q4.rows} == {"busy", "late"}
    assert q4.branch_size == 2
    view = quarter_scores.csm_view(sup, Q[4], staff_id=branch["gone"].id)
    assert view.card is None and _trend(view) == [Decimal("6.85"), FIVE, None, None]
    assert view.annual == Decimal("5.93")  # (6.85 + 5.00) / 2, half up


def test_the_database_refuses_an_end_before_the_start(branch: dict[str, Any]) -> None:
    staff_id = branch["busy"].staff.id
    with pytest.raises(StorageFailure, match="IntegrityError"), branch["admin"].uow(write=True) as tx:
        tx.session.execute(  # type: ignore[attr-defined]
            text("UPDATE staff SET left_on = :left WHERE id = :id"), {"left": dt.date(2025, 1, 1), "id": staff_id}
        )
        tx.commit()


def test_staff_dates_are_imported_as_optional_columns(branch: dict[str, Any], tmp_path: Path) -> None:
    admin = branch["admin"]
    path = tmp_path / "staff.csv"
    path.write_text(
        "工号,姓名,角色,职级,网点代码,入职日期,离职日期\n"
        "csm07,孙丽,客户服务经理,客户服务经理,O1,2026-08-03,\n"
        "csm08,周杰,客户服务经理,客户服务经理,O1,2026-08-03,2026-08-01\n"
        "busy,busy,客户服务经理,客户服务经理,O1,2025-03-01,2026-11-20\n",
        encoding="utf-8",
    )
    report = import_file(admin, ImportKind.STAFF, path)
    assert (report.new, report.updated, report.rejected) == (1, 1, 1)
    assert report.errors_path is not None
    assert t("value.left_before_start") in report.errors_path.read_text(encoding="utf-8-sig")
    with admin.uow() as tx:
        joined, left = tx.staff.by_login("csm07"), tx.staff.by_login("busy")
    assert joined is not None and (joined.started_on, joined.left_on) == (dt.date(2026, 8, 3), None)
    assert left is not None and left.left_on == dt.date(2026, 11, 20)
    # A file without the columns keeps the dates.
    again = tmp_path / "again.csv"
    again.write_text("工号,姓名,角色,职级,网点代码\ncsm07,孙丽,客户服务经理,客户服务经理,O1\n", encoding="utf-8")
    assert import_file(admin, ImportKind.STAFF, again).unchanged == 1
    with admin.uow() as tx:
        kept = tx.staff.by_login("csm07")
    assert kept is not None and kept.started_on == dt.date(2026, 8, 3)


def test_the_demo_branch_records_when_its_staff_started(demo_url: str) -> None:
    engine = make_engine(demo_url)
    try:
        with engine.connect() as conn:
            starts = conn.execute(text("SELECT DISTINCT started_on IS NOT NULL, left_on IS NULL FROM staff")).all()
    finally:
        engine.dispose()
    assert [tuple(bool(v) for v in row) for row in starts] == [(True, True)]
