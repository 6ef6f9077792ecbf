"""Search finds the same clients whatever locale the PostgreSQL database was created with: the columns it matches by
prefix (the client's name, pinyin initials, client number, ID and mobile numbers, and account numbers) are ordered
by code point, the "C" collation (``storage.orm.searched``).

Search reads a prefix as a range, from the text up to the text followed by the last code point, which an index
answers. Only code-point order keeps exactly the texts starting with the prefix in that range: in a database
created with ``zh_CN.UTF-8`` or ``en_US.UTF-8`` (as a server set up in the system's locale is), 王小明 was not
found by 王, nor C0012 by C001. SQLite orders text by code point already: nothing changes there.

PostgreSQL rebuilds the columns' indexes and forgets their statistics: they are analysed again.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

SEARCHED = {
    "clients": (("number", 20), ("name", 32), ("name_initials", 32), ("resident_id", 18), ("mobile", 11)),
    "accounts": (("number", 32),),
}


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate(None)  # the database's own


def _collate(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column, length in columns:
            op.alter_column(
                table, column, type_=sa.String(length, collation=collation), existing_type=sa.String(length)
            )
        op.execute(f"ANALYZE {table}")
