"""What a call's script says, by why the call is made: the purpose, the questions, and whether anything is pitched.

The manual's call (greeting, why I call, simple questions, a benefit in figures, the close) fits a marketing call; a
call made for another reason says only what is true of it:

- a 回访 after a purchase asks about that purchase (satisfaction, the risks understood, questions) and pitches
  nothing — a service callback is no sales call, and the client has just bought;
- a callback says "at the time you named" only when the client named it; after an unanswered call it says that the
  manager is trying again, and a callback added by hand claims no agreement at all;
- confirming a meeting or greeting a birthday pitches nothing either.

Example amounts in the benefit line are the client's own scale: the money that matures, else a round figure at or
under the client's 3-month average — never a sum the client does not have.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from csm_tui.domain.enums import Disposition, QueueReason


class CallbackCause(StrEnum):
    """Why a callback is due."""

    AGREED = "agreed"  # the client was busy and named the time
    RETRY = "retry"  # the last call went unanswered: the manager tries again
    OTHER = "other"  # added by hand or by the system: no time was agreed with the client


def callback_cause(disposition: Disposition | None) -> CallbackCause:
    """The cause of a callback, from the outcome of the contact that created it (None: no such contact)."""
    match disposition:
        case Disposition.BUSY:
            return CallbackCause.AGREED
        case Disposition.NO_ANSWER:
            return CallbackCause.RETRY
    return CallbackCause.OTHER


class Questions(StrEnum):
    SPIN = "spin"  # situation, problem, implication, need-payoff: finding a need
    SERVICE = "service"  # a 回访: satisfaction, the risks understood, any question
    CONFIRM = "confirm"  # the meeting's time and place
    NONE = "none"


# Calls that are not sales calls: nothing is pitched on them.
NO_PITCH = frozenset({QueueReason.SERVICE_CALLBACK, QueueReason.APPOINTMENT_CONFIRM, QueueReason.BIRTHDAY})


@dataclass(frozen=True)
class ScriptPlan:
    """The shape of one call's script: catalog keys under ``script.purpose`` and ``script.questions``."""

    purpose: str
    questions: Questions
    pitch: bool


# An agreed callback made this much after the time the client named no longer says "at the time you named".
LATE_AFTER = dt.timedelta(minutes=15)


def called_late(agreed_at: dt.datetime | None, now: dt.datetime | None) -> bool:
    """A callback made more than ``LATE_AFTER`` after the time the client named: the card and the script say the
    time was agreed earlier (and apologise), not that it is now."""
    if agreed_at is None or now is None:
        return False
    if agreed_at.tzinfo is None:
        agreed_at = agreed_at.replace(tzinfo=dt.UTC)  # stored instants are UTC
    return now - agreed_at > LATE_AFTER


def plan(
    reason: QueueReason,
    cause: CallbackCause | None = None,
    agreed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ScriptPlan:
    """The script for a call made for ``reason`` (``cause``: why a callback is due, for a callback; ``agreed_at``:
    the time the client named, ``now``: when the call is made — a callback made well after the agreed time says the
    time was agreed earlier, not that it is now)."""
    purpose = reason.value
    if reason is QueueReason.CALLBACK:
        purpose = {
            CallbackCause.AGREED: "callback",
            CallbackCause.RETRY: "callback_retry",
            CallbackCause.OTHER: "callback_other",
        }[cause or CallbackCause.OTHER]
        if cause is CallbackCause.AGREED and called_late(agreed_at, now):
            purpose = "callback_late"
    questions = {
        QueueReason.SERVICE_CALLBACK: Questions.SERVICE,
        QueueReason.APPOINTMENT_CONFIRM: Questions.CONFIRM,
        QueueReason.BIRTHDAY: Questions.NONE,
    }.get(reason, Questions.SPIN)
    return ScriptPlan(purpose, questions, reason not in NO_PITCH)


_STEPS = (1, 2, 5)


def round_down(amount: Decimal) -> Decimal:
    """The largest of 1, 2, 5 × 10ⁿ yuan not above ``amount`` (``amount`` ≥ 1): 1,103 → 1,000; 3,170,000 →
    2,000,000; 60,000 → 50,000."""
    power = Decimal(10) ** (len(str(int(amount))) - 1)
    lead = int(amount // power)
    return max(s for s in _STEPS if s <= lead) * power


def example_amount(maturing: Decimal | None, avg_3m: Decimal) -> Decimal | None:
    """The sum a benefit is shown on: what matures, as it is; else a round sum within the client's 3-month average;
    None when the client has less than ¥1 (there is nothing to show a benefit on)."""
    if maturing is not None and maturing > 0:
        return maturing
    if avg_3m < 1:
        return None
    return round_down(avg_3m).quantize(Decimal("0.01"))


def agreed_time(cause: CallbackCause | None, due_at: dt.datetime | None) -> dt.datetime | None:
    """The time the client agreed to be called at: only when the client named it."""
    return due_at if cause is CallbackCause.AGREED else None
