"""Households and birthdays: family links between clients (by the CSM, a supervisor, an admin, or the import), the
household's combined 3-month average, and the client's choice of a solar or lunar (农历) birthday.

Who may link: whoever may work with the client in full (a CSM their own client, a supervisor the team's, an admin
any), decided by the repository inside the write transaction from the database as it stands; the relative may be
another CSM's client, shown masked. Every write is audited.
"""

from __future__ import annotations

from csm_tui.domain.errors import DomainError
from csm_tui.domain.households import Household, Relation
from csm_tui.i18n import label
from csm_tui.services.ports import UnitOfWork
from csm_tui.services.workstation import Workstation


def link(ws: Workstation, client_id: int, relative_id: int, relation: Relation) -> None:
    """Link ``relative_id`` as ``client_id``'s ``relation`` (stored once, read inverted from the other side)."""
    with ws.uow(write=True) as tx:
        _link(tx, ws, client_id, relative_id, relation)
        tx.commit()


def _link(tx: UnitOfWork, ws: Workstation, client_id: int, relative_id: int, relation: Relation) -> None:
    tx.households.lock(min(client_id, relative_id))
    tx.households.link(
        client_id, relative_id, relation, ws.time.now().datetime, today=ws.time.today(), policy=ws.policy
    )
    tx.audit.record("household.link", "clients", str(client_id), relative=relative_id, relation=relation.value)


RELATION_KEYS = {"s": Relation.SPOUSE, "p": Relation.PARENT, "c": Relation.CHILD}
UNLINK_KEY = "x"  # typed for the relation: the link to that client is removed


def parse_link(text: str) -> tuple[str, Relation | None]:
    """``C1234567890 p``: the relative's client number and what they are to the client (s spouse, p parent,
    c child; the relation's code or its label in the user's language are taken too); ``C1234567890 x``: the link
    to that client removed (None)."""
    parts = text.split()
    if len(parts) != 2:
        raise DomainError("household_format")
    number, word = parts[0].upper(), parts[1].lower()
    if word == UNLINK_KEY:
        return number, None
    relation = RELATION_KEYS.get(word)
    if relation is None:
        relation = next((r for r in Relation if word in (r.value, label(r).lower())), None)
    if relation is None:
        raise DomainError("household_format")
    return number, relation


def link_by_number(ws: Workstation, client_id: int, text: str) -> None:
    """Link the client whose client number is typed (another CSM's client too: numbers are not secret), or with
    ``x`` unlink them (a link made by mistake is taken back where it was made)."""
    number, relation = parse_link(text)
    with ws.uow(write=True) as tx:
        relative_id = tx.households.client_by_number(number)
        if relative_id is None:
            raise DomainError("household_unknown", number=number)
        if relation is None:
            _unlink(tx, client_id, relative_id)
        else:
            _link(tx, ws, client_id, relative_id, relation)
        tx.commit()


def unlink(ws: Workstation, client_id: int, relative_id: int) -> None:
    with ws.uow(write=True) as tx:
        _unlink(tx, client_id, relative_id)
        tx.commit()


def _unlink(tx: UnitOfWork, client_id: int, relative_id: int) -> None:
    tx.households.unlink(client_id, relative_id)
    tx.audit.record("household.unlink", "clients", str(client_id), relative=relative_id)


def household(ws: Workstation, client_id: int) -> Household:
    with ws.uow() as tx:
        return tx.households.household(client_id)


def set_birthday_lunar(ws: Workstation, client_id: int, lunar: bool) -> None:
    with ws.uow(write=True) as tx:
        tx.households.set_birthday_lunar(client_id, lunar)
        tx.commit()
