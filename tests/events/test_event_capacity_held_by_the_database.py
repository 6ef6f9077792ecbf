"""An event's capacity held by the database (migration 0018) on SQLite and PostgreSQL, from the hostile side: an
attendance written by SQL past the capacity (set, inserted, moved from another event), a capacity lowered below
the attendees, two sessions writing attendances at once; and a check-in through the service on a path that does not
count (as a future one might forget to): refused as ``event_full`` in words, nothing written.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the event is on Tuesday 1 December at 14:00, for 2.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import DateTime, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError

from csm_tui.domain.enums import TaskKind
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import set_language
from csm_tui.services.events import day, planning
from storage import audit
from storage.events import SqlEvents
from tests.support.events_branch import Branch, event, invitation_of, on_event_day
from widgets.failures import describe

AT = dt.datetime(2026, 12, 1, 6, 5)  # 14:05 in Shanghai, as stored (UTC)
ATTEND = text("UPDATE event_invitations SET attended_at = :at WHERE id = :id").bindparams(
    bindparam("at", type_=DateTime())
)
NAMES = ("甲", "乙", "丙")


def three_invited(b: Branch, capacity: int = 2) -> tuple[int, list[int]]:
    """An event for ``capacity`` with 甲, 乙 and 丙 (wang's clients) invited: the event and their invitations."""
    for name in NAMES:
        b.client(name, "wang")
    event_id = event(b, capacity=capacity)
    planning.invite_clients(b.ws("sup"), event_id, [b.clients[n] for n in NAMES])
    return event_id, [invitation_of(b, event_id, n) for n in NAMES]


def attend_by_sql(engine: Engine, invitation_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(ATTEND, {"at": AT, "id": invitation_id})


def attendees(engine: Engine, event_id: int) -> int:
    with engine.connect() as conn:
        query = text("SELECT count(*) FROM event_invitations WHERE event_id = :e AND attended_at IS NOT NULL")
        return int(conn.scalar(query, {"e": event_id}) or 0)


def test_an_attendance_set_by_sql_beyond_the_capacity_is_refused(branch: Branch, engine: Engine) -> None:
    event_id, (first, second, third) = three_invited(branch)
    attend_by_sql(engine, first)
    attend_by_sql(engine, second)
    attend_by_sql(engine, second)  # an attendee's row rewritten: no new attendance, taken
    with pytest.raises(DBAPIError, match="event capacity reached"):
        attend_by_sql(engine, third)
    assert attendees(engine, event_id) == 2


def test_an_attended_invitation_inserted_or_moved_by_sql_beyond_the_capacity_is_refused(
    branch: Branch, engine: Engine
) -> None:
    event_id, (first, second, _) = three_invited(branch)
    attend_by_sql(engine, first)
    attend_by_sql(engine, second)
    branch.client("丁", "wang")
    other = event(branch, capacity=5)
    planning.invite_clients(branch.ws("sup"), other, [branch.clients["丁"]])
    moved = invitation_of(branch, other, "丁")
    attend_by_sql(engine, moved)  # in at the other event, which has room
    insert = text(
        "INSERT INTO event_invitations (event_id, client_id, staff_id, status, created_at, attended_at) "
        "VALUES (:e, :c, :s, 'walk_in', :at, :at)"
    ).bindparams(bindparam("at", type_=DateTime()))
    branch.client("戊", "wang")
    row = {"e": event_id, "c": branch.clients["戊"], "s": branch.staff["wang"].id, "at": AT}
    with pytest.raises(DBAPIError, match="event capacity reached"), engine.begin() as conn:
        conn.execute(insert, row)
    with pytest.raises(DBAPIError, match="event capacity reached"), engine.begin() as conn:
        conn.execute(text("UPDATE event_invitations SET event_id = :e WHERE id = :id"), {"e": event_id, "id": moved})
    assert (attendees(engine, event_id), attendees(engine, other)) == (2, 1)
    with engine.begin() as conn:  # with room, the same insert is taken
        conn.execute(text("UPDATE events SET capacity = 3 WHERE id = :e"), {"e": event_id})
        conn.execute(insert, row)
    assert attendees(engine, event_id) == 3


def test_an_events_capacity_is_not_lowered_below_its_attendees_by_sql(branch: Branch, engine: Engine) -> None:
    event_id, (first, second, _) = three_invited(branch, capacity=3)
    attend_by_sql(engine, first)
    attend_by_sql(engine, second)
    lower = text("UPDATE events SET capacity = :n WHERE id = :e")
    with pytest.raises(DBAPIError, match="event capacity reached"), engine.begin() as conn:
        conn.execute(lower, {"n": 1, "e": event_id})
    with engine.begin() as conn:
        conn.execute(lower, {"n": 2, "e": event_id})  # down to the attendees: taken


def test_two_sessions_writing_attendances_at_once_by_sql_never_pass_the_capacity(
    branch: Branch, engine: Engine
) -> None:
    """PostgreSQL (SQLite serialises writers): the first session's attendance, not yet committed, holds the event;
    the second waits, then counts it and is refused."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time")
    event_id, (first, second, third) = three_invited(branch)
    attend_by_sql(engine, first)
    outcome: list[str] = []
    with engine.connect() as holding:
        holding.begin()
        holding.execute(ATTEND, {"at": AT, "id": second})

        def other() -> None:
            try:
                attend_by_sql(engine, third)
                outcome.append("in")
            except DBAPIError as refused:
                outcome.append("full" if "event capacity reached" in str(refused.orig) else str(refused.orig))

        waiting = threading.Thread(target=other)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # held by the first session's attendance
        holding.commit()
    waiting.join(10)
    assert outcome == ["full"]
    assert attendees(engine, event_id) == 2


def test_a_check_in_on_a_path_that_does_not_count_is_refused_by_the_database_as_event_full(
    branch: Branch, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service's own count taken away: the database refuses the third attendee, said in words (no traceback),
    and nothing of the check-in is written (no attendance, no follow-up call)."""
    event_id, ids = three_invited(branch)
    on_event_day(branch)
    for invitation_id in ids[:2]:
        day.check_in(branch.ws("lobby"), event_id, invitation_id)
    monkeypatch.setattr(SqlEvents, "attended", lambda self, event_id: 0)
    with pytest.raises(DomainError) as refused:
        day.check_in(branch.ws("lobby"), event_id, ids[2])
    assert (refused.value.code, refused.value.params) == ("event_full", {"capacity": 2})
    assert "2" in describe(refused.value)
    set_language("en")
    assert "Traceback" not in describe(refused.value) and "2" in describe(refused.value)
    assert attendees(engine, event_id) == 2
    assert TaskKind.EVENT_FOLLOW_UP not in {t.kind for t in branch.tasks("丙")}


def test_a_dropped_capacity_guard_is_named_by_the_audit_check(branch: Branch, engine: Engine) -> None:
    """The admin's data state and ``csm admin audit verify`` name the capacity guards once dropped."""
    with engine.begin() as conn:
        assert audit.missing_guards(conn) == []
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER events_capacity_attended ON events"))
        else:
            conn.execute(text("DROP TRIGGER events_capacity_attended"))
        assert audit.missing_guards(conn) == ["events.events_capacity_attended"]
