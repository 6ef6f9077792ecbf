"""Know your customer (反洗钱法): whether a client's ID is valid on a day, or expires soon.

An ID is valid through its expiry date (the last day printed on it); a long-term ID (长期) never expires; an ID whose
expiry is not known yet is neither expired nor expiring (the bank's data will bring it). No business is done on an
expired ID: the 4S check fails its identity line (``rules.suitability``), and an ID that expired or expires within the
policy's notice days puts "update the ID at the next visit" in the CSM's queue.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

FIELDS = ("id_expiry", "id_long_term")  # a client's, recorded by their manager when the new ID is seen
ID_VALID_YEARS_MAX = 20  # a resident ID is issued for 5, 10 or 20 years, or long-term (长期)
LONG_TERM_FROM_AGE = 46  # 居民身份证法 art. 5: a long-term ID is issued only to someone 46 or older
LONG_TERM_WORDS = frozenset({"长期", "长期有效", "long-term", "long term", "longterm", "permanent"})


class IdState(StrEnum):
    UNKNOWN = "unknown"  # no expiry recorded yet
    LONG_TERM = "long_term"  # 长期
    VALID = "valid"
    EXPIRING = "expiring"  # valid today, expires within the notice days
    EXPIRED = "expired"


def id_state(expiry: dt.date | None, long_term: bool, day: dt.date, notice_days: int = 0) -> IdState:
    """The ID's state on ``day``: expired the day after its expiry date; expiring when it lapses within
    ``notice_days`` after ``day``."""
    if long_term:
        return IdState.LONG_TERM
    if expiry is None:
        return IdState.UNKNOWN
    if expiry < day:
        return IdState.EXPIRED
    if expiry < day + dt.timedelta(days=notice_days):
        return IdState.EXPIRING
    return IdState.VALID


def id_expired(expiry: dt.date | None, long_term: bool, day: dt.date) -> bool:
    """No business on this ID on ``day``."""
    return id_state(expiry, long_term, day) is IdState.EXPIRED


def needs_update(expiry: dt.date | None, long_term: bool, day: dt.date, notice_days: int) -> bool:
    """The CSM asks for the new ID at the next visit: it expired, or expires within the notice days."""
    return id_state(expiry, long_term, day, notice_days) in (IdState.EXPIRED, IdState.EXPIRING)


def notice_until(day: dt.date, notice_days: int) -> dt.date:
    """The last expiry date that counts as "expiring soon" on ``day`` (the queue's query bound)."""
    return day + dt.timedelta(days=notice_days - 1)


def is_long_term_word(text: str) -> bool:
    return text.strip().casefold() in LONG_TERM_WORDS


def long_term_impossible(age: int) -> bool:
    """A long-term ID on someone younger than it is issued to: a mistake in the data, which would otherwise lift the
    expired-ID refusal for good."""
    return age < LONG_TERM_FROM_AGE


def expiry_too_far(expiry: dt.date, today: dt.date) -> bool:
    """An expiry further off than the longest an ID is issued for: a mistake (a typo in the year)."""
    return expiry > today + dt.timedelta(days=366 * ID_VALID_YEARS_MAX)
