"""Marketing events (营销活动) as pure functions of the policy and the branch's calendar: when an event may be held,
when an invitee who accepted is reminded, by when an attendee is followed up, which sales the event is credited
with. Instants are aware UTC; dates are the branch's."""

from __future__ import annotations

import datetime as dt

import arrow

from csm_tui.domain.enums import Disposition, InviteStatus, TaskKind
from csm_tui.policy import Policy
from csm_tui.rules import working_days

# An event's invitation and reminder calls: answered through the invitation, moved (a skip, a snooze, a call back)
# never past the event's day.
INVITATION_CALLS = (TaskKind.EVENT_INVITE, TaskKind.EVENT_REMINDER)

# What each outcome of an invitation's or reminder's call makes of the invitation, as a bank's invitation list records
# it: accepted; declined, whether politely, firmly, by asking not to be called again or by a wrong number (the
# invitation ends unreached: the contact keeps the outcome and the number is verified); no answer; a busy client
# asked to be called back at a time (``None``: the invitation stays as it is and its call moves to that time). The
# other outcome codes (a meeting, a purchase, a 回访) are no answer to an invitation.
CALL_ANSWERS: dict[Disposition, InviteStatus | None] = {
    Disposition.INTERESTED: InviteStatus.ACCEPTED,
    Disposition.POLITE_DECLINE: InviteStatus.DECLINED,
    Disposition.FIRM_DECLINE: InviteStatus.DECLINED,
    Disposition.DO_NOT_CALL: InviteStatus.DECLINED,
    Disposition.WRONG_NUMBER: InviteStatus.DECLINED,
    Disposition.NO_ANSWER: InviteStatus.NO_ANSWER,
    Disposition.BUSY: None,
}
# Outcomes that leave an invitation as it stands: a busy client; an invitee who accepted and does not pick up the
# reminder (they still accepted; the reminder is tried again).
KEPT_WHEN_ACCEPTED = frozenset({Disposition.NO_ANSWER, Disposition.BUSY})


def after_answer(status: InviteStatus, disposition: Disposition) -> InviteStatus:
    """The invitation's status once a call to the invitee ended in ``disposition`` (one of ``CALL_ANSWERS``)."""
    new = CALL_ANSWERS[disposition]
    if new is None or (status is InviteStatus.ACCEPTED and disposition in KEPT_WHEN_ACCEPTED):
        return status
    return new


# Outcomes, on any call, after which the client is not called at all (a request not to be called, a number found
# wrong): their pending invitation and reminder calls are closed.
UNCALLABLE = frozenset({Disposition.DO_NOT_CALL, Disposition.WRONG_NUMBER})
# Invitations still waiting for an answer: one whose calls are closed as the client may not be called ends declined
# (unreached, as on its own call); an acceptance stands (the client said yes; only the reminder is not made).
AWAITING = frozenset({InviteStatus.INVITED, InviteStatus.NO_ANSWER})


def may_be_called(mobile: str | None, phone_opt_out: bool, mobile_invalid: bool) -> bool:
    """An invitation is a call: a client who asked not to be called, whose number is known wrong or who has none is
    not invited (by hand; the rule's query leaves them out too), lest they count as invited while nobody calls."""
    return bool(mobile) and not phone_opt_out and not mobile_invalid


def when_uncallable(status: InviteStatus, disposition: Disposition) -> InviteStatus:
    """The invitation's status once its pending calls are closed because the client may not be called any more
    (``disposition`` one of ``UNCALLABLE``, recorded on another call or on the client's page)."""
    return after_answer(status, disposition) if status in AWAITING else status


def replayed(start: InviteStatus, dispositions: list[Disposition]) -> InviteStatus:
    """The invitation's status after the answers ``dispositions`` in order, from ``start`` (what it was made as)."""
    status = start
    for disposition in dispositions:
        status = after_answer(status, disposition)
    return status


def call_in_time(policy: Policy, starts_at: dt.datetime, due_on: dt.date) -> bool:
    """An invitation's or reminder's call due ``due_on`` is still made before the event's day."""
    return due_on < local(policy, starts_at).date()


def local(policy: Policy, at: dt.datetime) -> arrow.Arrow:
    return arrow.get(at).to(policy.calendar.tz)


def slot_problem(policy: Policy, starts_at: dt.datetime, minutes: int) -> str | None:
    """Why an event cannot be held from ``starts_at`` for ``minutes`` (an ``error.`` catalog key), or None: it is
    held on one of the branch's working days, within its opening hours (``[calendar]`` ``opens``/``closes``)."""
    start = local(policy, starts_at)
    end = start.shift(minutes=minutes)
    if not policy.calendar.is_working_day(start.date()):
        return "event_not_working_day"
    hours = policy.calendar
    if end.date() != start.date() or start.time() < hours.opens or end.time() > hours.closes:
        return "event_outside_hours"
    return None


def invitation_due(policy: Policy, today: dt.date) -> dt.date:
    """An invitation call is due today, or on the next working day when today is not one."""
    return working_days.on_or_after(policy.calendar, today)


def reminder_day(policy: Policy, event_day: dt.date, today: dt.date) -> dt.date | None:
    """The reminder call to an invitee who accepted: the working day before the event; none when that day is
    today or past (an invitee who accepted today for tomorrow was just spoken to)."""
    before = working_days.last_on_or_before(policy.calendar, event_day - dt.timedelta(days=1), today)
    return before if today < before < event_day and policy.calendar.is_working_day(before) else None


def follow_up_day(policy: Policy, event_day: dt.date) -> dt.date:
    """The follow-up call to an attendee: the first working day after the event, and no later than the policy's
    ``follow_up_days`` after it (the event's day itself when those days hold no working day)."""
    deadline = event_day + dt.timedelta(days=policy.events.follow_up_days)
    following = working_days.next_after(policy.calendar, event_day)
    if following <= deadline:
        return following
    return working_days.last_on_or_before(policy.calendar, deadline, event_day)


def attributed(policy: Policy, starts_at: dt.datetime, sold_at: dt.datetime) -> bool:
    """A sale of a featured product to an attendee is credited to the event: made once the event began (a sale
    that morning, before it, owes the event nothing), up to the policy's ``attribution_days`` (30 by default) after
    its day."""
    event_day = local(policy, starts_at).date()
    sold_on = local(policy, sold_at).date()
    return starts_at <= sold_at and sold_on <= event_day + dt.timedelta(days=policy.events.attribution_days)
