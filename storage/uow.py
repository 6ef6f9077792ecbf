"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from csm_tui.clock import Clock
from csm_tui.domain.models import AuditEvent, Staff
from csm_tui.policy import LeaveCalls
from csm_tui.services.ports import AuditCheck, SessionEnded, StorageFailure
from storage import audit, score_tallies
from storage import engine as engine_module
from storage.access import Access
from storage.aml import SqlAml
from storage.checklists import ChecklistRepository, ProductReadRepository
from storage.engine import SQLITE_BEGIN, failure_cause, make_session_factory
from storage.events import SqlEvents
from storage.households import SqlHouseholds
from storage.importer import SqlImports
from storage.leave import SqlLeave
from storage.orm import AuditRow, StaffRow
from storage.prospects import SqlProspects
from storage.repositories import (
    AppointmentRepository,
    AssessmentRepository,
    BalanceRepository,
    ClientRepository,
    ContactRepository,
    HoldingRepository,
    MetaRepository,
    OutletRepository,
    ProductRepository,
    ReferralRepository,
    SaleRepository,
    StaffRepository,
    SuitabilityRepository,
    TaskRepository,
)
from storage.score_records import SqlScoreRecords
from storage.score_views import SqlScoreViews
from storage.views import SqlViews

log = logging.getLogger(__name__)
BEGIN_ATTEMPTS = 5  # each after the driver's own wait of BUSY_TIMEOUT_MS
_REPOSITORIES = (
    "meta", "outlets", "staff", "clients", "products", "holdings", "balances", "contacts", "tasks", "appointments",
    "assessments", "suitability", "sales", "referrals", "checklists", "product_reads", "households", "leave",
    "aml", "events", "prospects", "audit", "views", "imports", "score_views", "scores",
)  # fmt: skip


class ReadOnlyUnitOfWork(Exception):
    """A write was attempted in a unit of work opened for reading."""


class SqlAuditLog:
    """Anyone's actions are recorded; the log is read by the admin (and the system), one staff member's count of an
    action by whoever may act for them."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def record(self, action: str, entity: str = "", entity_id: str = "", **detail: Any) -> None:
        info = self.session.info
        if not info.get("write"):
            raise ReadOnlyUnitOfWork()
        entry = (action, entity, entity_id, audit.seal(entity, {k: audit.mask(k, v) for k, v in detail.items()}))
        audit.append(self.session.connection(), info["clock"].now().datetime, info.get("actor_id"), [entry])

    def recent(self, limit: int = 50) -> list[AuditEvent]:
        self.access.require_admin("audit")
        rows = self.session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
        return [AuditEvent.model_validate(r, from_attributes=True) for r in rows]

    def last_of(self, action: str, limit: int = 5) -> list[AuditEvent]:
        """The newest events ``action`` (the admin's: the last imports), newest first."""
        self.access.require_admin("audit")
        rows = self.session.scalars(
            select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.id.desc()).limit(limit)
        )
        return [AuditEvent.model_validate(r, from_attributes=True) for r in rows]

    def check(self) -> AuditCheck:
        """The admin's check of the whole chain with this installation's key, against the last checkpoint (the
        newest entries cut), and of the guarding triggers."""
        self.access.require_admin("audit")
        conn = self.session.connection()
        try:  # and that it still holds what the last verification (``csm admin audit verify``) found
            since = audit.last_checkpoint(audit.database_name(conn.engine))
        except audit.AuditFileError:
            return AuditCheck(0, None, "checkpoint", tuple(audit.missing_guards(conn)))  # no hiding a cut by it
        verdict = audit.check(conn, audit.load_key(), since)
        problem = verdict.problem.value if verdict.problem is not None else ""
        return AuditCheck(verdict.count, verdict.broken, problem, tuple(audit.missing_guards(conn)))

    def count(self, action: str, staff_id: int, since: dt.datetime) -> int:
        """Read from the index on the time: the last hour's events, whatever the size of the log."""
        self.access.require_act_for(staff_id, "audit")
        query = select(func.count()).where(
            AuditRow.at >= since, AuditRow.staff_id == staff_id, AuditRow.action == action
        )
        return int(self.session.scalar(query) or 0)


class SqlUnitOfWork:
    """One user action's transaction. ``access`` answers who may see and do what (``storage.access``), once for
    the unit; the repositories and read models all ask it."""

    def __init__(
        self, factory: sessionmaker[Session], clock: Clock, actor: Staff | None, *, write: bool = False,
        listeners: Sequence[Callable[[], None]] = (), ended: Sequence[Callable[[], None]] = (),
        leave_calls: LeaveCalls | None = None,
    ) -> None:  # fmt: skip
        self._factory = factory
        self._leave_calls = leave_calls
        self._listeners = listeners
        self._ended = ended
        self._clock = clock
        self._actor = actor
        self.actor = actor  # as signed in; re-read from the database when the unit starts
        self._write = write

    def __enter__(self) -> Self:
        session = self.session = self._factory()
        session.info.update(
            clock=self._clock, actor_id=self._actor.id if self._actor else None, write=self._write,
            leave_calls=self._leave_calls,
        )  # fmt: skip
        if self._write:
            self._begin_write(session)
        try:
            if not self._write and self._commits_reads(session):
                # BEGIN READ ONLY: psycopg's access for the connection's next transaction, set back to the server's
                # default when the pool takes the connection back (``storage.engine``)
                driver = session.connection().connection.dbapi_connection
                if driver is not None:
                    driver.read_only = True
            actor = self.actor = self._current_actor(session)
        except SQLAlchemyError as exc:  # the server gone, the file unreadable: said like a failure inside the unit
            session.close()
            raise StorageFailure(failure_cause(exc)) from exc
        self.access = Access(session, actor)
        for name in _REPOSITORIES:  # a unit of work entered again builds them afresh, on its new session
            self.__dict__.pop(name, None)
        return self

    # The repositories and read models, each built when first used: a search keystroke's unit of work builds one.

    @cached_property
    def meta(self) -> MetaRepository:
        return MetaRepository(self.session, self.access)

    @cached_property
    def outlets(self) -> OutletRepository:
        return OutletRepository(self.session, self.access)

    @cached_property
    def staff(self) -> StaffRepository:
        return StaffRepository(self.session, self.access)

    @cached_property
    def clients(self) -> ClientRepository:
        return ClientRepository(self.session, self.access)

    @cached_property
    def products(self) -> ProductRepository:
        return ProductRepository(self.session, self.access)

    @cached_property
    def holdings(self) -> HoldingRepository:
        return HoldingRepository(self.session, self.access)

    @cached_property
    def balances(self) -> BalanceRepository:
        return BalanceRepository(self.session, self.access)

    @cached_property
    def contacts(self) -> ContactRepository:
        return ContactRepository(self.session, self.access)

    @cached_property
    def tasks(self) -> TaskRepository:
        return TaskRepository(self.session, self.access)

    @cached_property
    def appointments(self) -> AppointmentRepository:
        return AppointmentRepository(self.session, self.access)

    @cached_property
    def assessments(self) -> AssessmentRepository:
        return AssessmentRepository(self.session, self.access)

    @cached_property
    def suitability(self) -> SuitabilityRepository:
        return SuitabilityRepository(self.session, self.access)

    @cached_property
    def sales(self) -> SaleRepository:
        return SaleRepository(self.session, self.access)

    @cached_property
    def referrals(self) -> ReferralRepository:
        return ReferralRepository(self.session, self.access)

    @cached_property
    def checklists(self) -> ChecklistRepository:
        return ChecklistRepository(self.session, self.access)

    @cached_property
    def product_reads(self) -> ProductReadRepository:
        return ProductReadRepository(self.session, self.access)

    @cached_property
    def households(self) -> SqlHouseholds:
        return SqlHouseholds(self.session, self.access)

    @cached_property
    def leave(self) -> SqlLeave:
        return SqlLeave(self.session, self.access)

    @cached_property
    def aml(self) -> SqlAml:
        return SqlAml(self.session, self.access)

    @cached_property
    def events(self) -> SqlEvents:
        return SqlEvents(self.session, self.access)

    @cached_property
    def prospects(self) -> SqlProspects:
        return SqlProspects(self.session, self.access)

    @cached_property
    def audit(self) -> SqlAuditLog:
        return SqlAuditLog(self.session, self.access)

    @cached_property
    def views(self) -> SqlViews:
        return SqlViews(self.session, self.access)

    @cached_property
    def imports(self) -> SqlImports:
        """The bulk import's store, for the admin (as the database holds the role now) and the system only: it reads
        every client's numbers and writes past the repositories' per-row checks (``AccessDenied`` for anyone else)."""
        return SqlImports(self.session, self.access)

    @cached_property
    def score_views(self) -> SqlScoreViews:
        return SqlScoreViews(self.session, self.access)

    @cached_property
    def scores(self) -> SqlScoreRecords:
        return SqlScoreRecords(self.session, self.access)

    def _current_actor(self, session: Session) -> Staff | None:
        """The acting staff member as the database holds them now, read inside this unit's transaction: a session
        outlives no deactivation or removal (``SessionEnded``, nothing done), and a changed role counts from the
        next action on, whatever was read at sign-in."""
        actor = self._actor
        if actor is None:
            return None
        row = session.execute(
            select(StaffRow.role, StaffRow.grade, StaffRow.active, StaffRow.supervisor_id, StaffRow.outlet_id).where(
                StaffRow.id == actor.id
            )
        ).one_or_none()
        if row is None or not row.active:
            session.rollback()
            session.close()
            for listener in self._ended:
                try:
                    listener()
                except Exception as exc:  # the refusal stands whatever a listener does
                    log.error("session end listener failed: %s", type(exc).__name__)
            raise SessionEnded(actor.login)
        fresh = {"role": row.role, "grade": row.grade, "supervisor_id": row.supervisor_id, "outlet_id": row.outlet_id}
        return actor.model_copy(update=fresh)

    @staticmethod
    def _commits_reads(session: Session) -> bool:
        """PostgreSQL: a unit opened for reading runs READ ONLY (the server refuses any write in it, besides the
        session's own refusal) and ends in COMMIT, which keeps the statements psycopg has prepared on the connection:
        a ROLLBACK makes psycopg drop them all. A table altered under them by another session (a migration while
        apps run) fails the next run of such a statement once per connection; that unit's rollback drops them. SQLite's
        units end in ROLLBACK, as every unit not committed."""
        return session.get_bind().dialect.name == "postgresql"

    @staticmethod
    def _begin_write(session: Session) -> None:
        """SQLite: BEGIN IMMEDIATE, so a read-then-write never fails half way with "database is locked". The
        driver waits up to the busy timeout for the lock; under a long burst of writers it tries again, so a
        user waits rather than sees the error (the transaction has not started: nothing is lost)."""
        for attempt in range(1, BEGIN_ATTEMPTS + 1):
            try:
                connection = session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
                if connection.dialect.name == "postgresql":
                    # A row or table lock another session holds is waited for as long as SQLite waits for its
                    # write lock, then the save fails as "locked" (nothing written) rather than waiting for ever.
                    session.execute(text(f"SET LOCAL lock_timeout = {int(engine_module.BUSY_TIMEOUT_MS)}"))
                return
            except OperationalError as exc:
                session.rollback()
                if attempt == BEGIN_ATTEMPTS or "locked" not in str(exc.orig):
                    session.close()
                    raise StorageFailure(failure_cause(exc)) from exc
                time.sleep(0.05 * attempt)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is None and not self._write and self._commits_reads(self.session):
                self.session.expunge_all()  # what a read unit has changed or added is never written
                self.session.commit()
        except SQLAlchemyError as failed:
            exc = failed
        finally:
            self.session.rollback()
            self.session.close()
        if isinstance(exc, SQLAlchemyError):
            # The transaction was rolled back whole; the caller learns it failed, not the driver's details.
            raise StorageFailure(failure_cause(exc)) from exc

    def commit(self) -> None:
        self.session.commit()
        for listener in self._listeners:
            try:
                listener()
            except Exception as exc:  # the write is committed; a listener's failure must not say otherwise
                log.error("commit listener failed: %s", type(exc).__name__)

    def rollback(self) -> None:
        self.session.rollback()


def _refuse_read_only_writes(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    if not session.info.get("write") and (session.new or session.dirty or session.deleted):
        raise ReadOnlyUnitOfWork()


class SqlUnitOfWorkFactory:
    """Makes units of work acting for one staff member (or for the system when ``actor`` is None)."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        actor: Staff | None = None,
        listeners: list[Callable[[], None]] | None = None,
        ended: list[Callable[[], None]] | None = None,
        leave_calls: LeaveCalls | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.actor = actor
        # The workstation's own ``[leave] calls``: where it lets the calls wait, nobody covers in its units of work
        # whatever the branch's recorded policy says (``storage.access.leave_calls_wait``; a policy only stricter).
        self.leave_calls = leave_calls
        self._listeners = [] if listeners is None else listeners  # shared with the factories ``acting_as`` makes
        self._ended: list[Callable[[], None]] = [] if ended is None else ended
        self._sessions = make_session_factory(engine)
        audit.install(self._sessions)
        score_tallies.install(self._sessions)  # in the same transaction as the writes they count
        from sqlalchemy import event

        event.listen(self._sessions, "before_flush", _refuse_read_only_writes)

    def acting_as(self, actor: Staff | None, leave_calls: LeaveCalls | None = None) -> SqlUnitOfWorkFactory:
        return SqlUnitOfWorkFactory(
            self.engine, self.clock, actor, self._listeners, self._ended, leave_calls or self.leave_calls
        )

    def on_commit(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def on_session_end(self, listener: Callable[[], None]) -> None:
        self._ended.append(listener)

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self._sessions, self.clock, self.actor, write=write, listeners=self._listeners, ended=self._ended,
            leave_calls=self.leave_calls,
        )  # fmt: skip
