"""Households: family links between clients, and the client's birthday preference.

A link is written by whoever may work with the client in full (the CSM of their own client, the supervisor of the
team's, an admin); the relative may be anyone's client, and is shown masked to those who may not see them in full.
One row per pair, the lower id first (``csm_tui.domain.households.stored``): a link cannot disagree with itself.
Writes go through the ORM, so each is in the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from csm_tui.domain.errors import DomainError
from csm_tui.domain.households import Household, HouseholdMember, Relation, seen_from, stored
from csm_tui.domain.values import ResidentId, mask_resident_id
from csm_tui.policy import Policy
from csm_tui.rules.birthdays import lunar_md
from csm_tui.rules.households import check_link, person
from csm_tui.services.ports import AccessDenied
from storage.access import Access
from storage.orm import ClientLinkRow, ClientRow


class SqlHouseholds:
    """Family links; whether the actor sees a client (and so may link them) is asked of ``access``."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def _client(self, client_id: int) -> ClientRow:
        row = self.session.get(ClientRow, client_id)
        if row is None:
            raise LookupError(client_id)
        return row

    def _require_full(self, client_id: int) -> ClientRow:
        row = self._client(client_id)
        if not self.access.may_see_client(row.id, row.manager_id, known=True):
            raise AccessDenied("client")
        return row

    def _require_record(self, client_id: int) -> ClientRow:
        """As ``_require_full``, and not a colleague covering the manager's leave (the client's record stays theirs)."""
        row = self._client(client_id)
        self.access.require_client_record(row.id, row.manager_id, known=True)
        return row

    def client_by_number(self, number: str) -> int | None:
        """A client's id by client number (not a secret number: search finds anyone's by it)."""
        return self.session.scalar(select(ClientRow.id).where(ClientRow.number == number))

    def lock(self, client_id: int) -> None:
        """The client's row locked (PostgreSQL; SQLite's write lock is already held): links to one client take
        turns."""
        self.session.execute(
            select(ClientRow.id).where(ClientRow.id == client_id).with_for_update(key_share=True, read=False)
        )

    def link(
        self, client_id: int, relative_id: int, relation: Relation, at: dt.datetime, *, today: dt.date, policy: Policy
    ) -> None:
        """Link ``relative_id`` as ``client_id``'s ``relation``; the acting staff member must see ``client_id`` in
        full. Refused: the client themself, an unknown relative, a pair already linked, and a link the two clients'
        birth dates and sex make implausible on ``today`` (``rules.households.check_link``)."""
        client = self._require_record(client_id)
        relative = self._client(relative_id)
        implausible = check_link(
            person(client.id, client.resident_id), person(relative.id, relative.resident_id), relation, today, policy
        )
        if implausible is not None:
            raise DomainError(implausible.code, **implausible.params)
        low, high, kept = stored(client_id, relative_id, relation)
        if self._row(low, high) is not None:
            raise DomainError("household_linked")
        self.session.add(
            ClientLinkRow(
                client_id=low, relative_id=high, relation=kept.value, created_at=at,
                created_by=self.access.actor_id,
            )
        )  # fmt: skip
        self.session.flush()

    def unlink(self, client_id: int, relative_id: int) -> None:
        self._require_record(client_id)
        low, high = sorted((client_id, relative_id))
        row = self._row(low, high)
        if row is None:
            raise DomainError("household_not_linked")
        self.session.delete(row)
        self.session.flush()

    def _row(self, low: int, high: int) -> ClientLinkRow | None:
        return self.session.scalar(
            select(ClientLinkRow).where(ClientLinkRow.client_id == low, ClientLinkRow.relative_id == high)
        )

    def household(self, client_id: int) -> Household:
        """The client's linked relatives, in full where the acting staff member may see them so, else masked (the
        name as the OCRM summary shows it, the ID masked, no figures of their own); and the household's 3-month
        averages added up over the client and the relatives seen in full. The others are left out and counted: any
        sum with their figures in it would give them away to whoever links them, reads the sum and subtracts."""
        client = self._require_full(client_id)
        links = self.session.execute(
            select(ClientLinkRow.client_id, ClientLinkRow.relative_id, ClientLinkRow.relation).where(
                or_(ClientLinkRow.client_id == client_id, ClientLinkRow.relative_id == client_id)
            )
        ).all()
        seen = dict(seen_from(client_id, low, high, Relation(relation)) for low, high, relation in links)
        if not seen:
            return Household(members=(), combined_avg=client.avg_3m, as_of=client.assets_as_of)
        rows = self.session.scalars(select(ClientRow).where(ClientRow.id.in_(list(seen))).order_by(ClientRow.id))
        members = []
        total, hidden = client.avg_3m, 0
        for row in rows:
            full = self.access.may_see_client(row.id, row.manager_id, known=True)
            if full:
                total += row.avg_3m
            else:
                hidden += 1  # added in, the total less one's own figures would be theirs (link, read, unlink)
            members.append(
                HouseholdMember(
                    client_id=row.id, relation=seen[row.id], number=row.number, name=row.name,
                    masked_id=mask_resident_id(row.resident_id), avg_3m=row.avg_3m if full else None,
                    assets_as_of=row.assets_as_of if full else None, own=full,
                )
            )  # fmt: skip
        return Household(members=tuple(members), combined_avg=total, as_of=client.assets_as_of, not_counted=hidden)

    def birthday_lunar(self, client_id: int) -> bool:
        return self._require_full(client_id).lunar_birthday is not None

    def set_birthday_lunar(self, client_id: int, lunar: bool) -> None:
        """The client's preference: greeted on the lunar birthday (its month and day kept) or the solar one.
        Audited as a write."""
        row = self._require_record(client_id)
        row.lunar_birthday = lunar_md(ResidentId(row.resident_id).birth_date) if lunar else None
        self.session.flush()
