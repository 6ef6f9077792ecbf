"""An event's capacity held by the database: no attendance beyond it, whatever path the write takes.

The check-in service locks the event and counts who is in before it marks one more (and says ``event_full`` in the
user's language); this migration refuses the same in the database, for a write that does not go through it (a
script, a hand-written statement, a future path that forgets to count):

- an invitation row that becomes attended (inserted attended, its ``attended_at`` set, or moved to another event
  while attended) is refused when its event already has ``capacity`` attendees besides it;
- an event's capacity is not lowered below the attendees it has.

PostgreSQL: the trigger holds the event row (``FOR NO KEY UPDATE``, which an invitation's foreign-key check does not
wait for) before counting, so two sessions checking people in at once are counted one after the other whatever
path they take; SQLite serialises writers already. ``storage.events`` turns the refusal into ``event_full``, should
it ever fire under the service.

A later migration that rebuilds ``event_invitations`` or ``events`` in a batch operation (which drops and renames
tables on SQLite) must create these triggers again.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

INVITATIONS = "event_invitations"
ATTENDED = f"{INVITATIONS}_capacity"
EVENTS = "events"
CAPACITY = f"{EVENTS}_capacity_attended"
# (No apostrophe: they are SQL string literals. ``storage.events.CAPACITY_REFUSED`` is the first words.)
MESSAGE = "event capacity reached: an attendance beyond the capacity of the event is refused"
LOWERED = "event capacity reached: the capacity of an event is not lowered below its attendees"
# Attendees of NEW's event (other than NEW, on an UPDATE: an inserted row is not in the table yet, and SQLite has
# no id for it before the insert), and the event's capacity.
IN_ALREADY = f"(SELECT count(*) FROM {INVITATIONS} i WHERE i.event_id = NEW.event_id AND i.attended_at IS NOT NULL)"
OTHERS_IN = f"{IN_ALREADY[:-1]} AND i.id <> NEW.id)"
ROOM = f"(SELECT e.capacity FROM {EVENTS} e WHERE e.id = NEW.event_id)"
IN_NOW = f"(SELECT count(*) FROM {INVITATIONS} i WHERE i.event_id = NEW.id AND i.attended_at IS NOT NULL)"
# An UPDATE that makes the row an attendance of its event: newly attended, or moved while attended.
BECOMES = "NEW.attended_at IS NOT NULL AND (OLD.attended_at IS NULL OR NEW.event_id <> OLD.event_id)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION event_invitations_capacity() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.attended_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.attended_at IS NULL "
            "OR NEW.event_id <> OLD.event_id) THEN "
            f"PERFORM 1 FROM {EVENTS} WHERE id = NEW.event_id FOR NO KEY UPDATE; "
            f"IF {OTHERS_IN} >= {ROOM} THEN RAISE EXCEPTION '{MESSAGE}'; END IF; "
            "END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE FUNCTION events_capacity_attended() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.capacity < OLD.capacity AND {IN_NOW} > NEW.capacity THEN RAISE EXCEPTION '{LOWERED}'; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {ATTENDED} BEFORE INSERT OR UPDATE ON {INVITATIONS} "
            "FOR EACH ROW EXECUTE FUNCTION event_invitations_capacity()"
        )
        op.execute(
            f"CREATE TRIGGER {CAPACITY} BEFORE UPDATE ON {EVENTS} "
            "FOR EACH ROW EXECUTE FUNCTION events_capacity_attended()"
        )
        return
    op.execute(
        f"CREATE TRIGGER {ATTENDED}_insert BEFORE INSERT ON {INVITATIONS} "
        f"WHEN NEW.attended_at IS NOT NULL AND {IN_ALREADY} >= {ROOM} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        f"CREATE TRIGGER {ATTENDED}_update BEFORE UPDATE ON {INVITATIONS} "
        f"WHEN {BECOMES} AND {OTHERS_IN} >= {ROOM} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        f"CREATE TRIGGER {CAPACITY} BEFORE UPDATE ON {EVENTS} "
        f"WHEN NEW.capacity < OLD.capacity AND {IN_NOW} > NEW.capacity "
        f"BEGIN SELECT RAISE(ABORT, '{LOWERED}'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {CAPACITY} ON {EVENTS}")
        op.execute(f"DROP TRIGGER {ATTENDED} ON {INVITATIONS}")
        op.execute("DROP FUNCTION events_capacity_attended()")
        op.execute("DROP FUNCTION event_invitations_capacity()")
    else:
        op.execute(f"DROP TRIGGER {CAPACITY}")
        op.execute(f"DROP TRIGGER {ATTENDED}_update")
        op.execute(f"DROP TRIGGER {ATTENDED}_insert")
