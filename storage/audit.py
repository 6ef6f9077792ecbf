"""The audit log: append-only, each entry chained to the previous one by a SHA-256 hash.

Every row the ORM writes is audited automatically (``install``); services add events that are not writes
(sign-in, reveals, exports). Full ID and phone numbers never reach the log: they are masked first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from sqlalchemy import Connection, event, func, insert, inspect, select, text
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from csm_tui.clock import Clock
from csm_tui.domain.values import mask_mobile, mask_resident_id
from storage.orm import AuditRow, Base, MetaRow

GENESIS = "0" * 64
_MASKED = {"resident_id": mask_resident_id, "mobile": mask_mobile}
_DIGESTS = frozenset({"sha256", "previous_sha256", "fingerprint"})  # hashes, whose digit runs are no one's number
# In free text (a reveal's reason, a note, a file name): an 18-character resident ID (or a 15-digit one of the
# first generation), and a mainland mobile, also written with +86/0086 or spaces and dashes between the groups.
_RESIDENT_ID = re.compile(r"(?<!\d)(?:\d{17}[\dXx](?!\d)|\d{15}(?![\dXx]))")
_MOBILE = re.compile(r"(?<!\d)(?P<cc>(?:\+|00)?86[ -]?)?(?P<number>1[3-9]\d(?:[ -]?\d{4}){2})(?!\d)")
_PG_AUDIT_LOCK = 0x63736D02


def entry_hash(
    prev_hash: str,
    at: dt.datetime,
    staff_id: int | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any],
) -> str:
    body = json.dumps(
        [prev_hash, at.isoformat(), staff_id, action, entity, entity_id, detail],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    conn: Connection,
    at: dt.datetime,
    staff_id: int | None,
    entries: list[tuple[str, str, str, dict[str, Any]]],
) -> None:
    """Append ``(action, entity, entity_id, detail)`` entries, each chained to the one before."""
    if not entries:
        return
    if conn.dialect.name == "postgresql":
        # Serialise appenders so the chain never forks; released at the end of the transaction.
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    prev = head(conn)
    at_utc = at.astimezone(dt.UTC)
    rows = []
    for action, entity, entity_id, detail in entries:
        digest = entry_hash(prev, at_utc, staff_id, action, entity, entity_id, detail)
        rows.append(
            {
                "at": at_utc,
                "staff_id": staff_id,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "detail": detail,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    conn.execute(insert(AuditRow), rows)


def verify(conn: Connection) -> int | None:
    """The id of the first entry whose link is broken, or None when the chain holds."""
    prev = GENESIS
    for row in conn.execute(select(AuditRow).order_by(AuditRow.id)).mappings():
        expected = entry_hash(
            prev, row["at"], row["staff_id"], row["action"], row["entity"], row["entity_id"], row["detail"]
        )
        if row["prev_hash"] != prev or row["hash"] != expected:
            return int(row["id"])
        prev = row["hash"]
    return None


def mask_text(text: str) -> str:
    """Free text with every ID and mobile number in it masked as the OCRM masks them."""
    text = _RESIDENT_ID.sub(lambda m: mask_resident_id(m[0]), text)
    return _MOBILE.sub(lambda m: (m["cc"] or "") + mask_mobile(re.sub(r"[ -]", "", m["number"])), text)


def mask(column: str, value: Any) -> Any:
    """A value fit for the log: ID and phone numbers masked (by column, and wherever they stand in text),
    everything JSON-friendly."""
    if value is None:
        return None
    if column in _MASKED:
        return _MASKED[column](str(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [mask(column, item) for item in value]
    return value if column in _DIGESTS else mask_text(str(value))


def _changes(obj: Base) -> dict[str, Any]:
    """Old and new values of the columns an update changed (sensitive ones masked)."""
    changed: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        hist = inspect(obj).attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            changed[attr.key] = [mask(attr.key, old), mask(attr.key, new)]
    return changed


def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    entries: list[tuple[str, str, str, dict[str, Any]]] = []
    for action, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if isinstance(obj, AuditRow | MetaRow) or not isinstance(obj, Base):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            table = obj.__table__.name  # type: ignore[attr-defined]
            state = inspect(obj)
            key = state.identity or state.mapper.primary_key_from_instance(obj)  # new rows: no identity yet
            entity_id = ",".join(str(k) for k in key if k is not None)
            detail = _changes(obj) if action == "update" else {}
            entries.append((action, table, entity_id, detail))
    if entries:
        clock: Clock = session.info["clock"]
        append(session.connection(), clock.now().datetime, session.info.get("actor_id"), entries)


def install(factory: sessionmaker[Session]) -> None:
    """Audit every write made through sessions of ``factory``."""
    event.listen(factory, "after_flush", _after_flush)


def head(conn: Connection) -> str:
    """The newest entry's hash (the genesis hash of an empty log)."""
    return conn.execute(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).scalar() or GENESIS


def count(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(AuditRow)) or 0)
