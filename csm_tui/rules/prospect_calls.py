"""The cadence of calls to prospects (潜在客户), as pure functions of (outcome, clock, policy).

A prospect who consented to be contacted is called like a client but for no product: the first call the working
day after they were taken; no answer: retried as a client is (later the same day while the policy's retries and
the calling hours last, else the next working day); reached: a follow-up after the policy's days for an interested
client, until they open an account or say no. Not interested, do not call (the consent withdrawn) and a wrong
number end the calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from csm_tui.domain.enums import PROSPECT_STOPS, ProspectCallKind, ProspectOutcome
from csm_tui.rules.cadence import Cadence


@dataclass(frozen=True)
class ProspectCall:
    kind: ProspectCallKind
    due_on: dt.date
    due_at: dt.datetime | None = None  # a retry later the same day, UTC


def first_call(cadence: Cadence, taken_at: dt.datetime) -> ProspectCall:
    """The first call: the working day after the prospect was taken."""
    return ProspectCall(ProspectCallKind.FIRST_CALL, cadence.next_working_day_after(cadence.local(taken_at).date()))


def after_call(
    cadence: Cadence, outcome: ProspectOutcome, now: dt.datetime, no_answers_today: int
) -> ProspectCall | None:
    """The next call ``outcome`` leads to; None when it ends the calls."""
    if outcome in PROSPECT_STOPS:
        return None
    if outcome is ProspectOutcome.NO_ANSWER:
        retry = cadence.retry(now, no_answers_today)
        return ProspectCall(ProspectCallKind.RETRY, retry.due_on, retry.due_at)
    today = cadence.local(now).date()
    return ProspectCall(ProspectCallKind.FOLLOW_UP, cadence.after_days(today, cadence.calls.interested_days))
