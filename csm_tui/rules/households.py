"""Whether a family link between two clients is plausible, from their birth dates and sex (pure: the repository and
the households import both ask it, each from the clients as they stand).

- nobody is their own relative;
- a parent is at least ``policy.households.parent_min_years_older`` (default 16) whole years older than the child,
  counted from birth date to birth date;
- spouses have both reached the legal marriage age on the day of the link (Civil Code art. 1047: 22 for men, 20 for
  women; 20 when the sex is not known, the lower of the two, so no genuine link is refused for want of it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic_core import PydanticCustomError

from csm_tui.domain.errors import DomainError
from csm_tui.domain.households import Relation
from csm_tui.domain.values import ResidentId, Sex
from csm_tui.policy import Policy

MARRIAGE_AGE = {Sex.MALE: 22, Sex.FEMALE: 20}  # 民法典第一千零四十七条
MARRIAGE_AGE_UNKNOWN = 20


@dataclass(frozen=True, slots=True)
class Person:
    """What the rule needs of a client: who they are (``id``), when born, and the sex when known."""

    id: int
    born: dt.date
    sex: Sex | None = None


@dataclass(frozen=True, slots=True)
class Implausible:
    """Why a link is refused: ``code`` is the message's key under ``error.``, ``params`` its figures."""

    code: str
    params: dict[str, int]


def marriage_age(sex: Sex | None) -> int:
    """The legal marriage age of someone of ``sex`` (None: not known)."""
    return MARRIAGE_AGE.get(sex, MARRIAGE_AGE_UNKNOWN) if sex is not None else MARRIAGE_AGE_UNKNOWN


def check_link(
    client: Person, relative: Person, relation: Relation, today: dt.date, policy: Policy
) -> Implausible | None:
    """Why ``relative`` cannot be ``client``'s ``relation`` (None: the link is plausible)."""
    if client.id == relative.id:
        return Implausible("household_self", {})
    if relation is Relation.SPOUSE:
        for person in (client, relative):
            least = marriage_age(person.sex)
            if ResidentId.years_between(person.born, today) < least:
                return Implausible("household_spouse_age", {"age": least})
        return None
    parent, child = (relative, client) if relation is Relation.PARENT else (client, relative)
    gap = policy.households.parent_min_years_older
    if ResidentId.years_between(parent.born, child.born) < gap:
        return Implausible("household_parent_age", {"years": gap})
    return None


def person(client_id: int, resident_id: str) -> Person:
    """A client as the rule reads them: birth date and sex from the resident ID (GB 11643). A stored number that
    cannot be read (a legacy 15-digit one written past the import): ``DomainError`` ``household_id_unreadable``, as
    a link nobody can judge is not written."""
    try:
        rid = ResidentId(resident_id)
    except PydanticCustomError:
        raise DomainError("household_id_unreadable") from None
    return Person(client_id, rid.birth_date, rid.sex)
