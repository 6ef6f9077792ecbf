"""One person is one prospect, held by the database.

The prospects' repository refuses a second prospect with the mobile or the resident ID of one a CSM follows (not a
client yet, calls not stopped), naming that CSM; two sessions taking the same person at once could both pass that
check. Two partial unique indexes refuse the second whatever path the insert takes (``storage.prospects`` turns
the refusal into the same words as the check):

- ``uq_prospects_followed_mobile``: the mobile (stored in its 11-digit national form, however it was typed) of
  the prospects neither converted nor stopped;
- ``uq_prospects_followed_resident_id``: the resident ID, where given, of the same prospects.

A prospect converted or stopped is out of both: someone whose calls stopped may be taken again with new consent.

Prospects taken twice before this revision (by two sessions at once, or before the repository checked) are left
to the CSM who took them first: the later ones' calls stop (``taken_twice``, now; their open calls cancelled),
their rows and history stay until the retention purges them, so the person is never called by two CSMs.

A later migration that rebuilds ``prospects`` in a batch operation (which copies the table on SQLite) must create
these indexes again with their conditions.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

FOLLOWED = "converted_client_id IS NULL AND stopped IS NULL"
RESIDENT_ID_FOLLOWED = f"resident_id IS NOT NULL AND {FOLLOWED}"


def upgrade() -> None:
    _stop_the_later_of_each_person()
    op.create_index(
        "uq_prospects_followed_mobile", "prospects", ["mobile"], unique=True,
        sqlite_where=sa.text(FOLLOWED), postgresql_where=sa.text(FOLLOWED),
    )  # fmt: skip
    op.create_index(
        "uq_prospects_followed_resident_id", "prospects", ["resident_id"], unique=True,
        sqlite_where=sa.text(RESIDENT_ID_FOLLOWED), postgresql_where=sa.text(RESIDENT_ID_FOLLOWED),
    )  # fmt: skip


def _stop_the_later_of_each_person() -> None:
    prospects = sa.table(
        "prospects",
        sa.column("id", sa.Integer()), sa.column("mobile", sa.String()), sa.column("resident_id", sa.String()),
        sa.column("created_at", sa.DateTime()), sa.column("converted_client_id", sa.Integer()),
        sa.column("stopped", sa.String()), sa.column("stopped_at", sa.DateTime()),
    )  # fmt: skip
    tasks = sa.table(
        "prospect_tasks",
        sa.column("prospect_id", sa.Integer()), sa.column("status", sa.String()),
        sa.column("closed_at", sa.DateTime()),
    )  # fmt: skip
    bind = op.get_bind()
    # A blank ID (written by SQL) is no ID, for the indexes as for the people counted here.
    bind.execute(prospects.update().where(sa.func.trim(prospects.c.resident_id) == "").values(resident_id=None))
    followed = bind.execute(
        sa.select(prospects.c.id, prospects.c.mobile, prospects.c.resident_id)
        .where(prospects.c.converted_client_id.is_(None), prospects.c.stopped.is_(None))
        .order_by(prospects.c.created_at, prospects.c.id)
    ).all()
    seen: set[str] = set()
    later: list[int] = []
    for prospect_id, mobile, resident_id in followed:
        person = {f"m:{mobile}"} | ({f"r:{resident_id}"} if resident_id else set())
        if person & seen:
            later.append(prospect_id)
        else:
            seen |= person
    if not later:
        return
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # instants are naive UTC
    bind.execute(prospects.update().where(prospects.c.id.in_(later)).values(stopped="taken_twice", stopped_at=now))
    bind.execute(
        tasks.update()
        .where(tasks.c.prospect_id.in_(later), tasks.c.status == "open")
        .values(status="cancelled", closed_at=now)
    )


def downgrade() -> None:
    op.drop_index("uq_prospects_followed_resident_id", table_name="prospects")
    op.drop_index("uq_prospects_followed_mobile", table_name="prospects")
