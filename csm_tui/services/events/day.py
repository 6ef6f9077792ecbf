"""On the event's day: the list at the door, found by name, pinyin initials, mobile or client number in one line,
and attendance marked with one key; a client who walks in is checked in too. The event's capacity holds whatever
the number of doors (the event is locked while one is checked in); every attendee's follow-up call goes into their
own manager's queue within the policy's days."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Event
from csm_tui.domain.typed import number_digits, search_text
from csm_tui.domain.values import MobileNumber
from csm_tui.rules import events as rules
from csm_tui.services.events.planning import card_note
from csm_tui.services.ports import UnitOfWork
from csm_tui.services.rows import Invitee
from csm_tui.services.workstation import Workstation

_MOBILE = TypeAdapter(MobileNumber)


@dataclass(frozen=True)
class DoorList:
    """The event and its list as it stands: ``attended`` of ``capacity`` in."""

    event: Event
    invitees: tuple[Invitee, ...]
    on_its_day: bool = True  # people are checked in (and taken as prospects) on the event's day only

    @property
    def attended(self) -> int:
        return sum(1 for i in self.invitees if i.attended)

    @property
    def room(self) -> int:
        return max(self.event.capacity - self.attended, 0)


def door_list(ws: Workstation, event_id: int) -> DoorList:
    with ws.uow() as tx:
        event = tx.events.get(event_id)
        if event is None:
            raise DomainError("event_unknown")
        return DoorList(event, tuple(tx.events.invitees(event_id)), on_its_day(ws, event))


def on_its_day(ws: Workstation, event: Event) -> bool:
    """Today is the event's day (in the branch's time zone)."""
    return rules.local(ws.policy, event.starts_at).date() == ws.time.today()


def _whole_mobile(text: str) -> str | None:
    digits = number_digits(text)
    if digits is None or len(digits) != 11:
        return None
    try:
        return str(_MOBILE.validate_python(digits))
    except ValidationError:
        return None


def looks_like_whole_mobile(text: str) -> bool:
    """The typed text is a whole mobile: looked up (and audited) when Enter is pressed, not at every keystroke."""
    return _whole_mobile(text) is not None


def find(ws: Workstation, listing: DoorList, text: str) -> list[Invitee]:
    """The invitees ``text`` stands for: a name (anywhere in it), pinyin initials or a client number (from its
    start), a mobile (from its start for a client the reader sees in full; others' only whole, audited as a
    look-up)."""
    typed = search_text(text)
    if not typed:
        return list(listing.invitees)
    mobile = _whole_mobile(text)
    if mobile is not None:
        with ws.uow(write=True) as tx:
            ids = tx.events.by_mobile(listing.event.id, mobile)
            tx.audit.record("event.lookup", "events", str(listing.event.id), mobile=mobile, found=len(ids))
            tx.commit()
        return [i for i in listing.invitees if i.invitation_id in ids]
    upper, lower = typed.upper(), typed.lower()

    def matches(i: Invitee) -> bool:
        if not typed.isascii():
            return typed in i.name
        if i.number.upper().startswith(upper) or (typed.isdigit() and i.number.upper().startswith(f"C{typed}")):
            return True
        if typed.isdigit():
            return i.own and i.mobile.startswith(typed)
        return typed.isalpha() and i.initials.startswith(lower)

    return [i for i in listing.invitees if matches(i)]


def _event_today(ws: Workstation, tx: UnitOfWork, event_id: int) -> Event:
    event = tx.events.get(event_id)
    if event is None:
        raise DomainError("event_unknown")
    if not on_its_day(ws, event):
        raise DomainError("event_not_today")
    return event


def _admit(ws: Workstation, tx: UnitOfWork, event: Event, invitation_id: int) -> None:
    if tx.events.attended(event.id) >= event.capacity:
        raise DomainError("event_full", capacity=event.capacity)
    day = rules.local(ws.policy, event.starts_at).date()
    note = card_note(ws, tx, event)
    tx.events.check_in(invitation_id, ws.time.now().datetime, rules.follow_up_day(ws.policy, day), note)


def check_in(ws: Workstation, event_id: int, invitation_id: int) -> None:
    """Mark an invitee present, on the event's day, while there is room (``event_full`` once there is not)."""
    with ws.uow(write=True) as tx:
        event = _event_today(ws, tx, event_id)
        tx.events.lock(event.id)  # two doors at once: one waits, then counts the other's check-in
        invitation = next((i for i in tx.events.invitees(event.id) if i.invitation_id == invitation_id), None)
        if invitation is None:
            raise DomainError("event_not_invited")
        if invitation.attended:
            raise DomainError("event_already_in")
        _admit(ws, tx, event, invitation_id)
        tx.commit()


def walk_in(ws: Workstation, event_id: int, number: str) -> None:
    """Check in a client who came without an invitation, found by their client number; one already on the list
    is checked in as invited."""
    with ws.uow(write=True) as tx:
        event = _event_today(ws, tx, event_id)
        tx.events.lock(event.id)
        client_id = tx.clients.id_of(search_text(number).upper())
        if client_id is None:
            raise DomainError("no_such_client", number=number)
        invitation = tx.events.invitation_of(event.id, client_id)
        if invitation is not None and invitation.attended_at is not None:
            raise DomainError("event_already_in")
        if invitation is None:
            if tx.events.attended(event.id) >= event.capacity:
                raise DomainError("event_full", capacity=event.capacity)
            try:
                invitation = tx.events.walk_in(event.id, client_id, ws.time.now().datetime)
            except LookupError:
                raise DomainError("event_no_manager", number=number) from None
        _admit(ws, tx, event, invitation.id)
        tx.commit()
