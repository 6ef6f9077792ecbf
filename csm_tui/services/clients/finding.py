"""Finding clients: own clients in full, others in the masked OCRM summary."""

from __future__ import annotations

import datetime as dt

from pydantic_core import PydanticCustomError

from csm_tui.domain.errors import DomainError
from csm_tui.domain.typed import number_digits
from csm_tui.domain.values import mask_account, mask_mobile, mask_resident_id, validate_resident_id
from csm_tui.services.days import day_window
from csm_tui.services.rows import LOOKUP, LOOKUP_REFUSED, ClientFocus, ClientListRow, LookupRefusal, NumberKey
from csm_tui.services.workstation import Workstation

LIST_LIMIT = 200
ACCOUNT_DIGITS = (8, 32)  # card and account numbers, as the bank's files hold them


def find_clients(ws: Workstation, text: str = "") -> list[ClientListRow]:
    """Search as one types: own clients by any part of their name or numbers, others' by name, initials and client
    number only (never by a secret number: see ``look_up_number``)."""
    with ws.uow() as tx:
        return tx.views.clients(ws.staff.id, text, LIST_LIMIT)


def whole_number(text: str, today: dt.date) -> tuple[str, NumberKey] | None:
    """The typed text as a whole secret number and what it would be (a resident ID by the one validator; 11 digits
    from 1 a mobile; else 8 to 32 digits a card or account number), or None."""
    digits = number_digits(text)  # full-width, spaced or dashed, after +86 (``csm_tui.domain.typed``)
    if digits is None:
        return None
    try:
        return validate_resident_id(digits, today), NumberKey.RESIDENT_ID
    except PydanticCustomError:
        pass
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
