"""Prospects (潜在客户) in the database: added at an event's door or from a client's introduction, listed per manager,
converted when the bank's client file brings a client with the same mobile or resident ID, purged when never converted.

A prospect is personal data kept for one purpose: the manager's follow-up until they become a client. The purge
deletes the rows in one statement and leaves a single audit entry with the count (no name or number in the log).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from csm_tui.domain.enums import Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewProspect, Prospect
from csm_tui.domain.values import mask_mobile, mask_resident_id
from csm_tui.services.ports import AccessDenied
from storage import audit
from storage.access import Access
from storage.orm import ClientRow, ProspectRow

# Who takes prospects: the planners of events and the lobby who meets people at the door.
TAKERS = (Role.CSM, Role.SUPERVISOR, Role.ADMIN, Role.LOBBY)


def _model(row: ProspectRow) -> Prospect:
    return Prospect.model_validate(row, from_attributes=True)


def convert_matching(session: Session, at: dt.datetime) -> list[tuple[int, int, int | None]]:
    """Mark every prospect not yet converted whose mobile or resident ID is now a client's as that client (the row
    stays, with its history; the resident ID's client first when both match, two people may share a phone):
    (prospect id, client id, introducing client id) of each. Called by the client import."""
    same_id = and_(ProspectRow.resident_id.is_not(None), ClientRow.resident_id == ProspectRow.resident_id)
    query = (
        select(ProspectRow, ClientRow.id)
        .join(ClientRow, or_(ClientRow.mobile == ProspectRow.mobile, same_id))
        .where(ProspectRow.converted_client_id.is_(None))
        .order_by(ProspectRow.id, (ClientRow.resident_id == ProspectRow.resident_id).desc(), ClientRow.id)
    )
    converted: list[tuple[int, int, int | None]] = []
    seen: set[int] = set()
    for row, client_id in session.execute(query).all():
        if row.id in seen:
            continue
        seen.add(row.id)
        row.converted_client_id = client_id
        row.converted_at = at
        converted.append((row.id, client_id, row.introduced_by))
    session.flush()  # audited, like every write
    return converted


class SqlProspects:
    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def add(self, prospect: NewProspect) -> Prospect:
        if not (self.access.admin or self.access.has_role(*TAKERS)):
            raise AccessDenied("prospect")
        same_id = ClientRow.resident_id == prospect.resident_id if prospect.resident_id else None
        match = (
            ClientRow.mobile == prospect.mobile
            if same_id is None
            else or_(ClientRow.mobile == prospect.mobile, same_id)
        )
        if self.session.scalar(select(ClientRow.id).where(match).limit(1)) is not None:
            # a client already (their mobile or ID is the bank's): checked in as a walk-in, never a prospect whom
            # the next import would count as a new client of the event or credit to an introducer
            raise DomainError("prospect_is_client")
        row = ProspectRow(**prospect.model_dump())
        self.session.add(row)
        self.session.flush()
        return _model(row)

    def of(self, manager_id: int) -> list[Prospect]:
        """The manager's prospects, newest first (the manager, their supervisor, the admin)."""
        self.access.require_act_for(manager_id, "prospect")
        rows = self.session.execute(
            select(ProspectRow, ClientRow.manager_id)
            .outerjoin(ClientRow, ClientRow.id == ProspectRow.converted_client_id)
            .where(ProspectRow.manager_id == manager_id)
            .order_by(ProspectRow.created_at.desc(), ProspectRow.id.desc())
        )
        return [self._as_seen(row, client_manager) for row, client_manager in rows]

    def _as_seen(self, row: ProspectRow, client_manager: int | None) -> Prospect:
        """A prospect who became a client the reader may not see in full (a colleague's) is that client: their
        mobile and ID masked, as for any colleague's client; the history (name, that they converted) stays."""
        prospect = _model(row)
        client_id = row.converted_client_id
        if client_id is None or self.access.may_see_client(client_id, client_manager, known=True):
            return prospect
        masked = {
            "mobile": mask_mobile(row.mobile),
            "resident_id": row.resident_id and mask_resident_id(row.resident_id),
        }
        return prospect.model_copy(update=masked)

    def converted_from_event(self, event_id: int) -> int:
        """The clients the event's prospects became: each person once, though taken twice at the door."""
        query = select(func.count(ProspectRow.converted_client_id.distinct())).where(
            ProspectRow.event_id == event_id, ProspectRow.converted_client_id.is_not(None)
        )
        return int(self.session.scalar(query) or 0)

    def convert(self) -> list[tuple[int, int, int | None]]:
        """``convert_matching`` for the system and the admin (the bulk of the bank's file)."""
        self.access.require_admin("prospect")
        return convert_matching(self.session, self.session.info["clock"].now().datetime)

    def purge(self, before: dt.datetime) -> int:
        """Delete the prospects never converted and taken before ``before``; one audit entry with the count."""
        self.access.require_admin("prospect")
        stale: Any = delete(ProspectRow).where(
            ProspectRow.converted_client_id.is_(None), ProspectRow.created_at < before
        )
        count = int(self.session.execute(stale).rowcount or 0)  # type: ignore[attr-defined]
        at = self.session.info["clock"].now().datetime
        entry = ("prospects.purge", "prospects", "", {"count": count, "before": before.isoformat()})
        audit.append(self.session.connection(), at, self.access.actor_id, [entry])
        return count
