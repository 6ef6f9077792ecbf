"""Finding clients: own clients in full, others in the masked OCRM summary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import arrow

from csm_tui.domain.enums import Tier
from csm_tui.policy import Tiers
from csm_tui.services.days import day_window
from csm_tui.services.views import ClientFocus, ClientListRow
from csm_tui.services.workstation import Workstation

LIST_LIMIT = 200
AVERAGE_MONTHS = 3  # assets are the daily average of the last three months (日均资产)


def find_clients(ws: Workstation, text: str = "") -> list[ClientListRow]:
    assert ws.staff.id is not None
    with ws.uow() as tx:
        return tx.views.clients(ws.staff.id, text, LIST_LIMIT)


def clients_in_focus(ws: Workstation, focus: ClientFocus) -> list[ClientListRow]:
    """Who is left today for a checklist item (see ``ClientFocus``)."""
    assert ws.staff.id is not None
    with ws.uow() as tx:
        return tx.views.clients_in_focus(ws.staff.id, focus, day_window(ws, ws.time.today()))


def tier_of(avg_3m: Decimal, tiers: Tiers) -> Tier:
    """The client's tier by 3-month daily average assets."""
    if avg_3m >= tiers.wode:
        return Tier.WODE
    if avg_3m >= tiers.jiaoyin:
        return Tier.JIAOYIN
    return Tier.ORDINARY


def average_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the three months of daily balances that end at ``as_of``."""
    first = arrow.Arrow.fromdate(as_of).shift(months=-AVERAGE_MONTHS).date() + dt.timedelta(days=1)
    return first, as_of
