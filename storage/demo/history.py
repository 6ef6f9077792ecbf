"""Contacts and the tasks they leave: 18 months of each client's history, each outcome followed as the call cadence
(``rules.cadence``) says."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from csm_tui.domain.enums import (
    AppointmentStatus,
    Channel,
    Disposition,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.rules.cadence import CALL_KINDS, ContactState, NextTask, reached
from storage.demo.branch import (
    HISTORY_QUIET_DAYS,
    WORK_START,
    DemoClient,
    Origin,
    Part,
    Weighted,
)
from storage.orm import (
    ContactRow,
    TaskRow,
)

_D = Disposition
NOTES: dict[Disposition, tuple[str, ...]] = {
    _D.INTERESTED: ("客户对得利宝理财有兴趣，考虑几天", "客户询问基金定投，表示再考虑", "客户有存款到期，关注新发理财"),
    _D.APPOINTMENT: ("约客户到网点面谈资产配置", "约客户面谈养老规划"),
    _D.AGREED_TO_BUY: ("客户同意购买，约到网点办理", "客户决定认购新发理财"),
    _D.POLITE_DECLINE: ("客户表示暂不需要，过段时间再联系", "客户资金近期另有安排"),
    _D.FIRM_DECLINE: ("客户明确拒绝，态度不耐烦", "客户表示不考虑任何理财"),
    _D.NO_ANSWER: ("无人接听", "响铃无人接听"),
    _D.BUSY: ("客户正忙，约定时间回电", "客户在开会，稍后再联系"),
    _D.WRONG_NUMBER: ("号码有误，接听者非本人",),
    _D.DO_NOT_CALL: ("客户要求不再电话营销",),
    _D.SERVICE_DONE: ("购买后回访，客户满意", "回访：客户清楚产品风险和到期安排", "回访：客户无其他问题"),
    _D.INFORMED: ("发送理财到期提醒", "发送新发产品信息", "节日问候"),
}
MATURITY_TOLD = "到期提醒，客户已知悉"
FEEDBACK: dict[Disposition, tuple[str, ...]] = {
    _D.INTERESTED: ("收益比存款高一些", "想先和家人商量", "担心有风险"),
    _D.POLITE_DECLINE: ("资金要用于买房", "已在他行购买理财", "近期没有闲钱"),
    _D.FIRM_DECLINE: ("不要再打了", "对理财没兴趣"),
    _D.SERVICE_DONE: ("服务很好", "希望到期前提醒", "手续有点多"),
    _D.AGREED_TO_BUY: ("收益还可以", "相信客户经理的推荐"),
}

CHANNELS = Weighted([(Channel.PHONE, 70), (Channel.SMS, 12), (Channel.WECHAT, 10), (Channel.VISIT, 8)])
OUTCOMES = {
    Channel.PHONE: Weighted(
        [
            (_D.INTERESTED, 14),
            (_D.APPOINTMENT, 6),
            (_D.AGREED_TO_BUY, 4),
            (_D.POLITE_DECLINE, 18),
            (_D.FIRM_DECLINE, 5),
            (_D.NO_ANSWER, 22),
            (_D.BUSY, 6),
            (_D.INFORMED, 14),
        ]
    ),
    Channel.SMS: Weighted([(_D.INFORMED, 1)]),
    Channel.WECHAT: Weighted([(_D.INFORMED, 8), (_D.INTERESTED, 2)]),
    Channel.VISIT: Weighted([(_D.INFORMED, 8), (_D.INTERESTED, 5), (_D.AGREED_TO_BUY, 4), (_D.POLITE_DECLINE, 3)]),
}  # 回访完成 (SERVICE_DONE) is no outcome drawn at random: it answers a 回访 (``Diary.done_by_call``) and nothing else
# A client kept informed in person, on the phone or on WeChat (not an SMS sent): what the manager notes.
SPOKEN_NOTES = {_D.INFORMED: ("客户维护，了解近期资金需求", "告知客户新发产品信息", "节日问候，客户近况良好")}
SATISFACTION = Weighted([(5, 60), (4, 33), (3, 7)])
PAST_APPOINTMENT = Weighted(
    [(AppointmentStatus.DONE, 70), (AppointmentStatus.NO_SHOW, 15), (AppointmentStatus.CANCELLED, 15)]
)


class Diary(Part):
    """Contacts and tasks, and each client's history of them."""

    def contact(
        self,
        c: DemoClient,
        staff_id: int,
        channel: Channel,
        disposition: Disposition,
        at: dt.datetime,
        task_id: int | None = None,
        note: str | None = None,
    ) -> int:
        """A contact; its note drawn for the outcome unless given."""
        rng = self.rng
        duration = 0
        if channel is Channel.PHONE and disposition not in (Disposition.NO_ANSWER, Disposition.BUSY):
            duration = rng.randint(60, 300)
        elif channel is Channel.VISIT:
            duration = rng.randint(15, 60) * 60
        feedback = FEEDBACK.get(disposition)
        if disposition is Disposition.NO_ANSWER:
            self.branch.missed.setdefault((c.id, self.days.local_day(at)), []).append(at)
        return self.w.add(
            ContactRow,
            client_id=c.id,
            staff_id=staff_id,
            channel=channel.value,
            started_at=at,
            duration_s=duration,
            disposition=disposition.value,
            note=rng.choice(self._notes(channel, disposition)) if note is None else note,
            feedback=rng.choice(feedback) if feedback and rng.random() < 0.6 else "",
            satisfaction=SATISFACTION.draw(rng) if disposition is Disposition.SERVICE_DONE else None,
            task_id=task_id,
        )

    @staticmethod
    def _notes(channel: Channel, disposition: Disposition) -> tuple[str, ...]:
        spoken = SPOKEN_NOTES.get(disposition) if channel is not Channel.SMS else None
        return spoken or NOTES[disposition]

    def task(
        self,
        c: DemoClient,
        staff_id: int,
        kind: TaskKind,
        due_on: dt.date,
        origin: Origin,
        *,
        due_at: dt.datetime | None = None,
        note: str = "",
        closed_at: dt.datetime | None = None,
    ) -> int:
        return self.w.add(
            TaskRow,
            client_id=c.id,
            staff_id=staff_id,
            kind=kind.value,
            due_on=due_on,
            due_at=due_at,
            status=(TaskStatus.OPEN if closed_at is None else TaskStatus.DONE).value,
            origin=origin.kind.value,
            origin_id=origin.id,
            note=note,
            created_at=origin.at,
            closed_at=closed_at,
        )

    def done_by_call(
        self,
        c: DemoClient,
        staff_id: int,
        kind: TaskKind,
        due: dt.date,
        origin: Origin,
        day: dt.date,
        note: str = "",
    ) -> None:
        """A task done on ``day``, the contact recorded on it: a 回访 done, an SMS sent, the client told of a
        maturity."""
        at = self.days.during_work(self.rng, day)
        task_id = self.task(c, staff_id, kind, due, origin, note=note, closed_at=at)
        if kind is TaskKind.SERVICE_CALLBACK:
            self.contact(c, staff_id, Channel.PHONE, Disposition.SERVICE_DONE, at, task_id)
        elif kind is TaskKind.SMS:
            self.contact(c, staff_id, Channel.SMS, Disposition.INFORMED, at, task_id)
        else:
            self.contact(c, staff_id, Channel.PHONE, Disposition.INFORMED, at, task_id, MATURITY_TOLD)

    def follow_up(
        self,
        c: DemoClient,
        disposition: Disposition,
        at: dt.datetime,
        no_answers_today: int = 0,
        agreed: dt.datetime | None = None,
    ) -> tuple[NextTask, ...]:
        """The tasks the call cadence leaves after ``disposition`` at ``at`` (``rules.cadence``), as the product
        records an outcome: a busy client names ``agreed``, or else a time on the next working day; an appointment
        or an agreement to buy leaves nothing here (the demo draws its meetings in the working day)."""
        if disposition in (Disposition.APPOINTMENT, Disposition.AGREED_TO_BUY):
            return ()
        if disposition is Disposition.BUSY and agreed is None:
            named = self.cadence.next_working_day_after(self.days.local_day(at))
            agreed = self.days.at(named, WORK_START + 30 * self.rng.randint(1, 15))
        state = ContactState(no_answers_today=no_answers_today, sms_opt_out=c.sms_opt_out)
        return self.cadence.after_contact(disposition, at, state, agreed).tasks

    def contact_history(self, c: DemoClient) -> None:
        """3–8 contacts over 18 months. Each outcome leaves the tasks the cadence gives it; the next contact does the
        earliest of them, by its due day (at its agreed time, if it has one) — a pending SMS is sent, a pending call
        made — and a call that reaches the client settles the other calls pending, as the product's outcome does.
        What the last contact leaves is not drawn (the CSM's working day draws today's tasks), except the check of a
        wrong number."""
        if c.manager is None:
            return
        rng, staff_id = self.rng, c.manager.id
        days = self.days.sample(
            rng, self.history_first, self.today - dt.timedelta(HISTORY_QUIET_DAYS), rng.randint(3, 8)
        )
        if c.mobile_invalid:  # the number was found wrong lately
            days[-1] = self.days.back(self.today, rng.randint(1, 3))
        pending: list[tuple[NextTask, Origin]] = []
        no_answers: Counter[dt.date] = Counter()
        for k, sampled in enumerate(days):
            first = pending[0][0] if pending else None
            channel, disposition = self._history_outcome(c, first, last=k == len(days) - 1)
            if first is not None and first.due_at is not None and first.due_on <= sampled:
                at = first.due_at
            else:
                at = self.days.during_work(rng, sampled if first is None else min(sampled, first.due_on))
            task_id = None
            for n, (step, origin) in enumerate(list(pending)):
                if n == 0 or (reached(disposition, channel) and step.kind in CALL_KINDS):
                    closed = self.task(c, staff_id, step.kind, step.due_on, origin, due_at=step.due_at, closed_at=at)
                    task_id = closed if n == 0 else task_id
                    pending.remove((step, origin))
            contact = Origin(TaskOrigin.CONTACT, self.contact(c, staff_id, channel, disposition, at, task_id), at)
            day = self.days.local_day(at)
            for step in self.follow_up(c, disposition, at, no_answers[day]):
                if step.kind is TaskKind.VERIFY_NUMBER:
                    self.task(c, staff_id, step.kind, step.due_on, contact, note="核实客户手机号码")
                else:
                    pending.append((step, contact))
            pending.sort(key=lambda p: (p[0].due_on, p[0].due_at or at))
            no_answers[day] += disposition is Disposition.NO_ANSWER

    def _history_outcome(self, c: DemoClient, pending: NextTask | None, *, last: bool) -> tuple[Channel, Disposition]:
        """A channel and outcome; a pending SMS is sent, a pending call is made; opt-outs end the history."""
        if last and c.mobile_invalid:
            return Channel.PHONE, Disposition.WRONG_NUMBER
        if last and c.phone_opt_out:
            return Channel.PHONE, Disposition.DO_NOT_CALL
        if pending is not None:
            channel = Channel.SMS if pending.kind is TaskKind.SMS else Channel.PHONE
        else:
            channel = CHANNELS.draw(self.rng)
            if channel is Channel.SMS and not c.sms_ok:
                channel = Channel.PHONE
        return channel, OUTCOMES[channel].draw(self.rng)
