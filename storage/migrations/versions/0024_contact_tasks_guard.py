"""A contact tied only to its own client's tasks, and a 回访 done only to a 回访, held by the database.

``ContactRepository`` refuses a contact on a task of another client, a 回访 done (``service_done``) on a task that is
no 回访, and a further task (``contact_tasks``, 0022) that the contact's 回访 done does not answer; a script or a
hand-written statement would not ask it. Triggers refuse the same whatever path the write takes, before an insert
or an update:

- ``contacts_task_insert`` / ``_update`` (PostgreSQL: ``contacts_task``): a contact's ``task_id`` names a task of
  its client; a 回访 done's, where it names one, a 回访 or a callback a contact booked (the retry of an unanswered
  one); a contact that answered further tasks stays a 回访 done of their client;
- ``contact_tasks_answered_insert`` / ``_update`` (PostgreSQL: ``contact_tasks_answered``): a further task is
  tied to a 回访 done only, and is a 回访 or a callback a contact booked, of the contact's client, and not the
  contact's own task (whose the task is, the contact's maker's or the client's manager's, is the repository's to
  check when it writes: the client's manager changes, and a copy of the branch brings the rows of before);
- ``tasks_contacted_update`` (PostgreSQL: ``tasks_contacted``): a task a contact names or answered keeps its client,
  its kind and its origin (its staff may change: a client given to another manager takes their tasks along);
- ``contacts_delete_links`` (SQLite): a contact deleted takes its ``contact_tasks`` rows along even with foreign keys
  off (the ``sqlite3`` shell's default), so the contact written next under its id does not inherit them.

The database sees one step of a retry's chain (a callback booked by a contact); the repository follows the chain
back to the 回访 (``follows_service_callback``: SQLite allows no recursive query in a trigger). Rows written before
this revision are left as they are (a trigger checks the rows it is given).

On PostgreSQL the trigger functions of this revision, and those of earlier revisions (0004, 0007, 0011, 0016, 0018),
run with the search path fixed to the schema migrated and ``pg_temp`` last: a session's temporary table named as
one of ours (``pg_temp`` is searched first by default) does not stand in for it in the check.

A later migration that rebuilds ``contacts``, ``contact_tasks`` or ``tasks`` in a batch operation (which copies the table on
SQLite) must create these triggers again.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

CONTACTS = "contacts"
LINKS = "contact_tasks"
TASKS = "tasks"
TASK = f"{CONTACTS}_task"
ANSWERED = f"{LINKS}_answered"
CONTACTED = f"{TASKS}_contacted"
DELETED = f"{CONTACTS}_delete_links"
# (No apostrophe: they are SQL string literals.)
TASK_REFUSED = (
    "contact refused: its task is a task of its client, a service callback done is on a service callback, and the "
    "further tasks it answered stay those of its client, answered by a service callback done"
)
LINK_REFUSED = (
    "contact task refused: a further task is a service callback of the client of the service callback done that "
    "answered it, and not its own task"
)
CONTACTED_REFUSED = "task refused: a task a contact names or answered keeps its client, its kind and its origin"
# A 回访, or a callback a contact booked (the retry of an unanswered call): what a 回访 done may answer.
SERVICE_CALL = "(t.kind = 'service_callback' OR (t.kind = 'callback' AND t.origin = 'contact'))"
TASK_OK = (
    "(NEW.task_id IS NULL OR EXISTS (SELECT 1 FROM tasks t WHERE t.id = NEW.task_id AND t.client_id = NEW.client_id "
    f"AND (NEW.disposition <> 'service_done' OR {SERVICE_CALL}))) "
    "AND NOT EXISTS (SELECT 1 FROM contact_tasks l JOIN tasks u ON u.id = l.task_id WHERE l.contact_id = NEW.id "
    "AND (NEW.disposition <> 'service_done' OR u.client_id <> NEW.client_id))"
)
LINK_OK = (
    "EXISTS (SELECT 1 FROM contacts c JOIN tasks t ON t.id = NEW.task_id "
    "WHERE c.id = NEW.contact_id AND c.disposition = 'service_done' AND t.client_id = c.client_id "
    f"AND (c.task_id IS NULL OR c.task_id <> t.id) AND {SERVICE_CALL})"
)
KEPT = (
    "NEW.client_id = OLD.client_id AND NEW.kind = OLD.kind AND NEW.origin = OLD.origin "
    "AND coalesce(NEW.origin_id = OLD.origin_id, NEW.origin_id IS NULL AND OLD.origin_id IS NULL)"
)
CONTACTED_OK = (
    f"({KEPT}) OR (NOT EXISTS (SELECT 1 FROM contacts c WHERE c.task_id = OLD.id) "
    "AND NOT EXISTS (SELECT 1 FROM contact_tasks l WHERE l.task_id = OLD.id))"
)
# The guarding trigger functions of earlier revisions (PostgreSQL): 0004, 0007, 0011, 0016, 0018.
EARLIER = (
    "audit_events_append_only", "records_immutable", "sales_cancel_only", "aml_reports_decide_once",
    "aml_reports_decider", "aml_reports_filed", "event_invitations_capacity", "events_capacity_attended",
)  # fmt: skip
INSERT = ("insert", "INSERT")
# Each guard: its name, its table, what a row must hold, the refusal, the writes checked (SQLite: a trigger each,
# named by its suffix).
GUARDS = (
    (TASK, CONTACTS, TASK_OK, TASK_REFUSED, (INSERT, ("update", "UPDATE OF client_id, task_id, disposition"))),
    (ANSWERED, LINKS, LINK_OK, LINK_REFUSED, (INSERT, ("update", "UPDATE"))),
    (CONTACTED, TASKS, CONTACTED_OK, CONTACTED_REFUSED, (("update", "UPDATE OF client_id, kind, origin, origin_id"),)),
)


def _fixed_search_path() -> str:
    """The schema migrated, then ``pg_temp``: PostgreSQL's advice for a function a trigger runs."""
    schema = op.get_bind().scalar(text("SELECT quote_ident(current_schema())"))
    return f"SET search_path = {schema}, pg_temp"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        search_path = _fixed_search_path()
        for function in EARLIER:
            op.execute(f"ALTER FUNCTION {function}() {search_path}")
        for name, table, ok, message, writes in GUARDS:
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql {search_path} AS $$ BEGIN "
                f"IF NOT ({ok}) THEN RAISE EXCEPTION '{message}'; END IF; RETURN NEW; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {' OR '.join(when for _, when in writes)} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        return
    for name, table, ok, message, writes in GUARDS:
        for suffix, when in writes:
            op.execute(
                f"CREATE TRIGGER {name}_{suffix} BEFORE {when} ON {table} WHEN NOT ({ok}) "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    op.execute(
        f"CREATE TRIGGER {DELETED} AFTER DELETE ON {CONTACTS} BEGIN DELETE FROM {LINKS} WHERE contact_id = OLD.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, *_ in reversed(GUARDS):
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
        for function in EARLIER:
            op.execute(f"ALTER FUNCTION {function}() RESET search_path")
        return
    op.execute(f"DROP TRIGGER {DELETED}")
    for name, *_, writes in reversed(GUARDS):
        for suffix, _ in reversed(writes):
            op.execute(f"DROP TRIGGER {name}_{suffix}")
