"""A prospect's numbers in their stored forms, held by the database: the mobile in its 11-digit national form
(``1`` and ten digits), the resident ID, where given, in its 18-character form (17 digits and a digit or an
upper-case X).

The repository writes them so (``MobileNumber``, ``ResidentId``), and 0020's unique indexes compare the stored text:
the same person's mobile written another way by a path that skips the domain ('+8613526298153', '135 2629 8153',
an ID ending in a lower-case x) would pass them. PostgreSQL refuses such a row by two CHECK constraints; SQLite,
which enforces no VARCHAR length and cannot add a CHECK without rebuilding the table, by triggers before an insert
and before an update of either number (``RAISE(ABORT)``, the message below).

Rows of another form found here (written by such a path before this revision) are first rewritten in the stored
form; where that makes two followed prospects of one person, 0020's rule settles it again: the CSM who took them
first keeps them, the later one's calls stop (``taken_twice``, now; its open calls cancelled). A blank ID is none
(NULL). A number that cannot be read as a mainland mobile or an ID (bytes included) stops the upgrade (``UnreadableNumbers``: the command line names
the prospects to correct by hand), nothing changed.

A later migration that rebuilds ``prospects`` in a batch operation (which copies the table on SQLite) must create
these triggers again.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import sqlalchemy as sa
from alembic import context, op

from storage.migrate import UnreadableNumbers

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLE = "prospects"
GUARD = f"{TABLE}_number_forms"
# (No apostrophe: they are SQL string literals.)
MESSAGE = "prospect numbers refused: the mobile is 11 digits from 1, the resident ID 17 digits and a digit or X"
MOBILE_CHECK = "mobile ~ '^1[0-9]{10}$'"
RESIDENT_ID_CHECK = "resident_id IS NULL OR resident_id ~ '^[0-9]{17}[0-9X]$'"
_D = "[0-9]"
# GLOB stops at a NUL character, the unique indexes compare the whole text: the byte length closes that gap.
MOBILE_GLOB = f"NEW.mobile GLOB '1{_D * 10}' AND length(CAST(NEW.mobile AS BLOB)) = 11"
RESIDENT_ID_GLOB = (
    f"(NEW.resident_id IS NULL OR (NEW.resident_id GLOB '{_D * 17}[0-9X]' "
    "AND length(CAST(NEW.resident_id AS BLOB)) = 18))"
)
REFUSED = f"NOT ({MOBILE_GLOB} AND {RESIDENT_ID_GLOB})"

_MOBILE = re.compile(r"1[0-9]{10}")
_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.\u00b7\u30fb()\u200b\u200c\u200d\u2060\ufeff]")


def upgrade() -> None:
    _rewrite_in_stored_forms()
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint(op.f("ck_prospects_mobile"), TABLE, MOBILE_CHECK)
        op.create_check_constraint(op.f("ck_prospects_resident_id"), TABLE, RESIDENT_ID_CHECK)
        return
    op.execute(f"CREATE TRIGGER {GUARD}_insert BEFORE INSERT ON {TABLE} WHEN {REFUSED} "
               f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")  # fmt: skip
    op.execute(f"CREATE TRIGGER {GUARD}_update BEFORE UPDATE OF mobile, resident_id ON {TABLE} WHEN {REFUSED} "
               f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")  # fmt: skip


def stored_mobile(typed: str) -> str | None:
    """The 11-digit national form of a mainland mobile written another way (full-width digits, separators, +86 or
    0086 ahead), or None."""
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", typed))
    for prefix in ("+86", "0086", "86"):
        if len(number) == 11 + len(prefix) and number.startswith(prefix):
            number = number[len(prefix) :]
    return number if _MOBILE.fullmatch(number) else None


def stored_resident_id(typed: str) -> str | None:
    """The 18-character form of a resident ID written another way (full-width, separators, a lower-case x)."""
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", typed)).upper()
    return number if _RESIDENT_ID.fullmatch(number) else None


def _stored(value: object, form: re.Pattern[str], optional: bool = False) -> bool:
    return (optional and value is None) or (isinstance(value, str) and form.fullmatch(value) is not None)


def _blank(value: object) -> bool:
    """No resident ID: NULL, or an empty or blank text (written by SQL), stored as NULL from here on."""
    return value is None or (isinstance(value, str) and not value.strip())


def _read(value: object, stored: Callable[[str], str | None]) -> str | None:
    """The stored form of a number of another form, or None (also for a BLOB, which SQLite lets a column hold)."""
    return stored(value) if isinstance(value, str) else None


def _rewrite_in_stored_forms() -> None:
    prospects = sa.table(
        TABLE, sa.column("id", sa.Integer()), sa.column("mobile", sa.String()), sa.column("resident_id", sa.String())
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(prospects.c.id, prospects.c.mobile, prospects.c.resident_id)).all()
    other = [
        row for row in rows if not _stored(row.mobile, _MOBILE) or not _stored(row.resident_id, _RESIDENT_ID, True)
    ]
    fixed = [(row, _read(row.mobile, stored_mobile), _read(row.resident_id, stored_resident_id)) for row in other]
    unreadable = sorted(
        row.id for row, mobile, rid in fixed if mobile is None or (rid is None and not _blank(row.resident_id))
    )
    if unreadable:
        raise UnreadableNumbers(TABLE, unreadable)
    if not fixed:
        return
    # Rewritten, a row may name a person another followed prospect has: 0020 again (its indexes dropped for the
    # rewrite) leaves each person to the CSM who took them first and stops the later ones' calls.
    one_a_person = context.script.get_revision("0020").module
    one_a_person.downgrade()
    for row, mobile, rid in fixed:
        bind.execute(prospects.update().where(prospects.c.id == row.id).values(mobile=mobile, resident_id=rid))
    one_a_person.upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_prospects_resident_id"), TABLE, type_="check")
        op.drop_constraint(op.f("ck_prospects_mobile"), TABLE, type_="check")
    else:
        op.execute(f"DROP TRIGGER {GUARD}_update")
        op.execute(f"DROP TRIGGER {GUARD}_insert")
