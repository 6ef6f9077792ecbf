"""The look-up by whole number as a person meets it: in F3 another manager's client appears (masked) only once the
whole number is typed and Enter pressed; past the hour's limit the refusal is said in words; the supervisor's app
tells of the refusals."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from csm_tui.domain.errors import DomainError
from csm_tui.i18n import t
from csm_tui.policy import Policy
from csm_tui.services.clients.finding import look_up_number
from storage.orm import ClientRow, StaffRow
from tests.support.pilot import make_app, notices, settle, table_rows


def another_csm_s_client(app: object) -> tuple[str, str, str]:
    """(number, name, mobile) of a client of someone other than csm01."""
    engine = app.ws.uow.engine  # type: ignore[attr-defined]
    me = app.ws.staff.id  # type: ignore[attr-defined]
    with engine.connect() as conn:
        row = conn.execute(
            select(ClientRow.number, ClientRow.name, ClientRow.mobile)
            .where(ClientRow.manager_id != me, ClientRow.mobile.is_not(None))
            .order_by(ClientRow.id)
            .limit(1)
        ).one()
    return row.number, row.name, row.mobile


async def test_f3_finds_another_s_client_by_the_whole_number_on_enter_and_says_when_the_limit_is_reached(
    demo_url: str,
) -> None:
    app = make_app(demo_url)
    app.ws = dataclasses.replace(app.ws, policy=Policy(lookups_per_hour=1))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        number, name, mobile = another_csm_s_client(app)
        await pilot.press("f3", *mobile)
        await settle(pilot)
        assert table_rows(app) == []  # typed, not yet looked up
        await pilot.press("enter")
        await settle(pilot)
        [row] = table_rows(app)
        assert row[:2] == [number, name] and row[4] == f"{mobile[:3]}****{mobile[-4:]}"
        await pilot.press("escape", "f3", *mobile[:-1], "0" if mobile[-1] != "0" else "1", "enter")
        await settle(pilot)
        assert table_rows(app) == []
        assert notices(app)[-1] == t("error.lookup_limit", limit=1)


async def test_the_supervisor_s_app_tells_of_a_team_member_refused_look_ups(demo_url: str) -> None:
    csm = make_app(demo_url)  # csm01, signed in elsewhere, runs a script of look-ups
    ws = dataclasses.replace(csm.ws, policy=Policy(lookups_per_hour=2))
    for guess in ("13900000000", "13900000001"):
        look_up_number(ws, guess)
    with pytest.raises(DomainError):
        look_up_number(ws, "13900000002")
    engine = csm.ws.uow.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        supervisor = conn.scalar(
            select(StaffRow.login).where(
                StaffRow.id == select(StaffRow.supervisor_id).where(StaffRow.login == "csm01").scalar_subquery()
            )
        )
    app = make_app(demo_url, login=supervisor)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
    assert [n for n in notices(app) if "csm01" in n] == [
        t("search.lookup_alert", name=csm.ws.staff.name, login="csm01", count=1, time="10:00")
    ]
