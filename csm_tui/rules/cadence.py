"""The bank's call cadence as pure functions of (outcome, client state, policy, clock).

After every contact the next contact is agreed and recorded (预约服务). The intervals come from the policy; a due date
that lands on a non-working day moves to the next working day. Instants are aware UTC; dates are the branch's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import arrow

from csm_tui.domain.enums import Channel, Disposition, QueueReason, TaskKind
from csm_tui.domain.errors import DomainError
from csm_tui.policy import Policy
from csm_tui.rules import working_days

SNOOZE_AFTERNOON = dt.time(14, 0)  # "this afternoon" of a snooze's quick choices


@dataclass(frozen=True)
class NextTask:
    kind: TaskKind
    due_on: dt.date
    due_at: dt.datetime | None = None  # a time of day agreed with the client, UTC


@dataclass(frozen=True)
class FollowUp:
    """What an outcome leads to: the next tasks, and changes to the client's record."""

    tasks: tuple[NextTask, ...] = ()
    mobile_invalid: bool = False
    phone_opt_out: bool = False


@dataclass(frozen=True)
class ContactState:
    """What the rules need to know of the client at the moment of the outcome."""

    no_answers_today: int = 0  # unanswered calls to this client earlier today
    sms_opt_out: bool = False


# Phone tasks, and the reason each puts its client in the call queue.
CALL_TASKS = {
    TaskKind.CALLBACK: QueueReason.CALLBACK,
    TaskKind.SERVICE_CALLBACK: QueueReason.SERVICE_CALLBACK,
    TaskKind.APPOINTMENT_CONFIRM: QueueReason.APPOINTMENT_CONFIRM,
    TaskKind.MATURITY: QueueReason.MATURITY,
    TaskKind.ASSESSMENT_RENEWAL: QueueReason.ASSESSMENT,
    TaskKind.FOLLOW_UP: QueueReason.FOLLOW_UP,
    TaskKind.REFERRAL: QueueReason.REFERRAL,
    TaskKind.ID_UPDATE: QueueReason.ID_EXPIRY,
    TaskKind.EVENT_INVITE: QueueReason.EVENT_INVITE,
    TaskKind.EVENT_REMINDER: QueueReason.EVENT_REMINDER,
    TaskKind.EVENT_FOLLOW_UP: QueueReason.EVENT_FOLLOW_UP,
}
# Phone tasks that one call settles once the client is reached (a 回访 only by a 回访; an event's invitation and
# reminder only by the invitation's answer, ``services.events.planning.answer``).
OWN_ANSWER = frozenset({TaskKind.SERVICE_CALLBACK, TaskKind.EVENT_INVITE, TaskKind.EVENT_REMINDER})
CALL_KINDS = tuple(kind for kind in CALL_TASKS if kind not in OWN_ANSWER)
# Contacts after which the client does not count as reached.
NOT_REACHED = (Disposition.NO_ANSWER, Disposition.BUSY, Disposition.WRONG_NUMBER)
SPOKEN = (Channel.PHONE, Channel.VISIT)  # contacts in which the client can be said to be reached
RETRIES_FOLLOWED = 20  # a chain of retries longer than this is not followed further (none is, by the cadence)


def reached(disposition: Disposition, channel: Channel) -> bool:
    """The client was reached in person or on the phone: the contact settles the other calls due."""
    return disposition not in NOT_REACHED and channel in SPOKEN


# Outcomes that need a time from the user: the meeting, or when the busy client asked to be called.
NEEDS_TIME = frozenset({Disposition.APPOINTMENT, Disposition.BUSY})
# Outcomes that book a visit only when the client will come in (a time given): a client who agreed to buy may
# complete the purchase without a visit.
MAY_BOOK = frozenset({Disposition.AGREED_TO_BUY})


class Cadence:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.calendar = policy.calendar
        self.calls = policy.calls

    def local(self, at: dt.datetime) -> arrow.Arrow:
        return arrow.get(at).to(self.calendar.tz)

    def working_day(self, day: dt.date) -> dt.date:
        return working_days.on_or_after(self.calendar, day)

    def after_days(self, today: dt.date, days: int) -> dt.date:
        return working_days.after_days(self.calendar, today, days)

    def next_working_day_after(self, day: dt.date) -> dt.date:
        return working_days.next_after(self.calendar, day)

    def after_contact(
        self, outcome: Disposition, now: dt.datetime, state: ContactState, at: dt.datetime | None = None
    ) -> FollowUp:
        """The follow-up the bank's rules give ``outcome``; ``at`` is the agreed time where one is needed."""
        if outcome in NEEDS_TIME and at is None:
            raise DomainError("time_required")
        today = self.local(now).date()
        c = self.calls
        match outcome:
            case Disposition.INTERESTED:
                return FollowUp((NextTask(TaskKind.FOLLOW_UP, self.after_days(today, c.interested_days)),))
            case Disposition.APPOINTMENT | Disposition.AGREED_TO_BUY:
                return FollowUp(tuple(self.appointment_confirmation(at, now))) if at is not None else FollowUp()
            case Disposition.POLITE_DECLINE:
                tasks = [NextTask(TaskKind.FOLLOW_UP, self.after_days(today, c.polite_decline_call_days))]
                if not state.sms_opt_out:
                    tasks.insert(0, NextTask(TaskKind.SMS, self.after_days(today, c.polite_decline_sms_days)))
                return FollowUp(tuple(tasks))
            case Disposition.NO_ANSWER:
                return FollowUp((self.retry(now, state.no_answers_today),))
            case Disposition.BUSY:
                assert at is not None
                return FollowUp((self.callback_at(at, now),))
            case Disposition.WRONG_NUMBER:
                return FollowUp((NextTask(TaskKind.VERIFY_NUMBER, today),), mobile_invalid=True)
            case Disposition.DO_NOT_CALL:
                return FollowUp(phone_opt_out=True)
            case _:  # firm decline (a quiet period follows from the contact itself), 回访 done, informed
                return FollowUp()

    def within_hours(self, now: arrow.Arrow, later: arrow.Arrow) -> bool:
        """``later`` is still inside today's calling hours (and today is a working day)."""
        return (
            self.calendar.is_working_day(now.date())
            and later.date() == now.date()
            and self.calendar.work_start <= later.time() <= self.calendar.work_end
        )

    def retry(self, now: dt.datetime, no_answers_before: int) -> NextTask:
        """No answer: later today while retries and working hours last, else the next working day."""
        local = self.local(now)
        later = local.shift(minutes=self.calls.no_answer_retry_minutes)
        if no_answers_before < self.calls.no_answer_retries_same_day and self.within_hours(local, later):
            return NextTask(TaskKind.CALLBACK, local.date(), later.to("UTC").datetime)
        return NextTask(TaskKind.CALLBACK, self.next_working_day_after(local.date()))

    def callback_at(self, at: dt.datetime, now: dt.datetime) -> NextTask:
        """The call back at the time the client named (busy): ahead, when the CSM calls (``call_refusal``)."""
        if (refused := self.call_refusal(at, now, past="time_in_past")) is not None:
            raise refused
        return NextTask(TaskKind.CALLBACK, self.local(at).date(), at)

    def call_refusal(self, at: dt.datetime, now: dt.datetime, past: str = "snooze_in_past") -> DomainError | None:
        """Why a call cannot be put at ``at``, in words, or None: it must be ahead (else ``past``), on a working day
        and within the calling hours — when the CSM is at work to make it."""
        local, when = self.local(now), self.local(at)
        if when <= local:
            return DomainError(past)
        if not self.calendar.is_working_day(when.date()):
            return DomainError("call_not_working_day", day=when.date().isoformat())
        if not self.calendar.work_start <= when.time() <= self.calendar.work_end:
            start, end = self.calendar.work_start, self.calendar.work_end
            return DomainError("call_outside_hours", start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))
        return None

    def appointment_confirmation(self, starts_at: dt.datetime, now: dt.datetime) -> list[NextTask]:
        """A confirmation call the working day before the meeting; none when that day is today or past (a meeting
        agreed for the next working day needs no second call to confirm it)."""
        if starts_at <= now:
            raise DomainError("time_in_past")
        day = self.local(starts_at).date()
        today = self.local(now).date()
        before = working_days.last_on_or_before(
            self.calendar, day - dt.timedelta(days=self.calls.appointment_confirm_days_before), today
        )
        return [NextTask(TaskKind.APPOINTMENT_CONFIRM, before)] if today < before < day else []

    def service_callback(self, sold_at: dt.datetime, phone_opt_out: bool) -> NextTask:
        """回访 after a purchase: the next working day; the day after the sale when holidays would push that past
        the window (the rule is the window). By SMS for a client who opted out of calls."""
        sold_on = self.local(sold_at).date()
        kind = TaskKind.SMS if phone_opt_out else TaskKind.SERVICE_CALLBACK
        due = self.next_working_day_after(sold_on)
        if due > self.service_window_end(sold_at):
            due = sold_on + dt.timedelta(days=1)
        return NextTask(kind, due)

    def service_window_end(self, sold_at: dt.datetime) -> dt.date:
        return self.local(sold_at).date() + dt.timedelta(days=self.calls.service_callback_days)

    def quiet_since(self, today: dt.date) -> dt.date:
        """A firm refusal on or after this day still keeps the client out of marketing calls today."""
        return today - dt.timedelta(days=self.calls.firm_decline_quiet_days - 1)

    def snooze_choices(self, now: dt.datetime) -> dict[str, dt.datetime]:
        """The quick times a snooze offers, each one that ``snooze_until`` accepts: ``hour`` (the policy's snooze
        minutes on), ``afternoon`` (this working day at the afternoon hour, while it is still ahead), ``morning``
        (the next working day when the day's hours open), in that order."""
        local = self.local(now)
        later = local.shift(minutes=self.calls.snooze_minutes)
        afternoon = local.replace(hour=SNOOZE_AFTERNOON.hour, minute=SNOOZE_AFTERNOON.minute, second=0, microsecond=0)
        day = self.next_working_day_after(local.date())
        morning = arrow.get(dt.datetime.combine(day, self.calendar.work_start), tzinfo=self.calendar.tz)
        found = {"hour": later, "afternoon": afternoon, "morning": morning}
        times = {name: at.to("UTC").datetime for name, at in found.items()}
        return {name: at for name, at in times.items() if self.call_refusal(at, now) is None}

    def snooze_until(self, at: dt.datetime, now: dt.datetime) -> NextTask:
        """The call moved to ``at``, which must be ahead, on a working day and within the calling hours."""
        if (refused := self.call_refusal(at, now)) is not None:
            raise refused
        when = self.local(at)
        return NextTask(TaskKind.CALLBACK, when.date(), when.to("UTC").datetime)
