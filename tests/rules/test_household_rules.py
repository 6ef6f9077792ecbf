"""Whether a family link is plausible (``csm_tui.rules.households``): a parent at least the policy's years older
than the child (16 by default), spouses both of the legal marriage age (Civil Code art. 1047: men 22, women 20; 20
when the sex is not known), nobody their own relative."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.households import Relation
from csm_tui.domain.values import ResidentId, Sex
from csm_tui.policy import Households, Policy
from csm_tui.rules.households import Person, check_link, marriage_age

TODAY = dt.date(2026, 11, 27)
POLICY = Policy()
births = st.dates(dt.date(1920, 1, 1), TODAY)
sexes = st.sampled_from([Sex.MALE, Sex.FEMALE, None])


def years(born: dt.date, day: dt.date) -> int:
    return ResidentId.years_between(born, day)


@given(parent=births, child=births, a=sexes, b=sexes, gap=st.integers(16, 40))
def test_a_parent_is_at_least_the_policys_years_older_read_from_either_side(
    parent: dt.date, child: dt.date, a: Sex | None, b: Sex | None, gap: int
) -> None:
    policy = Policy(households=Households(parent_min_years_older=gap))
    old, young = Person(1, parent, a), Person(2, child, b)
    as_parent = check_link(young, old, Relation.PARENT, TODAY, policy)  # ``old`` is ``young``'s parent
    as_child = check_link(old, young, Relation.CHILD, TODAY, policy)  # ``young`` is ``old``'s child: the same link
    assert as_parent == as_child
    assert (as_parent is None) == (years(parent, child) >= gap)
    if as_parent is not None:
        assert (as_parent.code, as_parent.params) == ("household_parent_age", {"years": gap})


@given(a=births, b=births, sa=sexes, sb=sexes)
def test_spouses_both_reach_the_legal_marriage_age_whichever_side_links(
    a: dt.date, b: dt.date, sa: Sex | None, sb: Sex | None
) -> None:
    one, other = Person(1, a, sa), Person(2, b, sb)
    found = check_link(one, other, Relation.SPOUSE, TODAY, POLICY)
    assert (found is None) == (check_link(other, one, Relation.SPOUSE, TODAY, POLICY) is None)
    of_age = years(a, TODAY) >= marriage_age(sa) and years(b, TODAY) >= marriage_age(sb)
    assert (found is None) == of_age
    assert found is None or found.code == "household_spouse_age"


@pytest.mark.parametrize(
    ("sex", "age", "plausible"),
    [(Sex.MALE, 21, False), (Sex.MALE, 22, True), (Sex.FEMALE, 19, False), (Sex.FEMALE, 20, True),
     (None, 19, False), (None, 20, True)],
)  # fmt: skip
def test_the_marriage_age_is_22_for_men_20_for_women_and_20_when_not_known(
    sex: Sex | None, age: int, plausible: bool
) -> None:
    born = TODAY.replace(year=TODAY.year - age)
    found = check_link(Person(1, born, sex), Person(2, dt.date(1980, 1, 1), Sex.FEMALE), Relation.SPOUSE, TODAY, POLICY)
    assert (found is None) is plausible


@given(born=births, sex=sexes, relation=st.sampled_from(list(Relation)))
def test_nobody_is_their_own_relative(born: dt.date, sex: Sex | None, relation: Relation) -> None:
    me = Person(7, born, sex)
    found = check_link(me, me, relation, TODAY, POLICY)
    assert found is not None and found.code == "household_self"


def test_the_policy_may_ask_a_larger_gap_never_a_smaller_one() -> None:
    assert Policy().households.parent_min_years_older == 16
    with pytest.raises(ValueError):
        Households(parent_min_years_older=15)
