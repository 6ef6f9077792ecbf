"""Copying a client's full mobile to the desk's clipboard (``y`` on the client's card): the one thing the
workstation ever copies unmasked.

Clients of one's own book only, as the database says now (``ClientRepository.in_book``: managed by them, or a 沃德
client manager's accepted 沃德 referral; a supervisor or an admin, who may see others' clients in full, copies none
of them, nor a 沃德 manager a client whose referral is still open): the number is read and the read is in the audit
log like a reveal (who, whom, which field; never the number). Anyone else's client is refused with the reason, and
the refused try is in the log too. The screen sends the number to the terminal (``widgets.clipboard``); everything
else a screen copies goes through the mask first.
"""

from __future__ import annotations

from csm_tui.domain.errors import DomainError
from csm_tui.services.ports import AccessDenied
from csm_tui.services.workstation import Workstation

COPIED = "copy"  # the audit log's action: a full mobile copied
COPY_REFUSED = "copy.refused"  # a copy of another's client's number refused


def copy_mobile(ws: Workstation, client_id: int) -> str:
    """The full mobile of a client in the staff member's own book, its read audited; ``DomainError``
    ``copy_not_own`` for anyone else's client (audited), ``copy_no_mobile`` when the client has none."""
    with ws.uow(write=True) as tx:
        try:
            client = tx.clients.get(client_id)
        except AccessDenied:
            client = None
        if client is None or not tx.clients.in_book(client_id):
            tx.audit.record(COPY_REFUSED, "clients", str(client_id), field="mobile")
            tx.commit()
            raise DomainError("copy_not_own")
        if not client.mobile:
            raise DomainError("copy_no_mobile")
        tx.audit.record(COPIED, "clients", str(client_id), field="mobile")
        tx.commit()
    return str(client.mobile)
