"""Households: clients linked as family. A link is read from either side, the relation inverted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Relation(StrEnum):
    """What the relative is to the client."""

    SPOUSE = "spouse"  # 配偶
    PARENT = "parent"  # 父母
    CHILD = "child"  # 子女

    @property
    def inverse(self) -> Relation:
        """What the client is to the relative: a spouse's spouse, a parent's child, a child's parent."""
        return {Relation.SPOUSE: Relation.SPOUSE, Relation.PARENT: Relation.CHILD, Relation.CHILD: Relation.PARENT}[
            self
        ]


def stored(client_id: int, relative_id: int, relation: Relation) -> tuple[int, int, Relation]:
    """The link as the database keeps it: the lower client id first, the relation read from that side."""
    if client_id < relative_id:
        return client_id, relative_id, relation
    return relative_id, client_id, relation.inverse


def seen_from(client_id: int, low: int, high: int, relation: Relation) -> tuple[int, Relation]:
    """A stored link (``high`` is ``low``'s ``relation``) read from ``client_id``'s side: the relative and what
    they are to the client."""
    return (high, relation) if client_id == low else (low, relation.inverse)


@dataclass(frozen=True, slots=True)
class HouseholdMember:
    """A linked relative: what they are to the client; in full (``own``) or masked (no figures of their own)."""

    client_id: int
    relation: Relation
    number: str
    name: str
    masked_id: str
    avg_3m: Decimal | None  # None: not the viewer's to see
    assets_as_of: dt.date | None
    own: bool


@dataclass(frozen=True, slots=True)
class Household:
    members: tuple[HouseholdMember, ...]
    combined_avg: Decimal  # the 3-month averages of the client and of the relatives the viewer sees in full
    as_of: dt.date | None  # the client's data date
    not_counted: int = 0  # relatives left out of ``combined_avg``: not the viewer's to see (their sum would tell it)
