"""A 沃德 client is in one 沃德 client manager's book at a time, held by the database.

``ReferralRepository.close`` refuses to accept a 沃德 referral of a client whose other 沃德 referral is accepted
already, naming the manager who holds them; two desks accepting two referrals of one client at once could both
pass that check. A partial unique index refuses the second whatever path the write takes:

- ``uq_referrals_wode_accepted``: the client of the 沃德 referrals accepted (``kind = 'wode' AND status =
  'accepted'``), one each.

Clients held by two or more 沃德 client managers before this revision (two referrals accepted at once, or before
the repository checked) are left to the manager who accepted them last (the latest ``closed_at``, none counting as
the earliest; then the later referral): the others' referrals are returned (``status = 'returned'``, the moment
they were decided kept), their decision note saying so ahead of what the manager wrote (``NOTE``, in both
languages: the database serves both), so the client leaves those managers' books and their referrals lists say
why.

A later migration that rebuilds ``referrals`` in a batch operation (which copies the table on SQLite) must create
this index again with its condition.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

INDEX = "uq_referrals_wode_accepted"
HELD = "kind = 'wode' AND status = 'accepted'"
NOTE_MAX = 500  # the column's length
NOTE = "系统：客户已由最后接受的沃德客户经理服务，此转介退回 / System: the client stays with the Wode manager who accepted last"


def upgrade() -> None:
    _return_all_but_the_last_accepted()
    op.create_index(
        INDEX, "referrals", ["client_id"], unique=True, sqlite_where=sa.text(HELD), postgresql_where=sa.text(HELD)
    )


def _return_all_but_the_last_accepted() -> None:
    referrals = sa.table(
        "referrals",
        sa.column("id", sa.Integer()), sa.column("client_id", sa.Integer()), sa.column("kind", sa.String()),
        sa.column("status", sa.String()), sa.column("closed_at", sa.DateTime()),
        sa.column("decision_note", sa.String()),
    )  # fmt: skip
    bind = op.get_bind()
    accepted = bind.execute(
        sa.select(referrals.c.id, referrals.c.client_id, referrals.c.decision_note)
        .where(referrals.c.kind == "wode", referrals.c.status == "accepted")
        .order_by(
            referrals.c.client_id, referrals.c.closed_at.is_(None), referrals.c.closed_at.desc(), referrals.c.id.desc()
        )
    ).all()
    held: set[int] = set()
    for referral_id, client_id, note in accepted:
        if client_id in held:
            said = f"{NOTE}: {note}" if note else NOTE
            bind.execute(
                referrals.update()
                .where(referrals.c.id == referral_id)
                .values(status="returned", decision_note=said[:NOTE_MAX])
            )
        held.add(client_id)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="referrals")
