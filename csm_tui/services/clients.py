"""Finding clients: own clients in full, others in the masked OCRM summary."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import arrow
from pydantic_core import PydanticCustomError

from csm_tui.domain.enums import Tier
from csm_tui.domain.errors import DomainError
from csm_tui.domain.values import from_fen, mask_account, mask_mobile, mask_resident_id, validate_resident_id
from csm_tui.policy import Tiers
from csm_tui.services.days import day_window
from csm_tui.services.views import LOOKUP, LOOKUP_REFUSED, ClientFocus, ClientListRow, LookupRefusal, NumberKey
from csm_tui.services.workstation import Workstation

LIST_LIMIT = 200
ACCOUNT_DIGITS = (8, 32)  # card and account numbers, as the bank's files hold them
AVERAGE_MONTHS = 3  # assets are the daily average of the last three months (日均资产)


def find_clients(ws: Workstation, text: str = "") -> list[ClientListRow]:
    """Search as one types: own clients by any part of their name or numbers, others' by name, initials and client
    number only (never by a secret number: see ``look_up_number``)."""
    with ws.uow() as tx:
        return tx.views.clients(ws.staff.id, text, LIST_LIMIT)


def whole_number(text: str, today: dt.date) -> tuple[str, NumberKey] | None:
    """The typed text as a whole secret number and what it would be (a resident ID by the one validator; 11 digits
    from 1 a mobile; else 8 to 32 digits a card or account number), or None."""
    try:
        return validate_resident_id(text, today), NumberKey.RESIDENT_ID
    except PydanticCustomError:
        pass
    digits = unicodedata.normalize("NFKC", text).replace(" ", "").strip()
    if not (digits.isascii() and digits.isdigit() and ACCOUNT_DIGITS[0] <= len(digits) <= ACCOUNT_DIGITS[1]):
        return None
    return digits, NumberKey.MOBILE if len(digits) == 11 and digits.startswith("1") else NumberKey.ACCOUNT


def _masked(number: str, key: NumberKey) -> str:
    if key is NumberKey.RESIDENT_ID:
        return mask_resident_id(number)
    return mask_mobile(number) if key is NumberKey.MOBILE else mask_account(number)


def look_up_number(ws: Workstation, text: str) -> list[ClientListRow]:
    """Find clients by a whole mobile, resident ID, card or account number: exactly that number, never a part.

    The staff member's own clients are found freely. Looking up anyone else's is in the audit log (who, when, which
    kind of number, masked, and whom it found) and limited per staff member and hour by the policy, counted in the
    same transaction as the look-up; past the limit it is refused (``DomainError("lookup_limit")``), the refusal
    is in the log and the staff member's supervisor (or, for someone without one, the admin) is told
    (``lookup_alerts``). Every role is limited alike.
    """
    found = whole_number(text, ws.time.today())
    if found is None:
        raise DomainError("lookup_not_a_number")
    number, shape = found
    limit = ws.policy.lookups_per_hour
    since = ws.time.now().shift(hours=-1).datetime
    with ws.uow(write=True) as tx:
        actor = tx.actor
        assert actor is not None
        matches = tx.views.clients_by_number(actor.id, number, LIST_LIMIT)
        own = [m.row for m in matches if m.row.own]
        if own:
            return own  # the manager's own client: no one else's is looked up
        tx.staff.lock(actor.id)  # one count at a time per staff member, whatever their other sessions do
        key = matches[0].key if matches else shape
        if tx.audit.count(LOOKUP, actor.id, since) >= limit:
            tx.audit.record(LOOKUP_REFUSED, "staff", str(actor.id), key=key.value, limit=limit)
            tx.commit()
            raise DomainError("lookup_limit", limit=limit)
        first = str(matches[0].row.id) if matches else ""
        tx.audit.record(
            LOOKUP, "clients", first, key=key.value, number=_masked(number, key), found=[m.row.number for m in matches]
        )
        tx.commit()
    return [m.row for m in matches]


def lookup_alerts(ws: Workstation) -> list[LookupRefusal]:
    """For a supervisor, the team members refused look-ups by whole number today; for an admin, everyone."""
    since, _ = ws.time.day_bounds(ws.time.today())
    with ws.uow() as tx:
        return tx.views.lookup_refusals(ws.staff.id, since)


def clients_in_focus(ws: Workstation, focus: ClientFocus) -> list[ClientListRow]:
    """Who is left today for a checklist item (see ``ClientFocus``)."""
    with ws.uow() as tx:
        return tx.views.clients_in_focus(ws.staff.id, focus, day_window(ws, ws.time.today()))


def daily_average(fen_days: int, days: int) -> Decimal:
    """The daily average (日均) of a sum of daily balances in fen over ``days``, in yuan to the fen, rounded down:
    never lifted onto a threshold. Thresholds are whole fen, so the average reaches one exactly when the sum reaches
    threshold × days (a true 49,999.995 stays 49,999.99, under 交银理财)."""
    return from_fen(fen_days // days)


def tier_of(avg_3m: Decimal, tiers: Tiers) -> Tier:
    """The client's tier by 3-month daily average assets (``daily_average``: exact against the thresholds)."""
    if avg_3m >= tiers.wode:
        return Tier.WODE
    if avg_3m >= tiers.jiaoyin:
        return Tier.JIAOYIN
    return Tier.ORDINARY


def quick_wealth(avg_3m: Decimal, tiers: Tiers) -> bool:
    """The 快捷理财 service (two free inter-bank withdrawals a month): a quarter's daily average, the 3-month one,
    of at least the threshold. Any tier may have it; compared exactly, as ``tier_of`` is."""
    return avg_3m >= tiers.quick_wealth


def average_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the three months of daily balances that end at ``as_of``."""
    first = arrow.Arrow.fromdate(as_of).shift(months=-AVERAGE_MONTHS).date() + dt.timedelta(days=1)
    return first, as_of
