"""The audit log as the app wrote it before the key (migration 0007): plain SHA-256 entries, no ``key_id``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert

from storage import audit
from storage.orm import AuditRow


def append_unsigned(
    conn: Connection, at: dt.datetime, staff_id: int | None, entries: list[tuple[str, str, str, dict[str, Any]]]
) -> None:
    """``audit.append`` of before the key: usable on a schema older than 0007 (it names no ``key_id``)."""
    prev = audit.head(conn)
    at_utc = at.astimezone(dt.UTC)
    for action, entity, entity_id, detail in entries:
        digest = audit.entry_hash(prev, at_utc, staff_id, action, entity, entity_id, detail)
        conn.execute(
            insert(AuditRow.__table__).values(  # type: ignore[arg-type]
                at=at_utc,
                staff_id=staff_id,
                action=action,
                entity=entity,
                entity_id=entity_id,
                detail=detail,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
