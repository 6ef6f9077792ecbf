"""The audit log: append-only, each entry chained to the previous one and signed with a key kept outside it.

Every row the ORM writes is audited automatically (``install``); services add events that are not writes
(sign-in, reveals, exports). Full ID and phone numbers never reach the log: they are masked first.

Each entry's hash covers its content and the previous entry's hash. Since the key (``audit.key`` beside the
settings, mode 0600, made on the first write) it is an HMAC-SHA256 under that key and the entry names the key
(``key_id``): someone who can drop the triggers and rewrite the table cannot make a chain that verifies without
the key file. Entries written before there was a key keep their plain SHA-256 and still verify, but only ahead
of the first signed one and from before the key's creation. ``verify`` also holds the chain against the count and
head hash it last found (``Checkpoint``, kept beside the key), so entries cut off the end show too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, func, insert, inspect, select, text
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from csm_tui.clock import Clock
from csm_tui.config import config_path
from csm_tui.domain.masking import mask_text
from csm_tui.domain.values import mask_mobile, mask_resident_id
from csm_tui.services.ports import StorageFailure
from storage.engine import sqlite_path
from storage.orm import AuditRow, Base, MetaRow

GENESIS = "0" * 64
KEY_FILE = "audit.key"
CHECKPOINT_FILE = "audit-checkpoints.json"
_MASKED = {"resident_id": mask_resident_id, "mobile": mask_mobile}
# Entities the log names by id and by the keys of what changed, never by value: a suspicion report's content, its
# decision's reason and whatever a check found in its text (the phrase check's phrases, the CSM's reason to keep
# them) are for its author and reviewers alone (no tipping off); the log keeps that it was filed or decided, and as
# what. Every entry naming the entity is sealed (``seal``): the ORM's updates and the services' own events alike.
_SEALED = {"aml_reports": frozenset({"status"})}
_DIGESTS = frozenset({"sha256", "previous_sha256", "fingerprint"})  # hashes, whose digit runs are no one's number
_PG_AUDIT_LOCK = 0x63736D02
_KEY_HEADER = "# csm-tui audit key: private (0600); back it up apart from the database, never inside it"


# --- the key ----------------------------------------------------------------------------------------------------


class AuditFileError(StorageFailure):
    """The key or checkpoint file cannot be read, written or understood."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class AuditKey:
    secret: bytes
    created: dt.datetime  # entries written since must be signed with it

    @property
    def key_id(self) -> str:
        """Names the key in each entry it signs, without giving anything of it away."""
        return hashlib.sha256(b"csm-tui audit key id\0" + self.secret).hexdigest()[:16]


def key_path() -> Path:
    """``audit.key`` beside the settings file (the user config directory, or ``CSM_CONFIG``'s folder)."""
    return config_path().parent / KEY_FILE


def load_key(path: Path | None = None) -> AuditKey | None:
    """The key in ``path`` (default ``key_path()``); None when there is no such file. A key file other accounts
    may read or write (its mode widened) is refused, as ssh refuses such a private key."""
    path = path or key_path()
    try:
        raw = path.read_text(encoding="ascii")
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditFileError(path, getattr(exc, "strerror", None) or type(exc).__name__) from None
    if os.name == "posix" and mode & 0o077:
        # Whoever can read the key can sign a rewritten chain: a key others may read or change signs nothing.
        raise AuditFileError(path, f"mode {mode:o}: chmod 600 {path}")
    fields = dict(line.split(" ", 1) for line in raw.splitlines() if line and not line.startswith("#") and " " in line)
    try:
        secret = bytes.fromhex(fields["secret"])
        created = dt.datetime.fromisoformat(fields["created"])
    except (KeyError, ValueError):
        raise AuditFileError(path, "not an audit key") from None
    if len(secret) < 32 or created.tzinfo is None:
        raise AuditFileError(path, "not an audit key")
    return AuditKey(secret, created.astimezone(dt.UTC))


def signing_key(at: dt.datetime, path: Path | None = None) -> AuditKey:
    """The key entries are signed with; made (mode 0600, dated ``at``) when there is none yet. Two processes
    making it at once end with the same key: the file takes its name only whole, and never over another."""
    path = path or key_path()
    key = load_key(path)
    if key is not None:
        return key
    made = AuditKey(secrets.token_bytes(32), at.astimezone(dt.UTC))
    body = f"{_KEY_HEADER}\ncreated {made.created.isoformat()}\nsecret {made.secret.hex()}\n"
    try:
        _write_private(path, body, replace=False)
    except FileExistsError:
        pass  # another process made it first: use theirs
    except OSError as exc:
        raise AuditFileError(path, exc.strerror or type(exc).__name__) from None
    key = load_key(path)
    assert key is not None
    return key


def _write_private(path: Path, body: str, *, replace: bool) -> None:
    """Write ``body`` to ``path`` readable by this account only, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:  # mkstemp makes it 0600
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(scratch, path)
        else:
            os.link(scratch, path)
    finally:
        Path(scratch).unlink(missing_ok=True)


# --- the chain --------------------------------------------------------------------------------------------------


def entry_hash(
    prev_hash: str,
    at: dt.datetime,
    staff_id: int | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any],
    key: AuditKey | None = None,
) -> str:
    """An entry's hash: SHA-256 of its content and the previous hash, or with ``key`` an HMAC-SHA256 under it."""
    body = json.dumps(
        [prev_hash, at.isoformat(), staff_id, action, entity, entity_id, detail],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    ).encode()
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key.secret, body, hashlib.sha256).hexdigest()


def append(
    conn: Connection,
    at: dt.datetime,
    staff_id: int | None,
    entries: list[tuple[str, str, str, dict[str, Any]]],
) -> None:
    """Append ``(action, entity, entity_id, detail)`` entries, each chained to the one before and signed."""
    if not entries:
        return
    if conn.dialect.name == "postgresql":
        # Serialise appenders so the chain never forks; released at the end of the transaction.
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    at_utc = at.astimezone(dt.UTC)
    key = signing_key(at_utc)
    prev = head(conn)
    rows = []
    for action, entity, entity_id, detail in entries:
        digest = entry_hash(prev, at_utc, staff_id, action, entity, entity_id, detail, key)
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
                "key_id": key.key_id,
            }
        )
        prev = digest
    conn.execute(insert(AuditRow), rows)


class Problem(StrEnum):
    """Why an entry does not verify."""

    LINK = "link"  # it does not follow the entry before it (that one was removed or changed)
    CONTENT = "content"  # its hash does not match its content: changed, or re-hashed without the key
    UNSIGNED = "unsigned"  # plain SHA-256 where only signed entries may stand (after signed ones, or since the key)
    OTHER_KEY = "other_key"  # signed with another key where only this one may stand
    CUT = "cut"  # fewer entries than the checkpoint counted: the newest were removed
    REWRITTEN = "rewritten"  # the checkpoint's entry is gone or changed: the chain was rewritten before it


@dataclass(frozen=True)
class Checkpoint:
    """The count, newest id and head hash a verification found: held against the next one."""

    count: int
    last_id: int
    head: str


@dataclass(frozen=True)
class Verdict:
    count: int
    head: str
    last_id: int
    signed: int  # entries whose signature was checked with the key
    unchecked: int  # entries signed with a key not at hand: their links checked, their content not
    unsigned: int  # entries from before the key, checked by their plain SHA-256
    broken: int | None = None  # the first entry that does not verify (None: the problem is the whole chain's)
    problem: Problem | None = None

    @property
    def holds(self) -> bool:
        return self.problem is None

    @property
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.count, self.last_id, self.head)


def check(conn: Connection, key: AuditKey | None, since: Checkpoint | None = None) -> Verdict:
    """Verify the whole chain: every link, every plain hash, every signature by ``key`` (without it, entries
    signed are checked by their links only), and that it still holds the entry ``since`` names at the same
    place, with as many entries at least."""
    prev, count, last_id = GENESIS, 0, 0
    signed = unchecked = unsigned = 0
    seen_signed = seen_ours = False
    reached = since is None or since.count == 0

    def verdict(broken: int | None, problem: Problem | None) -> Verdict:
        return Verdict(count, prev, last_id, signed, unchecked, unsigned, broken, problem)

    for row in conn.execute(select(AuditRow).order_by(AuditRow.id)).mappings():
        row_id = int(row["id"])
        if since is not None and not reached and row_id > since.last_id:
            return verdict(None, Problem.REWRITTEN)
        count += 1
        content = (row["at"], row["staff_id"], row["action"], row["entity"], row["entity_id"], row["detail"])
        key_id = row["key_id"]
        since_key = key is not None and row["at"] >= key.created
        problem: Problem | None = None
        if row["prev_hash"] != prev:
            problem = Problem.LINK
        elif key_id is None:
            if seen_signed or since_key:
                problem = Problem.UNSIGNED
            elif row["hash"] != entry_hash(row["prev_hash"], *content):
                problem = Problem.CONTENT
            unsigned += 1
        elif key is not None and key_id == key.key_id:
            if not hmac.compare_digest(row["hash"], entry_hash(row["prev_hash"], *content, key)):
                problem = Problem.CONTENT
            signed += 1
            seen_ours = True
        else:
            if seen_ours or since_key:
                problem = Problem.OTHER_KEY
            unchecked += 1
        if key_id is not None:
            seen_signed = True
        if problem is not None:
            return verdict(row_id, problem)
        prev, last_id = row["hash"], row_id
        if since is not None and row_id == since.last_id:
            if count != since.count or prev != since.head:
                return verdict(None, Problem.REWRITTEN)
            reached = True
    if not reached:
        return verdict(None, Problem.CUT if count < since.count else Problem.REWRITTEN)  # type: ignore[union-attr]
    return verdict(None, None)


# The triggers that keep the audit log append-only (migration 0004), the records immutable (0007) and the
# suspicion reports immutable but for the one decision (0011), by a reviewer of the report (0016), an event's
# capacity (0018), a prospect's numbers in their stored forms (0021: CHECK constraints on PostgreSQL) and a contact's
# tasks of its client, a 回访 done's 回访, a contacted task its client, kind and origin, a deleted contact's rows gone
# with it (SQLite) (0024), by table.
_AML_DECIDER = ("aml_reports_reviewer", "aml_reports_filed_open")
_GUARDS: dict[str, dict[str, tuple[str, ...]]] = {
    "postgresql": {
        "audit_events": ("audit_events_append_only", "audit_events_no_truncate"),
        "risk_assessments": ("risk_assessments_immutable", "risk_assessments_no_truncate"),
        "suitability_records": ("suitability_records_immutable", "suitability_records_no_truncate"),
        "sales": ("sales_immutable", "sales_cancel_only", "sales_no_truncate"),
        "aml_reports": ("aml_reports_immutable", "aml_reports_no_truncate", *_AML_DECIDER),
        "event_invitations": ("event_invitations_capacity",),
        "events": ("events_capacity_attended",),
        "prospects": ("ck_prospects_mobile", "ck_prospects_resident_id"),
        "contacts": ("contacts_task",),
        "contact_tasks": ("contact_tasks_answered",),
        "tasks": ("tasks_contacted",),
    },
    "sqlite": {
        **{
            table: (f"{table}_no_update", f"{table}_no_delete")
            for table in ("audit_events", "risk_assessments", "suitability_records", "sales")
        },
        "aml_reports": ("aml_reports_no_update", "aml_reports_no_delete", *_AML_DECIDER),
        "event_invitations": ("event_invitations_capacity_insert", "event_invitations_capacity_update"),
        "events": ("events_capacity_attended",),
        "prospects": ("prospects_number_forms_insert", "prospects_number_forms_update"),
        "contacts": ("contacts_task_insert", "contacts_task_update", "contacts_delete_links"),
        "contact_tasks": ("contact_tasks_answered_insert", "contact_tasks_answered_update"),
        "tasks": ("tasks_contacted_update",),
    },
}


# The unique indexes that hold one person to one prospect someone follows (0020) and a 沃德 client to one 沃德 client
# manager's book (0023), by table: on either backend.
_UNIQUE_GUARDS = {
    "prospects": ("uq_prospects_followed_mobile", "uq_prospects_followed_resident_id"),
    "referrals": ("uq_referrals_wode_accepted",),
}


def missing_guards(conn: Connection) -> list[str]:
    """The guarding triggers, CHECK constraints (PostgreSQL) and unique indexes that are not in place on their
    tables, or are disabled (a trigger; a constraint not validated; an index not unique, or left invalid by a failed
    build): dropped, or left on a table renamed away while an unguarded one took its name; and on PostgreSQL, as
    ``function() search_path``, a function of those triggers run with no fixed search path. (A trigger or a
    constraint replaced by one of the same name that lets everything through, an index by one of the same name on
    other columns, or a PostgreSQL session in replica mode, is not seen here: see README's threat model.)"""
    guards = _GUARDS["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    expected = {
        table: (*guards.get(table, ()), *_UNIQUE_GUARDS.get(table, ())) for table in {**guards, **_UNIQUE_GUARDS}
    }
    if conn.dialect.name == "postgresql":
        found = conn.execute(
            text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal "
                "AND t.tgenabled IN ('O', 'A') "
                "UNION ALL SELECT c.relname, i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class c ON c.oid = x.indrelid WHERE c.relnamespace = current_schema()::regnamespace "
                "AND x.indisunique AND x.indisvalid "
                "UNION ALL SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND k.contype = 'c' AND k.convalidated"
            )
        ).all()
    else:
        found = conn.execute(
            text(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                "OR (type = 'index' AND upper(sql) LIKE 'CREATE UNIQUE INDEX%')"
            )
        ).all()
    present = {(str(table), str(name)) for table, name in found}
    missing = [f"{table}.{name}" for table, names in expected.items() for name in names if (table, name) not in present]
    if conn.dialect.name == "postgresql":
        missing += [f"{function}() search_path" for function in _unfixed_functions(conn, guards)]
    return missing


def _unfixed_functions(conn: Connection, guards: dict[str, tuple[str, ...]]) -> list[str]:
    """The functions our guarding triggers run (PostgreSQL) that do not fix their search path to the schema, then
    ``pg_temp`` (0024): a session's temporary table named as one of ours would stand in for it in their check."""
    triggers = sorted({name for names in guards.values() for name in names})
    return list(
        conn.execute(
            text(
                "SELECT DISTINCT p.proname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE c.relnamespace = current_schema()::regnamespace "
                "AND NOT t.tgisinternal AND t.tgname = ANY(:triggers) AND NOT ('search_path=' || "
                "quote_ident(current_schema()) || ', pg_temp') = ANY(coalesce(p.proconfig, '{}')) ORDER BY p.proname"
            ),
            {"triggers": triggers},
        ).scalars()
    )


def verify(conn: Connection) -> int | None:
    """The id of the first entry that does not verify with this installation's key, or None when the chain
    holds."""
    return check(conn, load_key()).broken


# --- checkpoints --------------------------------------------------------------------------------------------


def database_name(engine: Engine) -> str:
    """The database a checkpoint is kept for: a SQLite file's absolute path, else the URL without its password."""
    path = sqlite_path(engine.url)
    return str(path.resolve()) if path is not None else engine.url.render_as_string(hide_password=True)


def checkpoint_path() -> Path:
    return config_path().parent / CHECKPOINT_FILE


def _checkpoints(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditFileError(path, getattr(exc, "strerror", None) or type(exc).__name__) from None
    try:
        data = json.loads(raw)
    except ValueError:
        raise AuditFileError(path, "not a checkpoint file") from None
    if not isinstance(data, dict):
        raise AuditFileError(path, "not a checkpoint file")
    return data


def last_checkpoint(database: str, path: Path | None = None) -> Checkpoint | None:
    """The checkpoint recorded for ``database`` (a URL without its password), if any."""
    path = path or checkpoint_path()
    entry = _checkpoints(path).get(database)
    if entry is None:
        return None
    try:
        return Checkpoint(int(entry["count"]), int(entry["last_id"]), str(entry["head"]))
    except (KeyError, TypeError, ValueError):
        raise AuditFileError(path, "not a checkpoint file") from None


def record_checkpoint(database: str, checkpoint: Checkpoint, path: Path | None = None) -> None:
    path = path or checkpoint_path()
    data = _checkpoints(path)
    data[database] = {"count": checkpoint.count, "last_id": checkpoint.last_id, "head": checkpoint.head}
    try:
        _write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n", replace=True)
    except OSError as exc:
        raise AuditFileError(path, exc.strerror or type(exc).__name__) from None


# --- masking ------------------------------------------------------------------------------------------------


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
            detail = seal(table, detail)
            entries.append((action, table, entity_id, detail))
    if entries:
        clock: Clock = session.info["clock"]
        append(session.connection(), clock.now().datetime, session.info.get("actor_id"), entries)


def seal(entity: str, detail: dict[str, Any]) -> dict[str, Any]:
    """``detail`` as the log may keep it for ``entity``: a sealed entity's values replaced by "changed" but for the
    keys it may name (a report's decision, as what)."""
    kept = _SEALED.get(entity)
    if kept is None:
        return detail
    return {k: v if k in kept else "changed" for k, v in detail.items()}


def install(factory: sessionmaker[Session]) -> None:
    """Audit every write made through sessions of ``factory``."""
    event.listen(factory, "after_flush", _after_flush)


def head(conn: Connection) -> str:
    """The newest entry's hash (the genesis hash of an empty log)."""
    return conn.execute(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).scalar() or GENESIS


def count(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(AuditRow)) or 0)
