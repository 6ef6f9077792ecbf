"""Each CSM's working day: callbacks, follow-ups, SMS, appointments and their confirmations, maturities, 回访, this
morning's calls, and the referrals in and out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

from csm_tui.domain.enums import (
    AppointmentStatus,
    Channel,
    Disposition,
    ReferralKind,
    ReferralStatus,
    TaskKind,
    TaskOrigin,
    Tier,
)
from csm_tui.domain.values import from_fen
from csm_tui.rules import working_days
from csm_tui.rules.cadence import ContactState, NextTask
from storage.demo.branch import (
    WORK_END,
    WORK_START,
    Branch,
    Csm,
    DemoClient,
    Maturing,
    Origin,
    Part,
    Weighted,
)
from storage.demo.history import OUTCOMES, PAST_APPOINTMENT, Diary
from storage.demo.portfolio import Portfolio
from storage.orm import (
    AppointmentRow,
    ReferralRow,
)

APPOINTMENT_PURPOSES = ("资产配置面谈", "理财到期再投资", "养老保险规划", "基金定投开户", "风险测评")
WALK_IN_REASONS = ("客户在柜台咨询基金定投", "大额存款到期，有理财意向", "客户咨询教育金保险", "客户询问国债发行")
WODE_REASONS = ("日均资产达到沃德标准", "客户资产大幅增加，建议升级沃德服务")
RETURN_REASONS = ("客户仅办理业务，暂无理财需求", "客户暂不愿更换客户经理")
BUSY_NOTE = "客户约定时间回电"  # what a CSM writes when a busy client names a time (a retry after no answer has none)

OPEN_DAYS = 3  # a referral of the last three working days is still open
CLOSED_REFERRAL = Weighted([(ReferralStatus.ACCEPTED, 75), (ReferralStatus.RETURNED, 25)])


class WorkingDay(Part):
    """Each CSM's day as it stands this morning, and the referrals between staff."""

    def __init__(self, branch: Branch, portfolio: Portfolio, diary: Diary) -> None:
        super().__init__(branch)
        self.portfolio, self.diary = portfolio, diary

    def plan(self, csm: Csm) -> None:
        """Today's queue: callbacks, follow-ups, SMS, appointments and their confirmations, maturities, 回访."""
        rng = self.rng
        reachable = [c for c in self.pools[csm.id] if c.phone_ok and c.capable]
        clients = iter(rng.sample(reachable, min(len(reachable), 45)))
        if not self.recent_sales[csm.id]:  # so that every CSM has a 回访 to make
            self.portfolio.recent_sale(csm, self.days.back(self.today, rng.randint(1, 3)))
        # A private placement sold yesterday, still in its cooling-off period (by a CSM qualified for R5).
        self.portfolio.recent_sale(csm, self.days.back(self.today, 1), [p for p in self.products if p.private])
        plan: tuple[tuple[Callable[[Csm, DemoClient, dt.date], None], list[dt.date]], ...] = (
            (self._callback, self._spread(today=(3, 6), overdue=(1, 3), ahead=(2, 4))),
            (self._follow_up, self._spread(today=(1, 3), overdue=(0, 2), ahead=(1, 2))),
            (self._sms, self._spread(today=(1, 2), overdue=(0, 1), ahead=(0, 1))),  # an SMS to send today
            (self._appointment, self._appointment_days()),
        )
        for handler, days in plan:
            for day, c in zip(days, clients, strict=False):
                handler(csm, c, day)
        self._calls_so_far(csm, clients)
        for holding in self.maturing[csm.id]:
            self._maturity_task(csm, holding)

    def _spread(self, *, today: tuple[int, int], overdue: tuple[int, int], ahead: tuple[int, int]) -> list[dt.date]:
        """Due days: some today, some in the last working days, some in the coming ones."""
        rng, days = self.rng, self.days
        return (
            [self.today] * rng.randint(*today)
            + [days.back(self.today, rng.randint(1, 3)) for _ in range(rng.randint(*overdue))]
            + [days.ahead(self.today, rng.randint(1, 5)) for _ in range(rng.randint(*ahead))]
        )

    def _appointment_days(self) -> list[dt.date]:
        """Some past weeks' appointments, one or two today, a few on the next working day and after."""
        rng, days = self.rng, self.days
        return (
            [days.back(self.today, rng.randint(1, 40)) for _ in range(rng.randint(3, 6))]
            + [self.today] * rng.randint(1, 2)
            + [days.ahead(self.today, 1)] * rng.randint(1, 3)
            + [days.ahead(self.today, rng.randint(2, 5)) for _ in range(rng.randint(0, 2))]
        )

    def _earlier_call(
        self, csm: Csm, c: DemoClient, due: dt.date, back: int, disposition: Disposition, *, late: bool = False
    ) -> Origin:
        """The call, ``back`` working days before ``due`` (and before today), that led to a task; ``late``: in the
        afternoon's last hours, too late for another try that day."""
        day = self.days.back(min(due, self.today), back)
        at = self.days.during_work(self.rng, day, first=self._last_retry() if late else WORK_START)
        return Origin(TaskOrigin.CONTACT, self.diary.contact(c, csm.id, Channel.PHONE, disposition, at), at)

    def _last_retry(self) -> int:
        """The first minute of the day from which a missed call can no longer be tried again the same day."""
        end = self.policy.calendar.work_end
        return min(WORK_END - 1, end.hour * 60 + end.minute - self.policy.calls.no_answer_retry_minutes + 1)

    def _tasks(
        self, csm: Csm, c: DemoClient, origin: Origin, steps: Sequence[NextTask], notes: dict[TaskKind, str]
    ) -> None:
        for step in steps:
            note = notes.get(step.kind, "")
            self.diary.task(c, csm.id, step.kind, step.due_on, origin, due_at=step.due_at, note=note)

    def _after(
        self, c: DemoClient, origin: Origin, disposition: Disposition, agreed: dt.datetime | None = None
    ) -> tuple[NextTask, ...]:
        """What the cadence leaves after the call ``origin``, the day's retries not yet tried."""
        state = ContactState(sms_opt_out=c.sms_opt_out)
        return self.cadence.after_contact(disposition, origin.at, state, agreed).tasks

    def _callback(self, csm: Csm, c: DemoClient, due: dt.date) -> None:
        """A call to return: at a time the busy client named (on a working day: the CSM makes the call), or after no
        answer late in an afternoon."""
        rng = self.rng
        if rng.random() < 0.5:
            origin = self._earlier_call(csm, c, due, rng.randint(1, 2), Disposition.BUSY)
            named = due if self.policy.calendar.is_working_day(due) else self.days.ahead(due, 1)
            agreed = self.days.at(named, WORK_START + 30 * rng.randint(1, 15))
            steps = self._after(c, origin, Disposition.BUSY, agreed)
            self._tasks(csm, c, origin, steps, {TaskKind.CALLBACK: BUSY_NOTE})
        else:
            origin = self._earlier_call(csm, c, due, rng.randint(1, 2), Disposition.NO_ANSWER, late=True)
            steps = self._after(c, origin, Disposition.NO_ANSWER)
            self._tasks(csm, c, origin, steps, {})  # no note, as the app books it: its 详情 says what it retries

    def _follow_up(self, csm: Csm, c: DemoClient, due: dt.date) -> None:
        origin = self._earlier_call(csm, c, due, self.policy.calls.interested_days, Disposition.INTERESTED)
        notes = {TaskKind.FOLLOW_UP: "客户有意向，跟进"}
        self._tasks(csm, c, origin, self._after(c, origin, Disposition.INTERESTED), notes)

    def _sms(self, csm: Csm, c: DemoClient, due: dt.date) -> None:
        if c.sms_ok:
            origin = self._earlier_call(csm, c, due, 5, Disposition.POLITE_DECLINE)
            notes = {TaskKind.SMS: "婉拒一周后发送产品短信", TaskKind.FOLLOW_UP: "婉拒后再次联系"}
            self._tasks(csm, c, origin, self._after(c, origin, Disposition.POLITE_DECLINE), notes)

    def _appointment(self, csm: Csm, c: DemoClient, day: dt.date) -> None:
        """An appointment booked by phone: past ones happened (or not), upcoming ones have the confirmation call the
        cadence gives them."""
        rng = self.rng
        booking = self._earlier_call(csm, c, day, rng.randint(2, 5), Disposition.APPOINTMENT)
        starts_at = self.days.at(day, WORK_START + 30 * rng.randint(1, 14))
        confirmations = self.cadence.appointment_confirmation(starts_at, booking.at)
        confirm_day = confirmations[0].due_on if confirmations else self.days.local_day(booking.at)
        status = AppointmentStatus.BOOKED
        if day < self.today:
            status = PAST_APPOINTMENT.draw(rng)
        elif day == self.today and rng.random() < 0.6:
            status = AppointmentStatus.CONFIRMED
        confirmed = status in (AppointmentStatus.CONFIRMED, AppointmentStatus.DONE, AppointmentStatus.NO_SHOW)
        appointment_id = self.w.add(
            AppointmentRow,
            client_id=c.id,
            staff_id=csm.id,
            starts_at=starts_at,
            minutes=rng.choice((30, 45, 60)),
            purpose=rng.choice(APPOINTMENT_PURPOSES),
            place=f"{self.outlets[csm.outlet_id].name}理财室",
            status=status.value,
            confirmed_at=self.days.during_work(rng, confirm_day) if confirmed else None,
        )
        if day > self.today:
            origin = Origin(TaskOrigin.APPOINTMENT, appointment_id, booking.at)
            self._tasks(csm, c, origin, confirmations, {TaskKind.APPOINTMENT_CONFIRM: "提前一天电话确认预约"})
        if status is AppointmentStatus.DONE:
            self.diary.contact(c, csm.id, Channel.VISIT, OUTCOMES[Channel.VISIT].draw(rng), starts_at)

    def _calls_so_far(self, csm: Csm, clients: Iterator[DemoClient]) -> None:
        """This morning's calls, if the working day has begun, and what the cadence leaves after each: a missed one
        is tried again later today, a busy client asks to be called back in two hours (or on the next working day,
        when that is past the day's calling hours)."""
        if not self.policy.calendar.is_working_day(self.today) or self.now_minute < WORK_START + 15:
            return
        rng = self.rng
        latest = min(self.now_minute - 5, WORK_END)
        for minute, c in zip(sorted(rng.sample(range(WORK_START, latest), 4)), clients, strict=False):
            at = self.days.at(self.today, minute, rng.randrange(60))
            disposition = OUTCOMES[Channel.PHONE].draw(rng)
            origin = Origin(TaskOrigin.CONTACT, self.diary.contact(c, csm.id, Channel.PHONE, disposition, at), at)
            later = at + dt.timedelta(hours=2)
            agreed = later if self.cadence.within_hours(self.cadence.local(at), self.cadence.local(later)) else None
            steps = self.diary.follow_up(c, disposition, at, agreed=agreed)
            notes = {TaskKind.CALLBACK: BUSY_NOTE} if disposition is Disposition.BUSY else {}  # a retry: none
            self._tasks(csm, c, origin, steps, notes)

    def _maturity_task(self, csm: Csm, h: Maturing) -> None:
        """The system's reminder, raised ``maturity_lead_days`` before maturity; most raised earlier are done."""
        lead = dt.timedelta(days=self.policy.calls.maturity_lead_days)
        due = min(working_days.on_or_after(self.policy.calendar, h.maturity - lead), self.today)
        origin = Origin(TaskOrigin.SYSTEM, h.id, min(self.days.at(due, 7 * 60), self.now))
        note = f"{h.product.name} {from_fen(h.amount):,} 元 {h.maturity:%m-%d} 到期"
        if due < self.today and self.rng.random() < 0.8:
            call_day = self.days.pick(self.rng, due, self.today - dt.timedelta(days=1)) or due
            self.diary.done_by_call(h.client, csm.id, TaskKind.MATURITY, due, origin, call_day, note)
        else:
            self.diary.task(h.client, csm.id, TaskKind.MATURITY, due, origin, note=note)

    # --- referrals -----------------------------------------------------------------------------------------------

    def referrals(self, csm: Csm) -> None:
        """Walk-ins referred by the lobby manager or a teller, the latest still open; 沃德-level clients referred on to
        a wealth manager."""
        rng, pool = self.rng, self.pools[csm.id]
        for k, c in enumerate(rng.sample(pool, min(len(pool), rng.randint(2, 5)))):
            referrer, reason = rng.choice(self.branch.referrers), rng.choice(WALK_IN_REASONS)
            self._refer(c, ReferralKind.WALK_IN, referrer, csm.id, reason, within_days=OPEN_DAYS if k == 0 else 40)
        for c in pool:
            if c.tier is Tier.WODE and rng.random() < 0.4:
                manager = rng.choice(self.branch.wealth_managers)
                self._refer(c, ReferralKind.WODE, csm.id, manager, rng.choice(WODE_REASONS), within_days=120)

    def _refer(
        self, c: DemoClient, kind: ReferralKind, from_id: int, to_id: int, reason: str, *, within_days: int
    ) -> None:
        """A referral in the last ``within_days`` working days: the last three days' still open, with the task the
        referral service leaves (due the day the referral is made)."""
        rng = self.rng
        day = self.days.back(self.today, rng.randint(1, within_days))
        at = self.days.during_work(rng, day)
        status = ReferralStatus.OPEN if day >= self.days.back(self.today, OPEN_DAYS) else CLOSED_REFERRAL.draw(rng)
        # The client's need stays as referred; a return's reason is the receiving manager's note beside it.
        decision_note = rng.choice(RETURN_REASONS) if status is ReferralStatus.RETURNED else ""
        referral_id = self.w.add(
            ReferralRow,
            client_id=c.id,
            kind=kind.value,
            from_staff_id=from_id,
            to_staff_id=to_id,
            created_at=at,
            status=status.value,
            reason=reason,
            decision_note=decision_note,
            closed_at=None if status is ReferralStatus.OPEN else at + dt.timedelta(hours=rng.randint(2, 48)),
        )
        if status is ReferralStatus.OPEN:
            origin = Origin(TaskOrigin.REFERRAL, referral_id, at)
            self.diary.task(c, to_id, TaskKind.REFERRAL, day, origin, note=reason)  # due the day it is made
