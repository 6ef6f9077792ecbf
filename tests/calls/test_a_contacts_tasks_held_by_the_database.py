"""A contact's tasks held by the database (migration 0024), on SQLite and PostgreSQL, from the hostile side: plain
SQL cannot tie a contact to another client's task nor a 回访 done to a task that is no 回访 — the contact's own
``task_id`` or a further task it answered (``contact_tasks``), inserted or updated —, while the service's writes
still go through; an upgrade from 0023 keeps the rows there; the audit check names a dropped guard.

Two clients of csm01 (张三, 李四), a colleague csm02; the clock on Friday 27 November 2026, 10:00 in Shanghai."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Channel, Disposition, Role, TaskKind
from csm_tui.domain.models import NewTask
from csm_tui.policy import Policy
from csm_tui.services.calls.outcomes import Outcome, Receipt, record
from csm_tui.services.workstation import Workstation
from storage import audit
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, rid

TODAY = dt.date(2026, 11, 27)
NOW_UTC = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
AT = NOW_UTC.replace(tzinfo=None)  # as stored: UTC, naive
CONTACT_REFUSED = "contact refused"
LINK_REFUSED = "contact task refused"
TASK_REFUSED = "task refused"
GUARDS = {
    "postgresql": ["contacts.contacts_task", "contact_tasks.contact_tasks_answered", "tasks.tasks_contacted"],
    "sqlite": [
        "contacts.contacts_task_insert", "contacts.contacts_task_update", "contacts.contacts_delete_links",
        "contact_tasks.contact_tasks_answered_insert", "contact_tasks.contact_tasks_answered_update",
        "tasks.tasks_contacted_update",
    ],
}  # fmt: skip
# The guarding functions of earlier revisions, their search path fixed by 0024 (PostgreSQL).
EARLIER = [
    "aml_reports_decide_once", "aml_reports_decider", "aml_reports_filed", "audit_events_append_only",
    "event_invitations_capacity", "events_capacity_attended", "records_immutable", "sales_cancel_only",
]  # fmt: skip
INSERT_CONTACT = text(
    "INSERT INTO contacts (client_id, staff_id, channel, started_at, duration_s, disposition, note, feedback, "
    "satisfaction, task_id) VALUES (:client, :staff, 'phone', :at, 0, :disposition, '', '', 5, :task)"
)
INSERT_LINK = text("INSERT INTO contact_tasks (contact_id, task_id) VALUES (:contact, :task)")


@dataclass
class Desk:
    engine: Engine
    system: SqlUnitOfWorkFactory
    ws: Workstation
    csm: int
    colleague: int
    zs: int  # 张三
    ls: int  # 李四

    def task(self, client: int, kind: TaskKind = TaskKind.SERVICE_CALLBACK, staff: int | None = None) -> int:
        with self.system(write=True) as tx:
            task = tx.tasks.add(
                NewTask(client_id=client, staff_id=staff or self.csm, kind=kind, due_on=TODAY, created_at=NOW_UTC)
            )
            tx.commit()
        assert task.id is not None
        return task.id

    def service_done(self, task_id: int | None = None) -> Receipt:
        """A 回访 done through the service: on ``task_id``, or logged by hand."""
        outcome = Outcome(Disposition.SERVICE_DONE, Channel.PHONE, satisfaction=5)
        return record(self.ws, self.zs, outcome, task_id=task_id, started_at=self.ws.time.now().datetime)

    def contact_by_sql(self, conn: Connection, task: int | None, disposition: str = "service_done") -> int:
        conn.execute(
            INSERT_CONTACT, {"client": self.zs, "staff": self.csm, "at": AT, "disposition": disposition, "task": task}
        )
        return int(conn.scalar(text("SELECT max(id) FROM contacts")) or 0)

    def links(self) -> set[tuple[int, int]]:
        with self.engine.connect() as conn:
            return {(r.contact_id, r.task_id) for r in conn.execute(text("SELECT * FROM contact_tasks"))}


@pytest.fixture
def desk(engine: Engine, clock: FrozenClock) -> Desk:
    system = SqlUnitOfWorkFactory(engine, clock)
    with system(write=True) as tx:
        build = BranchBuilder(tx, as_of=None)
        build.outlet()
        csm = build.staff("csm01", "王芳", Role.CSM)
        colleague = build.staff("csm02", "李娜", Role.CSM)
        zs = build.client("C0001", "张三", "11010519491231002X", csm, mobile="13800138001")
        ls = build.client("C0002", "李四", rid("110105", dt.date(1960, 3, 1), 12), csm, mobile="13800138002")
        tx.commit()
    assert csm.id is not None and colleague.id is not None
    ws = Workstation(
        uow=system.acting_as(csm), staff=csm, outlet=None, time=BranchTime(clock, "Asia/Shanghai"), policy=Policy(),
        demo=False,
    )  # fmt: skip
    return Desk(engine, system, ws, csm.id, colleague.id, zs, ls)


def _refused(engine: Engine, words: str, statement: str, **params: object) -> None:
    with pytest.raises(DBAPIError, match=words), engine.begin() as conn:
        conn.execute(text(statement), params)


def test_sql_cannot_tie_a_further_task_to_a_contact_but_as_the_service_done_answering_it(desk: Desk) -> None:
    """Inserted or updated by SQL, a ``contact_tasks`` row is refused when its task is another client's, no 回访, the
    contact's own task, or its contact no 回访 done; a 回访 of the client's is taken (a colleague's too: whose it
    is, the repository checks)."""
    done = desk.service_done(desk.task(desk.zs))
    own = desk.task(desk.zs)
    with desk.engine.begin() as conn:
        informed = desk.contact_by_sql(conn, None, "informed")
    wrong = [
        (done.contact_id, desk.task(desk.ls)),  # 李四's 回访
        (done.contact_id, desk.task(desk.zs, TaskKind.FOLLOW_UP)),
        (done.contact_id, desk.task(desk.zs, TaskKind.CALLBACK)),  # a callback the client asked for: no retry
        (done.contact_id, done.closed_tasks[0]),  # the contact's own 回访
        (informed, own),
    ]
    for contact, task in wrong:
        _refused(desk.engine, LINK_REFUSED, str(INSERT_LINK), contact=contact, task=task)
    with desk.engine.begin() as conn:
        conn.execute(INSERT_LINK, {"contact": done.contact_id, "task": own})
    for contact, task in wrong:
        _refused(
            desk.engine, LINK_REFUSED, "UPDATE contact_tasks SET contact_id = :contact, task_id = :task",
            contact=contact, task=task,
        )  # fmt: skip
    assert desk.links() == {(done.contact_id, own)}
    for statement in (  # the contact tied to it: not moved to another client, nor made another outcome
        f"UPDATE contacts SET client_id = {desk.ls}, task_id = NULL WHERE id = {done.contact_id}",
        f"UPDATE contacts SET disposition = 'informed' WHERE id = {done.contact_id}",
    ):
        _refused(desk.engine, CONTACT_REFUSED, statement)


def test_sql_cannot_put_a_contact_on_another_clients_task_nor_a_service_done_on_a_task_that_is_no_service_callback(
    desk: Desk,
) -> None:
    theirs, follow_up, service = desk.task(desk.ls), desk.task(desk.zs, TaskKind.FOLLOW_UP), desk.task(desk.zs)
    for task, disposition in ((theirs, "informed"), (theirs, "service_done"), (follow_up, "service_done")):
        with pytest.raises(DBAPIError, match=CONTACT_REFUSED), desk.engine.begin() as conn:
            desk.contact_by_sql(conn, task, disposition)
    with desk.engine.begin() as conn:
        informed = desk.contact_by_sql(conn, follow_up, "informed")
        done = desk.contact_by_sql(conn, service)
        desk.contact_by_sql(conn, None)  # on no task: left to the service, which asks for a 回访 due
    for statement in (
        f"UPDATE contacts SET task_id = {theirs} WHERE id = {informed}",
        f"UPDATE contacts SET client_id = {desk.ls} WHERE id = {informed}",
        f"UPDATE contacts SET disposition = 'service_done' WHERE id = {informed}",
        f"UPDATE contacts SET task_id = {follow_up} WHERE id = {done}",
    ):
        _refused(desk.engine, CONTACT_REFUSED, statement)
    with desk.engine.begin() as conn:  # what the guard does not look at: changed as ever
        conn.execute(text(f"UPDATE contacts SET note = 'x', satisfaction = 4 WHERE id IN ({informed}, {done})"))


def test_the_service_still_records_a_service_done_on_each_service_callback_and_its_retry(desk: Desk) -> None:
    first, second = desk.task(desk.zs), desk.task(desk.zs)
    unanswered = record(desk.ws, desk.zs, Outcome(Disposition.NO_ANSWER), task_id=first, started_at=NOW_UTC)
    (retry,) = unanswered.created_tasks
    done = desk.service_done(retry)
    assert set(done.closed_tasks) == {retry, second}
    assert desk.links() == {(done.contact_id, second)}


def test_an_upgrade_from_0023_keeps_the_contacts_and_their_tasks_and_guards_them(desk: Desk) -> None:
    from alembic import command

    from storage.migrate import _config

    desk.task(desk.zs), desk.task(desk.zs)
    done = desk.service_done()  # by hand: on the first 回访, the second tied to it
    theirs = desk.task(desk.ls)
    with desk.engine.begin() as conn:
        command.downgrade(_config(conn), "0023")
        unfixed = [f"{f}() search_path" for f in EARLIER] if conn.dialect.name == "postgresql" else []
        assert audit.missing_guards(conn) == GUARDS[conn.dialect.name] + unfixed
        legacy = desk.contact_by_sql(conn, theirs)  # written before the guard: left as it is
    upgrade(desk.engine)
    with desk.engine.connect() as conn:
        assert audit.missing_guards(conn) == []
        kept = conn.execute(text("SELECT id FROM contacts ORDER BY id")).scalars().all()
    assert kept == [done.contact_id, legacy]
    assert len(desk.links()) == 1
    _refused(desk.engine, LINK_REFUSED, str(INSERT_LINK), contact=done.contact_id, task=theirs)
    desk.service_done(desk.task(desk.zs))  # the service's path, as before


def test_a_dropped_guard_of_a_contacts_tasks_is_named_by_the_audit_check(desk: Desk) -> None:
    postgresql = desk.engine.dialect.name == "postgresql"
    for name in GUARDS[desk.engine.dialect.name]:
        table, trigger = name.split(".")
        with desk.engine.connect() as conn, conn.begin() as dropping:
            assert audit.missing_guards(conn) == []
            conn.execute(text(f"DROP TRIGGER {trigger} ON {table}" if postgresql else f"DROP TRIGGER {trigger}"))
            assert audit.missing_guards(conn) == [name]
            dropping.rollback()


def test_sql_cannot_move_a_contacts_task_to_another_client_nor_make_a_service_done_task_no_service_callback(
    desk: Desk,
) -> None:
    """The contact's tie holds from the tasks' side too: the task it names, or a further 回访 it answered, moved to
    another client or made another kind by plain SQL, is refused."""
    first, second = desk.task(desk.zs), desk.task(desk.zs)
    done = desk.service_done(first)
    assert desk.links() == {(done.contact_id, second)}
    follow_up = desk.task(desk.zs, TaskKind.FOLLOW_UP)
    with desk.engine.begin() as conn:
        informed = desk.contact_by_sql(conn, follow_up, "informed")
    assert informed
    for statement in (
        f"UPDATE tasks SET client_id = {desk.ls} WHERE id = {follow_up}",  # the informed contact's task
        f"UPDATE tasks SET client_id = {desk.ls} WHERE id = {first}",  # the 回访 done's own
        f"UPDATE tasks SET kind = 'follow_up' WHERE id = {first}",
        f"UPDATE tasks SET client_id = {desk.ls} WHERE id = {second}",  # the further 回访 it answered
        f"UPDATE tasks SET kind = 'follow_up' WHERE id = {second}",
        f"UPDATE tasks SET origin = 'event', origin_id = 1 WHERE id = {second}",
        f"UPDATE tasks SET origin_id = 1 WHERE id = {first}",
    ):
        _refused(desk.engine, TASK_REFUSED, statement)
    untouched = desk.task(desk.zs)
    with desk.engine.begin() as conn:  # a task no contact names, and a contacted task's staff: changed as ever
        conn.execute(text(f"UPDATE tasks SET client_id = {desk.ls}, kind = 'follow_up' WHERE id = {untouched}"))
        conn.execute(text(f"UPDATE tasks SET staff_id = {desk.colleague} WHERE id IN ({first}, {second})"))


def test_sql_on_sqlite_without_foreign_keys_cannot_hand_a_deleted_service_dones_further_task_to_the_next_contact(
    desk: Desk,
) -> None:
    """A DBA's sqlite3 shell enforces no foreign key: the 回访 done deleted there, the further 回访 it answered
    is not inherited by the contact written next (here 李四's, no 回访 done) under the same id."""
    if desk.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL always holds the foreign key: the 回访 done's rows go with it")
    first, second = desk.task(desk.zs), desk.task(desk.zs)
    done = desk.service_done(first)
    assert desk.links() == {(done.contact_id, second)}
    raw = desk.engine.raw_connection()
    try:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute(f"DELETE FROM contacts WHERE id = {done.contact_id}")
        raw.execute(
            "INSERT INTO contacts (client_id, staff_id, channel, started_at, duration_s, disposition, note, feedback, "
            f"task_id) VALUES ({desk.ls}, {desk.csm}, 'phone', '{AT}', 0, 'informed', '', '', NULL)"
        )
        raw.commit()
    finally:
        raw.close()
    with desk.engine.connect() as conn:
        inherited = conn.execute(
            text(
                "SELECT l.task_id FROM contact_tasks l JOIN contacts c ON c.id = l.contact_id "
                "WHERE c.disposition <> 'service_done'"
            )
        ).all()
    assert inherited == []


def test_sql_on_postgresql_cannot_pass_the_guard_with_a_temporary_table_named_tasks(desk: Desk) -> None:
    """A role that may only write contacts (neither owner nor superuser, as the README advises) and, as every role
    by default, make temporary tables: a temporary ``tasks`` saying 李四's follow-up is a 回访 of 张三's does not
    get a 回访 done of 张三 onto it."""
    if desk.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads a trigger's tables in the trigger's own schema")
    theirs = desk.task(desk.ls, TaskKind.FOLLOW_UP)
    with desk.engine.connect() as conn, conn.begin() as writing:
        for statement in (
            "CREATE ROLE contacts_writer",
            "GRANT SELECT, INSERT ON contacts, tasks, clients, contact_tasks TO contacts_writer",
            "GRANT USAGE ON SEQUENCE contacts_id_seq TO contacts_writer",
            "SET LOCAL ROLE contacts_writer",
            f"CREATE TEMP TABLE tasks AS SELECT id, {desk.zs} AS client_id, 'service_callback'::text AS kind, "
            "origin, staff_id FROM public.tasks",
        ):
            conn.execute(text(statement))
        with pytest.raises(DBAPIError, match=CONTACT_REFUSED):
            desk.contact_by_sql(conn, theirs)
        writing.rollback()


def test_a_guard_function_whose_search_path_is_not_fixed_is_named_by_the_audit_check(desk: Desk) -> None:
    """On PostgreSQL each guarding trigger's function runs with the search path fixed (the schema, ``pg_temp``
    last): one reset, or set to search ``pg_temp`` first, is named."""
    if desk.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads a trigger's tables in the trigger's own schema")
    for function in ("contacts_task", "records_immutable", "event_invitations_capacity"):
        for change in ("RESET search_path", "SET search_path = pg_temp, public"):
            with desk.engine.connect() as conn, conn.begin() as changing:
                assert audit.missing_guards(conn) == []
                conn.execute(text(f"ALTER FUNCTION {function}() {change}"))
                assert audit.missing_guards(conn) == [f"{function}() search_path"]
                changing.rollback()
