"""Households on SQLite and PostgreSQL: family links written by those who may work with the client, read from either
side with the relation inverted, others' relatives masked, the combined 3-month average, every write audited, and
the database itself refusing a link stored twice or backwards."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.households import Relation
from csm_tui.domain.models import NewClient, Staff
from csm_tui.policy import Households, Policy
from csm_tui.services.clients import households
from csm_tui.services.ports import AccessDenied
from csm_tui.services.workstation import Workstation
from storage.orm import AuditRow, ClientLinkRow, ClientRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder
from tests.support.branch import rid as branch_rid
from tests.support.clock import FROZEN_AT

NOW = dt.datetime.fromisoformat(FROZEN_AT)
TODAY = dt.date(2026, 11, 27)


def rid(born: dt.date, n: int) -> str:
    return branch_rid("110105", born, n)


@dataclass
class Family:
    factory: SqlUnitOfWorkFactory
    clock: FrozenClock
    csm: Staff
    other: Staff
    boss: Staff
    stranger_boss: Staff
    admin: Staff
    ids: dict[str, int]

    def ws(self, staff: Staff) -> Workstation:
        return Workstation(
            uow=self.factory.acting_as(staff), staff=staff, outlet=None, time=BranchTime(self.clock, "Asia/Shanghai"),
            policy=Policy(), demo=False,
        )  # fmt: skip


@pytest.fixture
def family(engine: Engine, clock: FrozenClock) -> Family:
    factory = SqlUnitOfWorkFactory(engine, clock)
    with factory(write=True) as tx:
        build = BranchBuilder(tx, as_of=dt.date(2026, 11, 25))
        build.outlet()
        boss = build.staff("sup01", "赵主管", Role.SUPERVISOR)
        stranger_boss = build.staff("sup02", "钱主管", Role.SUPERVISOR)
        csm = build.staff("csm01", "王芳", Role.CSM, supervisor_id=boss.id)
        other = build.staff("csm02", "李娜", Role.CSM, supervisor_id=stranger_boss.id)
        admin = build.staff("admin", "管理员", Role.ADMIN)
        ids = {}
        for n, (name, manager, avg) in enumerate(
            [
                ("张伟", csm, "80000.00"),
                ("李秀英", other, "120000.00"),
                ("张小明", csm, "3000.00"),
                ("王强", other, "0"),
            ],
            start=1,
        ):
            ids[name] = build.client(
                f"C{n:04d}", name, rid(dt.date(1960 + 10 * n, 3, n), n), manager, avg_3m=Decimal(avg)
            )
        tx.commit()
    return Family(factory, clock, csm, other, boss, stranger_boss, admin, ids)


def test_a_csm_links_an_own_client_to_another_csms_client_seen_masked_with_the_household_average(
    family: Family,
) -> None:
    zhang, li = family.ids["张伟"], family.ids["李秀英"]
    households.link(family.ws(family.csm), zhang, li, Relation.SPOUSE)
    seen = households.household(family.ws(family.csm), zhang)
    (member,) = seen.members
    assert (member.client_id, member.relation, member.own) == (li, Relation.SPOUSE, False)
    assert member.avg_3m is None and member.assets_as_of is None  # another CSM's client: no figures of their own
    assert "*" in member.masked_id and member.name == "李秀英"
    assert seen.combined_avg == Decimal("80000.00") and seen.not_counted == 1  # 李秀英's figures are not ours
    # The other CSM sees the same link from their client's side, our client masked.
    theirs = households.household(family.ws(family.other), li)
    assert [(m.client_id, m.relation, m.own) for m in theirs.members] == [(zhang, Relation.SPOUSE, False)]


def test_the_combined_average_tells_nothing_of_a_relative_the_viewer_may_not_see(family: Family) -> None:
    """Linking another CSM's client and subtracting one's own figures must not reveal their 3-month average: the
    combined average adds up only the members the viewer sees in full, and says how many it leaves out."""
    zhang, li, son = family.ids["张伟"], family.ids["李秀英"], family.ids["张小明"]
    ws = family.ws(family.csm)
    households.link(ws, zhang, son, Relation.CHILD)
    before = households.household(ws, zhang)
    households.link(ws, zhang, li, Relation.SPOUSE)  # another CSM's client, ¥120,000
    after = households.household(ws, zhang)
    assert after.combined_avg == before.combined_avg == Decimal("83000.00")
    assert (before.not_counted, after.not_counted) == (0, 1)
    # 李秀英's own CSM sees her in full and 张伟 masked: her figure alone, one member not counted.
    theirs = households.household(family.ws(family.other), li)
    assert (theirs.combined_avg, theirs.not_counted) == (Decimal("120000.00"), 1)
    # An admin sees everyone in full: the whole household.
    everyone = households.household(family.ws(family.admin), zhang)
    assert (everyone.combined_avg, everyone.not_counted) == (Decimal("203000.00"), 0)


def test_parent_and_child_are_stored_once_and_read_inverted_from_the_other_side(family: Family) -> None:
    zhang, son = family.ids["张伟"], family.ids["张小明"]
    ws = family.ws(family.csm)
    households.link(ws, son, zhang, Relation.PARENT)  # 张伟 is 张小明's parent; stored from 张伟's side (lower id)
    assert [(m.client_id, m.relation, m.own) for m in households.household(ws, zhang).members] == [
        (son, Relation.CHILD, True)
    ]
    (parent,) = households.household(ws, son).members
    assert (parent.client_id, parent.relation, parent.avg_3m) == (zhang, Relation.PARENT, Decimal("80000.00"))
    with family.factory() as tx:
        rows = tx.session.execute(select(ClientLinkRow.client_id, ClientLinkRow.relative_id, ClientLinkRow.relation))
        assert [tuple(r) for r in rows] == [(zhang, son, "child")]
    with pytest.raises(DomainError) as err:
        households.link(ws, zhang, son, Relation.SPOUSE)  # the pair, from the other side: already linked
    assert err.value.code == "household_linked"


def test_only_those_who_may_work_with_the_client_link_them(family: Family) -> None:
    zhang, li, wang = family.ids["张伟"], family.ids["李秀英"], family.ids["王强"]
    with pytest.raises(AccessDenied):
        households.link(family.ws(family.other), zhang, wang, Relation.SPOUSE)  # not their client
    with pytest.raises(AccessDenied):
        households.link(family.ws(family.stranger_boss), zhang, li, Relation.SPOUSE)  # not their team's
    with pytest.raises(AccessDenied):
        households.household(family.ws(family.other), zhang)
    households.link(family.ws(family.boss), zhang, wang, Relation.CHILD)  # the team's supervisor
    households.link(family.ws(family.admin), li, wang, Relation.CHILD)  # an admin, anyone
    with pytest.raises(AccessDenied):
        households.unlink(family.ws(family.other), zhang, wang)
    households.unlink(family.ws(family.csm), zhang, wang)
    assert households.household(family.ws(family.csm), zhang).members == ()
    with pytest.raises(DomainError) as err:
        households.unlink(family.ws(family.csm), zhang, wang)
    assert err.value.code == "household_not_linked"


def test_a_client_is_not_their_own_relative_and_an_unknown_number_is_refused(family: Family) -> None:
    zhang = family.ids["张伟"]
    ws = family.ws(family.csm)
    with pytest.raises(DomainError) as err:
        households.link(ws, zhang, zhang, Relation.SPOUSE)
    assert err.value.code == "household_self"
    for typed, code in (
        ("C9999 s", "household_unknown"),
        ("C0002", "household_format"),
        ("C0002 q", "household_format"),
    ):
        with pytest.raises(DomainError) as err:
            households.link_by_number(ws, zhang, typed)
        assert err.value.code == code
    households.link_by_number(ws, zhang, "c0002 s")
    assert [m.name for m in households.household(ws, zhang).members] == ["李秀英"]
    with pytest.raises(AccessDenied):  # another CSM's client's side of the link is not theirs to take back here
        households.link_by_number(family.ws(family.other), zhang, "C0002 x")
    households.link_by_number(ws, zhang, "C0002 X")  # x: the link taken back where it was made
    assert households.household(ws, zhang).members == ()
    with pytest.raises(DomainError) as err:
        households.link_by_number(ws, zhang, "C0002 x")
    assert err.value.code == "household_not_linked"


def _client(family: Family, number: str, born: dt.date, sequence: int) -> int:
    """A client of the CSM's born on ``born`` (an odd ``sequence``: a man; even: a woman)."""
    with family.factory(write=True) as tx:
        added = tx.clients.add(
            NewClient(number=number, name=f"客户{number}", resident_id=rid(born, sequence), manager_id=family.csm.id)
        )
        tx.commit()
    assert added.id is not None
    return added.id


def test_an_implausible_family_link_is_refused_by_birth_dates_and_sex_and_nothing_is_written(family: Family) -> None:
    zhang, li, son = family.ids["张伟"], family.ids["李秀英"], family.ids["张小明"]  # born 1970, 1980, 1990
    boy = _client(family, "C0101", dt.date(2005, 6, 1), 11)  # a man of 21: under 22
    girl = _client(family, "C0102", dt.date(2006, 6, 1), 12)  # a woman of 20: of age
    ws = family.ws(family.admin)
    refused = [
        (zhang, li, Relation.PARENT, "household_parent_age"),  # a parent ten years younger than the child
        (li, zhang, Relation.CHILD, "household_parent_age"),  # the same, from the other side
        (son, zhang, Relation.CHILD, "household_parent_age"),
        (boy, girl, Relation.SPOUSE, "household_spouse_age"),
        (girl, boy, Relation.SPOUSE, "household_spouse_age"),
        (zhang, zhang, Relation.PARENT, "household_self"),
    ]
    for client_id, relative_id, relation, code in refused:
        with pytest.raises(DomainError) as err:
            households.link(ws, client_id, relative_id, relation)
        assert err.value.code == code, (client_id, relative_id, relation)
    with family.factory() as tx:  # nothing of the refused links written
        assert tx.session.scalars(select(ClientLinkRow)).all() == []  # type: ignore[attr-defined]
    households.link(ws, son, zhang, Relation.PARENT)  # twenty years: plausible
    households.link(ws, girl, son, Relation.SPOUSE)
    stricter = dataclasses.replace(ws, policy=Policy(households=Households(parent_min_years_older=27)))
    with pytest.raises(DomainError, match="household_parent_age"):
        households.link(stricter, li, girl, Relation.CHILD)  # twenty-six years: not the policy's 27
    households.link(ws, li, girl, Relation.CHILD)  # the default 16


def test_the_repository_refuses_an_implausible_link_whoever_calls_it(family: Family) -> None:
    """Past the service (a second program on the unit of work): the repository judges the link on its own."""
    zhang, li = family.ids["张伟"], family.ids["李秀英"]
    with family.factory.acting_as(family.admin)(write=True) as tx, pytest.raises(DomainError) as err:
        tx.households.link(li, zhang, Relation.CHILD, NOW, today=TODAY, policy=Policy())
    assert err.value.code == "household_parent_age"


def test_links_and_birthday_choices_are_in_the_audit_log(family: Family) -> None:
    zhang, li = family.ids["张伟"], family.ids["李秀英"]
    ws = family.ws(family.csm)
    households.link(ws, zhang, li, Relation.SPOUSE)
    households.set_birthday_lunar(ws, zhang, True)
    households.unlink(ws, zhang, li)
    with pytest.raises(AccessDenied):
        households.set_birthday_lunar(ws, li, True)
    with family.factory() as tx:
        events = tx.session.execute(
            select(AuditRow.action, AuditRow.entity, AuditRow.entity_id, AuditRow.staff_id).order_by(AuditRow.id)
        ).all()
        lunar = tx.session.scalar(select(ClientRow.lunar_birthday).where(ClientRow.id == zhang))
    mine = [(a, e) for a, e, _id, staff in events if staff == family.csm.id]
    assert ("insert", "client_links") in mine and ("household.link", "clients") in mine
    assert ("delete", "client_links") in mine and ("household.unlink", "clients") in mine
    assert ("update", "clients") in mine and lunar is not None  # the lunar month and day, kept


def test_the_database_refuses_a_backwards_duplicate_or_unknown_link(family: Family, engine: Engine) -> None:
    zhang, li = family.ids["张伟"], family.ids["李秀英"]
    households.link(family.ws(family.csm), zhang, li, Relation.SPOUSE)
    insert = text("INSERT INTO client_links (client_id, relative_id, relation, created_at) VALUES (:a, :b, :r, :at)")
    at = dt.datetime(2026, 11, 27, 2)
    for a, b, relation in ((li, zhang, "spouse"), (zhang, li, "child"), (zhang, family.ids["王强"], "cousin")):
        with engine.connect() as conn, pytest.raises(IntegrityError):
            conn.execute(insert, {"a": a, "b": b, "r": relation, "at": at})
            conn.commit()


def test_a_relative_whose_stored_id_cannot_be_read_is_refused_in_words_and_an_x_check_digit_is_read(
    family: Family,
) -> None:
    """A legacy 15-digit number written past the import (by SQL): the link is refused with a reason the user can
    read (no birth date to judge it by), nothing written; a number ending in X is read like any other."""
    zhang, li = family.ids["张伟"], family.ids["李秀英"]
    with family.factory.engine.begin() as conn:
        conn.execute(text("UPDATE clients SET resident_id = '110105800301002' WHERE id = :id"), {"id": li})
    ws = family.ws(family.csm)
    for client_id, relative_id in ((zhang, li), (li, zhang)):
        with pytest.raises(DomainError) as err:
            households.link(family.ws(family.admin), client_id, relative_id, Relation.SPOUSE)
        assert err.value.code == "household_id_unreadable"
    assert households.household(ws, zhang).members == ()
    x_born_1950 = "11010519500108007X"  # a man born 8 January 1950, check character X
    with family.factory(write=True) as tx:
        father = tx.clients.add(
            NewClient(number="C0201", name="张父", resident_id=x_born_1950, manager_id=family.csm.id)
        )
        tx.commit()
    assert father.id is not None
    households.link(ws, zhang, father.id, Relation.PARENT)  # twenty years older
    assert [m.relation for m in households.household(ws, zhang).members] == [Relation.PARENT]
