"""Who a CSM's recent contacts keep out of today's queue, and whom they settle, as the queue's statement reads them
(``storage.queue_sources``: each listed client's contacts read once for every question), against the rules said
plainly: a firm refusal in the quiet period, or a contact today in which the client was reached, keeps the client
out; a contact in which they were reached since the maturity lead days' start settles them (no call for a reason
from the data). Random contacts at each boundary, give or take a second, with quiet periods shorter and longer than
the lead days, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Channel, Disposition, HoldingStatus, ProductCategory, Role
from csm_tui.domain.models import NewClient, NewContactRecord, NewHolding, NewProduct
from csm_tui.policy import Policy
from csm_tui.rules.cadence import NOT_REACHED, SPOKEN
from csm_tui.services.calls.queue import window
from csm_tui.services.rows import QueueWindow
from csm_tui.services.workstation import Workstation
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import TODAY, TZ, BranchBuilder, numbered_rid

DISPOSITIONS = [d for d in Disposition if d is not Disposition.SERVICE_DONE]  # 回访完成 closes a task of its own
Contact = tuple[Channel, Disposition, str, int]  # at a boundary of the window, give or take some seconds


def contacts() -> st.SearchStrategy[list[Contact]]:
    boundary = st.sampled_from(["quiet", "settled", "day_start", "day_end", "long_ago"])
    return st.lists(
        st.tuples(st.sampled_from(list(Channel)), st.sampled_from(DISPOSITIONS), boundary, st.sampled_from([-1, 0, 1])),
        max_size=4,
    )


def at(w: QueueWindow, boundary: str, seconds: int) -> dt.datetime:
    instants = {
        "quiet": w.quiet_since,
        "settled": w.settled_since,
        "day_start": w.day_start,
        "day_end": w.day_end,
        "long_ago": w.quiet_since - dt.timedelta(days=40),
    }
    return instants[boundary] + dt.timedelta(seconds=seconds)


def reached(channel: Channel, disposition: Disposition) -> bool:
    return channel in SPOKEN and disposition not in NOT_REACHED


_numbers = itertools.count(1)  # each example's outlet, CSM, product and clients are its own, in one database


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    quiet_days=st.sampled_from([1, 2, 5, 90]),
    lead_days=st.sampled_from([0, 1, 7, 30, 120]),
    clients=st.lists(contacts(), min_size=1, max_size=4),
)
def test_a_firm_refusal_or_a_reach_today_keeps_a_client_out_and_a_reach_since_the_lead_days_settles_them(
    engine: Engine, clock: FrozenClock, quiet_days: int, lead_days: int, clients: list[list[Contact]]
) -> None:
    p = Policy()
    calls = p.calls.model_copy(update={"firm_decline_quiet_days": quiet_days, "maturity_lead_days": lead_days})
    factory = SqlUnitOfWorkFactory(engine, clock)
    n = next(_numbers)
    with factory(write=True) as tx:
        build = BranchBuilder(tx)
        outlet = build.outlet(code=f"R{n:04d}", name=f"网点{n}")
        csm = build.staff(f"rc{n:04d}", "王芳", Role.CSM)
        product = tx.products.add(
            NewProduct(code=f"DP{n:04d}", name="三个月定期存款", category=ProductCategory.DEPOSIT)
        )
        ws = Workstation(
            uow=factory.acting_as(csm),
            staff=csm,
            outlet=None,
            time=BranchTime(clock, TZ),
            policy=p.model_copy(update={"calls": calls}),
            demo=False,
        )
        w = window(ws)
        expected_out, expected_settled, mine = set(), set(), set()
        for said in clients:
            k = next(_numbers)
            client = tx.clients.add(
                NewClient(number=f"K{k:06d}", name=f"客户{k}", resident_id=numbered_rid(k), mobile=f"139{k:08d}",
                          manager_id=csm.id, outlet_id=outlet)
            ).id  # fmt: skip
            assert client is not None
            mine.add(client)
            tx.holdings.add(  # maturing today: listed
                NewHolding(client_id=client, product_id=product.id or 0, amount=Decimal("1000.00"),
                           start_date=TODAY - dt.timedelta(days=90), maturity_date=TODAY, status=HoldingStatus.ACTIVE)
            )  # fmt: skip
            for channel, disposition, boundary, seconds in said:
                when = at(w, boundary, seconds)
                tx.contacts.add(
                    NewContactRecord(client_id=client, staff_id=csm.id or 0, channel=channel, started_at=when,
                                     disposition=disposition)
                )  # fmt: skip
                if disposition is Disposition.FIRM_DECLINE and when >= w.quiet_since:
                    expected_out.add(client)
                if reached(channel, disposition) and w.day_start <= when < w.day_end:
                    expected_out.add(client)
                if reached(channel, disposition) and when >= w.settled_since:
                    expected_settled.add(client)
        tx.commit()
    with ws.uow() as tx:
        sources = tx.views.queue_sources(csm.id or 0, w)
    assert sources.excluded & mine == expected_out
    assert sources.settled & mine == expected_settled
