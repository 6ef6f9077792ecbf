"""Suspicion reports: the database holds who may decide one, and when.

0011 lets an UPDATE of ``aml_reports`` through only as the one decision of an open report. This migration adds
what the decision must be, whatever path it takes (the service, a script, a hand-written statement):

- the decider is not the report's author (nobody reviews their own report);
- the decider is an active staff member who may review it: a supervisor of the report's outlet, or an admin (the
  policy's ``[aml] reviewer`` picks between the two, with the other as the fallback when nobody of the first is
  active; the database, which does not read the policy, allows both);
- the decision is no earlier than the filing (``decided_at >= filed_at``; SQLite compares julian days, as 0007
  does, since text written by hand may not be in the ORM's format).

A report is stored open (undecided) or, when a whole branch is copied to another database (``storage.copy``, which
inserts every row as it stands), decided with a decider who is not its author, a decision no earlier than its
filing and a reason. A copy is why an INSERT is not held to the decider being active and a reviewer now: a
supervisor who decided a report last year may have left since.

A later migration that rebuilds ``aml_reports`` or ``staff`` in a batch operation (which drops and renames tables
on SQLite) must create these triggers again, as 0011's.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLE = "aml_reports"
REVIEWER = f"{TABLE}_reviewer"
FILED = f"{TABLE}_filed_open"
# (No apostrophe in the messages: they are SQL string literals.)
MESSAGE = (
    "suspicion report decision refused: the decider must be an active supervisor of the outlet of the report "
    "or an admin, not its author, and decide no earlier than the report was filed"
)
FILED_MESSAGE = (
    "suspicion report refused: a report is stored open, or decided by someone other than its author, "
    "no earlier than it was filed, with a reason"
)
# Whoever may decide: active, and an admin or a supervisor of the report's outlet.
MAY_REVIEW = (
    "EXISTS (SELECT 1 FROM staff s WHERE s.id = NEW.decided_by AND s.active "
    "AND (s.role = 'admin' OR (s.role = 'supervisor' AND s.outlet_id = OLD.outlet_id)))"
)
# A decision being recorded (0011 refuses every other update, and any change of a decided report).
DECIDING = "NEW.decided_by IS NOT NULL AND OLD.decided_by IS NULL"


def _after_filing(new: str, old: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"{new}.decided_at >= {old}.filed_at"
    return f"julianday({new}.decided_at) >= julianday({old}.filed_at)"


def _decision(dialect: str) -> str:
    return f"NEW.decided_by <> OLD.staff_id AND {_after_filing('NEW', 'OLD', dialect)} AND {MAY_REVIEW}"


def _stored(dialect: str) -> str:
    """A row as inserted: open and undecided, or decided by someone else than its author, after it, with a reason."""
    return (
        "(NEW.status = 'open' AND NEW.decided_by IS NULL AND NEW.decided_at IS NULL AND NEW.decision_reason = '') "
        "OR (NEW.status IN ('reported', 'dismissed') AND NEW.decided_by IS NOT NULL "
        f"AND NEW.decided_by <> NEW.staff_id AND {_after_filing('NEW', 'NEW', dialect)} "
        "AND length(trim(NEW.decision_reason)) > 0)"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION aml_reports_decider() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF {DECIDING} AND NOT COALESCE({_decision('postgresql')}, false) THEN "
            f"RAISE EXCEPTION '{MESSAGE}'; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE FUNCTION aml_reports_filed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NOT COALESCE({_stored('postgresql')}, false) THEN RAISE EXCEPTION '{FILED_MESSAGE}'; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {REVIEWER} BEFORE UPDATE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION aml_reports_decider()"
        )
        op.execute(f"CREATE TRIGGER {FILED} BEFORE INSERT ON {TABLE} FOR EACH ROW EXECUTE FUNCTION aml_reports_filed()")
        return
    op.execute(
        f"CREATE TRIGGER {REVIEWER} BEFORE UPDATE ON {TABLE} "
        f"WHEN {DECIDING} AND NOT COALESCE({_decision('sqlite')}, 0) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        f"CREATE TRIGGER {FILED} BEFORE INSERT ON {TABLE} "
        f"WHEN NOT COALESCE({_stored('sqlite')}, 0) "
        f"BEGIN SELECT RAISE(ABORT, '{FILED_MESSAGE}'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {FILED} ON {TABLE}")
        op.execute(f"DROP TRIGGER {REVIEWER} ON {TABLE}")
        op.execute("DROP FUNCTION aml_reports_filed()")
        op.execute("DROP FUNCTION aml_reports_decider()")
    else:
        op.execute(f"DROP TRIGGER {FILED}")
        op.execute(f"DROP TRIGGER {REVIEWER}")
