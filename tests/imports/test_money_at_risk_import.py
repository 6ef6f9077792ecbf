"""The balance import keeps what the queue's money at risk reads (SQLite and PostgreSQL): the balance on the previous
data date and the lowest forecast average, so the queue finds the clients by index; the previous data date is
recorded as the data date moves on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from csm_tui.domain.enums import QueueReason
from csm_tui.rules.money_at_risk import HeldSpan, forecast_tier, lowest_average
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.rows import DATA_PREVIOUS_AS_OF
from csm_tui.services.workstation import Workstation
from storage.orm import ClientRow, MetaRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.files import VALID_IDS, balances_file, clients_file

FIRST = dt.date(2026, 6, 1)
BEFORE, AS_OF, TODAY = dt.date(2026, 11, 24), dt.date(2026, 11, 25), dt.date(2026, 11, 27)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


def test_two_imports_keep_the_previous_balance_and_the_lowest_average_and_the_queue_reads_them(
    branch: dict[str, Workstation], uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    people = [
        ["C1", "张三", VALID_IDS[0], "13800138001", "csm01"],
        ["C2", "李四", VALID_IDS[1], "13800138002", "csm01"],
    ]
    assert import_file(branch["admin"], ImportKind.CLIENTS, clients_file(tmp_path, people)).new == 2

    def emptied(day: dt.date) -> str:
        return "80000" if day <= dt.date(2026, 11, 1) else "0"

    first_file = [["C1", d.isoformat(), "300000"] for d in _days(FIRST, BEFORE)]
    first_file += [["C2", d.isoformat(), emptied(d)] for d in _days(FIRST, BEFORE)]
    assert import_file(branch["admin"], ImportKind.BALANCES, balances_file(tmp_path, first_file)).as_of == BEFORE
    second = [["C1", AS_OF.isoformat(), "100000"], ["C2", AS_OF.isoformat(), "0"]]
    assert import_file(branch["admin"], ImportKind.BALANCES, balances_file(tmp_path, second, "b2.csv")).as_of == AS_OF

    with uow_factory() as tx:
        session = tx.session  # type: ignore[attr-defined]
        columns = (ClientRow.number, ClientRow.id, ClientRow.balance, ClientRow.balance_before, ClientRow.avg_3m)
        kept = {r.number: r for r in session.execute(select(*columns, ClientRow.avg_3m_low))}
        previous = session.scalar(select(MetaRow.value).where(MetaRow.key == DATA_PREVIOUS_AS_OF))
    assert previous == BEFORE.isoformat()
    assert (kept["C1"].balance_before, kept["C1"].balance) == (Decimal("300000.00"), Decimal("100000.00"))
    c2 = [
        HeldSpan(FIRST, dt.date(2026, 11, 1), Decimal("80000.00")),
        HeldSpan(dt.date(2026, 11, 2), AS_OF, Decimal("0.00")),
    ]
    assert kept["C2"].avg_3m_low == lowest_average(c2, AS_OF) < Decimal("50000.00") <= kept["C2"].avg_3m

    shown = {item.client_id: item.main for item in today_queue(branch["csm"])}
    outflow, risk = shown[kept["C1"].id], shown[kept["C2"].id]
    assert (outflow.reason, outflow.amount) == (QueueReason.LARGE_OUTFLOW, Decimal("200000.00"))
    expected = forecast_tier(c2, AS_OF, Decimal("50000.00"), TODAY + dt.timedelta(days=14), TODAY)
    assert expected is not None
    assert (risk.reason, risk.on, risk.amount) == (QueueReason.TIER_AT_RISK, expected.falls_on, expected.top_up)
