"""One person is one prospect, held by the database (migrations 0020 and 0021) on SQLite and PostgreSQL, from the
hostile side: two desks taking the same person at once (each session on its own engine), a path whose check is
blind (as a future one might be), a row inserted by SQL, the same person's numbers written another way by SQL; and
a database that had the same person twice, or a number in another form, before the revisions. The second is refused
in words, naming the CSM who follows them; someone converted or stopped is out of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import DateTime, Engine, bindparam, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from csm_tui.domain.enums import ProspectOutcome
from csm_tui.domain.errors import DomainError
from csm_tui.services.calls import prospect_calls
from csm_tui.services.events import prospects
from csm_tui.services.workstation import Workstation
from storage import audit
from storage.migrate import UnreadableNumbers, current_revision, upgrade
from storage.prospects import SqlProspects
from tests.support.events_branch import Branch, event, on_event_day
from tests.support.races import at_once

ROUNDS = 4  # people raced, one round each: either desk may come first
INSERT = text(
    "INSERT INTO prospects (name, mobile, resident_id, consent, manager_id, note, created_at, stopped)"
    " VALUES ('钱七', :mobile, :rid, :yes, :manager, '', :at, :stopped)"
).bindparams(bindparam("at", type_=DateTime()))
RID = "11010519491231002X"
AT = dt.datetime(2026, 11, 27, 2)
# The refusal of a number in another form than the stored one: a CHECK on PostgreSQL (whose VARCHAR refuses a
# longer one first, and its driver any NUL character), a trigger on SQLite (0021).
OTHER_FORM = "ck_prospects_mobile|ck_prospects_resident_id|value too long|NUL|prospect numbers refused"
WIDE = str.maketrans("0123456789", "０１２３４５６７８９")  # full-width digits (a Chinese input method): 11 characters


def insert(engine: Engine, manager: int, mobile: str, rid: str | None = None, stopped: str | None = None) -> None:
    with engine.begin() as conn:
        values = {"mobile": mobile, "rid": rid, "yes": True, "manager": manager, "at": AT, "stopped": stopped}
        conn.execute(INSERT, values)


def followed(engine: Engine) -> list[tuple[str, int]]:
    """(mobile, manager) of each prospect someone follows."""
    with engine.connect() as conn:
        query = "SELECT mobile, manager_id FROM prospects WHERE converted_client_id IS NULL AND stopped IS NULL"
        return sorted((str(m), int(s)) for m, s in conn.execute(text(query)))


def taking(
    ws: Workstation, introducer: int, name: str, typed: str, refusals: list[dict[str, object]]
) -> Callable[[], object]:
    """A desk introducing ``name``: the refusal's parameters kept in ``refusals``."""

    def job() -> object:
        try:
            return prospects.introduced(ws, introducer, name, typed, consent=True)
        except DomainError as exc:
            refusals.append(exc.params)
            raise

    return job


def test_two_desks_taking_the_same_person_at_once_keep_one_and_refuse_the_other_naming_its_csm(
    branch: Branch, engine: Engine, other_desk: Callable[[str], Workstation]
) -> None:
    wang, li = branch.client("甲", "wang"), branch.client("乙", "li")
    names = {branch.staff["wang"].id: "王芳", branch.staff["li"].id: "李娜"}
    for n in range(ROUNDS):
        refusals: list[dict[str, object]] = []
        mobile = f"1391234567{n}"
        came = at_once(
            [
                taking(branch.ws("wang"), wang, f"钱{n}", mobile, refusals),
                taking(other_desk("li"), li, f"钱{n}", f"+86 139 1234 567{n}", refusals),
            ]
        )
        assert came == ["prospect_taken", "saved"]
        [manager] = [manager for stored, manager in followed(engine) if stored == mobile]
        assert refusals == [{"manager": names[manager]}]


def test_an_insert_past_a_blind_check_is_refused_by_the_database_in_the_checks_words(
    branch: Branch, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another session takes the person between the check and the insert (here: a check that saw nothing the
    first time): the index refuses the insert; the refusal names the CSM, nothing of it is written."""
    prospects.introduced(branch.ws("wang"), branch.client("甲", "wang"), "钱七", "13912345678", True, RID)
    check = SqlProspects._refuse_followed
    blind = iter([True])
    monkeypatch.setattr(
        SqlProspects, "_refuse_followed", lambda self, new: None if next(blind, False) else check(self, new)
    )
    event_id = event(branch, by="li")
    on_event_day(branch)
    with pytest.raises(DomainError) as refused:
        prospects.meet_at_event(branch.ws("li"), event_id, "钱七", "13812345678", True, RID)  # the same ID
    assert (refused.value.code, refused.value.params) == ("prospect_taken", {"manager": "王芳"})
    assert prospects.mine(branch.ws("li")) == []
    assert prospect_calls.due(branch.ws("li")) == []


def test_a_second_prospect_of_the_same_person_inserted_by_sql_is_refused(branch: Branch, engine: Engine) -> None:
    wang, li = branch.staff["wang"].id, branch.staff["li"].id
    insert(engine, wang, "13912345678", RID)
    with pytest.raises(IntegrityError):
        insert(engine, li, "13912345678")
    with pytest.raises(IntegrityError):
        insert(engine, li, "13812345678", RID)
    insert(engine, li, "13812345678")  # another person, without an ID: taken
    insert(engine, li, "13912345678", RID, stopped=ProspectOutcome.NOT_INTERESTED.value)  # stopped: out of it
    assert followed(engine) == [("13812345678", li), ("13912345678", wang)]


def test_someone_whose_calls_stopped_may_be_taken_again_by_their_id_too(branch: Branch) -> None:
    first = prospects.introduced(branch.ws("wang"), branch.client("甲", "wang"), "钱七", "13912345678", True, RID)
    prospect_calls.record(branch.ws("wang"), first.id, ProspectOutcome.WRONG_NUMBER)
    again = prospects.introduced(branch.ws("li"), branch.client("乙", "li"), "钱七", "13912345678", True, RID)
    assert again.manager_id == branch.staff["li"].id


def test_migration_0020_leaves_a_person_taken_twice_to_the_first_csm_and_goes_back_cleanly(
    branch: Branch, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that had the same person twice before 0020 (two sessions at once): the later prospect's calls
    stop, their open call cancelled, the row kept; the first CSM follows them on."""
    from alembic import command

    from storage.migrate import _config

    first = prospects.introduced(branch.ws("wang"), branch.client("甲", "wang"), "钱七", "13912345678", True)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0019")
    assert not {"uq_prospects_followed_mobile"} & {ix["name"] for ix in inspect(engine).get_indexes("prospects")}
    branch.clock.set(branch.clock.now().datetime + dt.timedelta(minutes=5))
    with monkeypatch.context() as racing:  # the other session's check ran before the first was committed
        racing.setattr(SqlProspects, "_refuse_followed", lambda self, new: None)
        prospects.introduced(branch.ws("li"), branch.client("乙", "li"), "钱七", "+86 139 1234 5678", True, RID)
    assert len(followed(engine)) == 2 and first.manager_id == branch.staff["wang"].id
    upgrade(engine)
    [mine] = prospects.listing(branch.ws("wang"))
    [later] = prospects.listing(branch.ws("li"))
    assert (mine.stopped, later.stopped) == (None, ProspectOutcome.TAKEN_TWICE)
    assert prospect_calls.due(branch.ws("li")) == [] and later.next_call_on is None
    assert {"uq_prospects_followed_mobile", "uq_prospects_followed_resident_id"} <= {
        ix["name"] for ix in inspect(engine).get_indexes("prospects")
    }


def test_a_dropped_index_of_the_rule_is_named_by_the_audit_check(branch: Branch, engine: Engine) -> None:
    """The admin's data state and ``csm admin audit verify`` name the index once dropped."""
    with engine.begin() as conn:
        assert audit.missing_guards(conn) == []
        conn.execute(text("DROP INDEX uq_prospects_followed_resident_id"))
        assert audit.missing_guards(conn) == ["prospects.uq_prospects_followed_resident_id"]


@pytest.mark.parametrize(
    ("mobile", "rid"),
    [
        ("+8613526298153", None),
        ("135 2629 8153", None),
        ("1352629815", None),  # a digit short
        ("13526298153".translate(WIDE), None),
        ("13526298153", RID.lower()),
        ("13526298153", f" {RID}"),
        ("13526298153\x00", None),  # SQLite's GLOB stops at a NUL, its index does not
        ("13526298153", f"{RID}\x00"),
        ("13526298153", ""),
    ],
)
def test_a_prospects_number_in_another_form_than_the_stored_one_is_refused_by_the_database(
    branch: Branch, engine: Engine, mobile: str, rid: str | None
) -> None:
    """0020's indexes compare the stored text: the same person written another way must not reach the table."""
    insert(engine, branch.staff["wang"].id, "13526298153", RID, stopped=ProspectOutcome.NOT_INTERESTED.value)
    with pytest.raises(DBAPIError, match=OTHER_FORM):
        insert(engine, branch.staff["li"].id, mobile, rid)
    with pytest.raises(DBAPIError, match=OTHER_FORM), engine.begin() as conn:
        conn.execute(text("UPDATE prospects SET mobile = :m, resident_id = :r"), {"m": mobile, "r": rid})
    assert followed(engine) == []


def test_the_repository_stores_a_number_typed_any_way_in_its_stored_form(branch: Branch, engine: Engine) -> None:
    prospects.introduced(branch.ws("wang"), branch.client("甲", "wang"), "钱七", "+86 135 2629 8153", True, RID.lower())
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT mobile, resident_id FROM prospects")).one()
    assert tuple(stored) == ("13526298153", RID)


def test_a_dropped_guard_of_the_stored_forms_is_named_by_the_audit_check(branch: Branch, engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE prospects DROP CONSTRAINT ck_prospects_resident_id"))
            assert audit.missing_guards(conn) == ["prospects.ck_prospects_resident_id"]
        else:
            conn.execute(text("DROP TRIGGER prospects_number_forms_update"))
            assert audit.missing_guards(conn) == ["prospects.prospects_number_forms_update"]


def test_migration_0021_rewrites_numbers_in_another_form_and_goes_back_cleanly(branch: Branch, engine: Engine) -> None:
    """Rows written another way before 0021 are rewritten in the stored form; one that then names a person another
    followed prospect has is left to the CSM who took them first, the later one's calls stopped (``taken_twice``), as
    0020 does; a number that cannot be read stops the upgrade, nothing changed."""
    from alembic import command

    from storage.migrate import _config

    wang, li = branch.staff["wang"].id, branch.staff["li"].id
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0020")
    insert(engine, wang, "13912345678")
    insert(engine, li, "13912345678".translate(WIDE))  # the same person, written another way: the index let it in
    insert(engine, li, "13526298153", RID.lower())
    insert(engine, li, "12345", stopped=ProspectOutcome.NOT_INTERESTED.value)
    with pytest.raises(UnreadableNumbers) as unreadable:
        upgrade(engine)
    with engine.connect() as conn:
        unread = conn.execute(text("SELECT id FROM prospects WHERE mobile = '12345'")).scalars().all()
    assert unreadable.value.ids == unread and current_revision(engine) == "0020"
    assert sorted(m for m, _ in followed(engine)) == sorted(
        ["13912345678", "13912345678".translate(WIDE), "13526298153"]
    )
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM prospects WHERE mobile = '12345'"))
    upgrade(engine)
    assert followed(engine) == [("13526298153", li), ("13912345678", wang)]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT mobile, resident_id, stopped FROM prospects ORDER BY id")).all()
        assert audit.missing_guards(conn) == []
    assert [tuple(r) for r in rows] == [
        ("13912345678", None, None),
        ("13912345678", None, ProspectOutcome.TAKEN_TWICE.value),
        ("13526298153", RID, None),
    ]
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0020")
        gone = audit.missing_guards(conn)
    insert(engine, li, "13500000000".translate(WIDE), stopped=ProspectOutcome.NOT_INTERESTED.value)  # 0020 lets it in
    upgrade(engine)
    with engine.connect() as conn:
        assert audit.missing_guards(conn) == []
        assert conn.execute(text("SELECT mobile FROM prospects ORDER BY id DESC")).scalars().first() == "13500000000"
    assert [guard for guard in gone if guard.startswith("prospects.")] == (
        ["prospects.ck_prospects_mobile", "prospects.ck_prospects_resident_id"]
        if engine.dialect.name == "postgresql"
        else ["prospects.prospects_number_forms_insert", "prospects.prospects_number_forms_update"]
    )  # (and those of the revisions after 0021)


def test_a_blank_id_is_no_id_and_a_number_stored_as_bytes_stops_the_upgrade(branch: Branch, engine: Engine) -> None:
    """Before 0020, two people with a blank ID written by SQL are two people (their IDs become NULL); a number SQLite
    holds as bytes cannot be read: the upgrade names it, nothing changed."""
    from alembic import command

    from storage.migrate import _config

    wang, li = branch.staff["wang"].id, branch.staff["li"].id
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0019")
    insert(engine, wang, "13912345678", "")
    insert(engine, li, "13600000000", "")
    insert(engine, li, "13700000000", " ", stopped=ProspectOutcome.NOT_INTERESTED.value)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("UPDATE prospects SET mobile = CAST(mobile AS BLOB) WHERE manager_id = :li"), {"li": li})
        with pytest.raises(UnreadableNumbers):
            upgrade(engine)
        assert current_revision(engine) == "0019"
        with engine.begin() as conn:
            conn.execute(text("UPDATE prospects SET mobile = CAST(mobile AS TEXT)"))
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT mobile, resident_id FROM prospects ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("13912345678", None), ("13600000000", None), ("13700000000", None)]
    assert followed(engine) == [("13600000000", li), ("13912345678", wang)]
