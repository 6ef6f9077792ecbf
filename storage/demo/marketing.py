"""Marketing events (营销活动), prospects (潜在客户) and suspicion reports (反洗钱), drawn after everything else.

Three past events — a payroll company's talk, a salon for securities clients, a CSM's community talk two working days
ago — with their invitations called and answered, reminders, attendance, walk-ins, prospects met at the door, the
follow-up calls and the sales of featured products attributed to them; and one event ahead whose invitations are being
called (some still in the queues today). Prospects introduced by clients, a few of them clients since (converted by
the import's own matching, ``storage.prospects.convert_matching``); and a few suspicion reports, one open for its
reviewer. What follows each step is the product's: the slot (``rules.events.slot_problem``), the invitation's calls
(``rules.events``, the call cadence's retry), the card's note (``services.events.planning.event_note``), the follow-up
day, the 4S check of each sale, the retention of prospects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from csm_tui.domain.enums import (
    AmlSign,
    AmlStatus,
    Channel,
    Disposition,
    EventKind,
    InviteStatus,
    ProspectOutcome,
    TaskKind,
    TaskOrigin,
    TaskStatus,
    Tier,
)
from csm_tui.domain.models import NewAmlReport, NewEvent, NewInvitation, NewProspect
from csm_tui.policy import AmlReviewer
from csm_tui.rules import events as rules
from csm_tui.rules.cadence import Cadence
from csm_tui.rules.prospect_calls import after_call, first_call
from csm_tui.services.events.planning import ANSWERS, event_note
from storage.demo.branch import Branch, Csm, DemoClient, Origin, Part, Product, Weighted
from storage.demo.history import Diary
from storage.demo.people import EMPLOYERS, new_mobile
from storage.demo.portfolio import Portfolio
from storage.orm import (
    AmlReportRow,
    EventProductRow,
    EventRow,
    InvitationRow,
    ProspectContactRow,
    ProspectRow,
    ProspectTaskRow,
)
from storage.prospects import convert_matching

FIRST_ANSWER = Weighted([(InviteStatus.ACCEPTED, 45), (InviteStatus.DECLINED, 20), (InviteStatus.NO_ANSWER, 35)])
REMINDER_ANSWER = Weighted([(InviteStatus.ACCEPTED, 9), (InviteStatus.DECLINED, 1)])
BUY_SHARE = 0.7  # of attendees followed up: offered a featured product (bought if the 4S check allows one)
ATTEND_SHARE = 0.85  # of those who accepted
NOT_CALLED_YET = {2: 0.2, 1: 0.5}  # the upcoming event's invitations made this many working days ago, not called yet
FOLLOWED_UP_LATE = 0.4  # of the last event's follow-ups: not made yet this morning
INTRODUCED = (1, 3)  # prospects introduced by clients, per CSM
FIRST_CALL_MINUTE = 10 * 60 + 30  # a prospect's first call made, when it was: at 10:30 on its day
INTRODUCED_WITHIN_DAYS = 300  # within the policy's retention (12 months by default)
FOLLOWED_UP = "活动后致电跟进，感谢客户参加"  # the note of an attendee's follow-up call that sold nothing
AML_TEXTS = (
    ((AmlSign.LARGE_CASH,), "客户一周内多次存入现金，每笔均略低于大额交易报告标准，询问资金来源时回答含糊"),
    ((AmlSign.UNCLEAR_FUNDS, AmlSign.THIRD_PARTY), "客户账户近期频繁收到多名无关个人转入，随即全额转出购买理财"),
    ((AmlSign.BEHAVIOUR,), "客户要求以他人名义办理业务，不愿提供身份证明，多次询问如何避免登记"),
)
DECISIONS = (
    (AmlStatus.DISMISSED, "核实为客户经营小店的日常营业款，有流水和营业执照佐证"),
    (AmlStatus.REPORTED, "资金往来与客户身份、职业明显不符，已上报反洗钱中心"),
)


class Plan(NamedTuple):
    """An event of the demo: working days from today (negative: past), its kind, title, place and products."""

    days: int
    kind: EventKind
    outlet: int  # index of the outlet
    by_csm: bool  # planned by the outlet's first CSM (own clients), else its supervisor (the team's)
    title: str
    place: str
    minute: int  # starts at, minutes after midnight
    products: tuple[str, ...]
    invitees: int  # at most


_K = EventKind
PLANS = (
    Plan(-30, _K.SECURITIES, 1, False, "证券客户资产配置沙龙", "{outlet}贵宾室", 840, ("FD001", "WM063", "WM270"), 40),
    Plan(-16, _K.PAYROLL, 0, False, "{company}中层理财讲座", "{company}会议室", 900, ("FD003", "WM063", "CD01Y"), 40),
    Plan(-2, _K.COMMUNITY, 0, True, "社区讲座·防范电信诈骗", "田林十二村活动室", 600, ("WM030", "FD003"), 20),
    Plan(6, _K.SALON, 0, False, "养老规划客户沙龙", "{outlet}理财室", 870, ("IS001", "WM091", "FD003"), 48),
)  # fmt: skip


@dataclass
class _Invite:
    """An invitation (or a walk-in) as it is drawn; written when its calls and the day are."""

    id: int
    c: DemoClient
    created_at: dt.datetime
    invited_by: int | None
    status: InviteStatus = InviteStatus.INVITED
    answered_at: dt.datetime | None = None
    attended_at: dt.datetime | None = None
    checked_in_by: int | None = None


class Marketing(Part):
    """Events, prospects and suspicion reports; on the main stream, after everything it could change is drawn."""

    def __init__(self, branch: Branch, portfolio: Portfolio, diary: Diary) -> None:
        super().__init__(branch)
        self.portfolio, self.diary = portfolio, diary
        self.by_code = {p.code: p for p in self.products}
        self.used: set[int] = set()  # newcomers a prospect became

    # --- events ---------------------------------------------------------------------------------------------------

    def events(self) -> None:
        for plan in PLANS:
            self._event(plan)

    def _event(self, plan: Plan) -> None:
        rng, days = self.rng, self.days
        outlet_id = list(self.outlets)[plan.outlet]
        team = [csm for csm in self.csms if csm.outlet_id == outlet_id]
        if not team:
            return
        planner = team[0].id if plan.by_csm else team[0].staff.supervisor_id
        day = days.ahead(self.today, plan.days) if plan.days > 0 else days.back(self.today, -plan.days)
        starts_at, minutes = days.at(day, plan.minute), 90
        company = self._company(plan, team)
        if rules.slot_problem(self.policy, starts_at, minutes) is not None:
            return  # a policy whose opening hours leave no room for it
        if plan.kind is EventKind.PAYROLL and not company:
            return  # no payroll company among the team's clients
        made_on = days.back(min(day, self.today), rng.randint(12, 15) if day < self.today else 3)
        products = [self.by_code[code] for code in plan.products]
        outlet = self.outlets[outlet_id].name
        new = NewEvent(
            kind=plan.kind, title=plan.title.format(company=company), starts_at=starts_at, minutes=minutes,
            place=plan.place.format(company=company, outlet=outlet), capacity=plan.invitees, company=company,
            product_ids=tuple(p.id for p in products), outlet_id=outlet_id, created_by=planner,
            created_at=days.during_work(rng, made_on),
        )  # fmt: skip
        event_id = self.w.add(EventRow, **new.model_dump(exclude={"product_ids"}))
        for product in products:
            self.w.link(EventProductRow, event_id=event_id, product_id=product.id)
        note = event_note(self.policy, new, [p.name for p in products])
        invites = [self._invite(c, new, note) for c in self._candidates(new, plan, team)]
        came: list[_Invite] = []
        if day < self.today:
            came = self._door(event_id, new, team, invites)
        for i in invites + [i for i in came if i.status is InviteStatus.WALK_IN]:
            assert i.c.manager is not None
            row = NewInvitation(
                event_id=event_id, client_id=i.c.id, staff_id=i.c.manager.id, status=i.status,
                invited_by=i.invited_by, created_at=i.created_at, answered_at=i.answered_at,
                attended_at=i.attended_at, checked_in_by=i.checked_in_by,
            )  # fmt: skip
            self.w.link(InvitationRow, id=i.id, **row.model_dump())
        self._afterwards(new, came, note, products)

    def _company(self, plan: Plan, team: Sequence[Csm]) -> str:
        """A payroll event's company: the branch's first payroll company, if the team's clients work there."""
        if plan.kind is not EventKind.PAYROLL:
            return ""
        company = EMPLOYERS.values[0]
        return company if any(c.employer == company for csm in team for c in self.pools[csm.id]) else ""

    def _candidates(self, new: NewEvent, plan: Plan, team: Sequence[Csm]) -> list[DemoClient]:
        """Whom the planner picks: the company's employees, the securities clients, or by hand (reachable, capable
        clients of the planner, or of the team for a supervisor), as many as the event's places."""
        csms = team[:1] if plan.by_csm else team
        book = [c for csm in csms for c in self.pools[csm.id] if c.phone_ok and c.capable]
        if new.kind is EventKind.PAYROLL:
            book = [c for c in book if c.employer == new.company]
        elif new.kind is EventKind.SECURITIES:
            book = [c for c in book if c.securities_custody]
        else:  # by hand: ordinary clients (the richer ones have their own calls: tiers, money at risk)
            book = [c for c in book if c.tier is Tier.ORDINARY]
        return sorted(self.rng.sample(book, min(len(book), plan.invitees)), key=lambda c: c.id)

    def _invite(self, c: DemoClient, new: NewEvent, note: str) -> _Invite:
        """The invitation, with its call in the client's manager's queue and the calls made so far."""
        rng, days = self.rng, self.days
        event_day = days.local_day(new.starts_at)
        back = rng.randint(1, 2)
        made_on = days.back(min(event_day, self.today), back + (0 if event_day > self.today else 8))
        at = max(days.during_work(rng, made_on), new.created_at + dt.timedelta(minutes=5))
        invite = _Invite(self.w.reserve(InvitationRow), c, at, new.created_by)
        due = rules.invitation_due(self.policy, days.local_day(at))
        waits = event_day > self.today and rng.random() < NOT_CALLED_YET.get(back, 0.0)
        self._calls(invite, new, event_day, (TaskKind.EVENT_INVITE, due, None, at), note, waits)
        return invite

    def _calls(
        self,
        invite: _Invite,
        new: NewEvent,
        event_day: dt.date,
        pending: tuple[TaskKind, dt.date, dt.datetime | None, dt.datetime] | None,
        note: str,
        waits: bool,
    ) -> None:
        """The invitation's calls, each recorded as the planning service records an answer: the call a contact with
        the answer's outcome, the call's task done, then a retry by the cadence (no answer) or the reminder the
        working day before (accepted); calls still ahead, or not made yet, are left open in the queue."""
        c = invite.c
        assert c.manager is not None
        while pending is not None:
            kind, due_on, due_at, created = pending
            at = due_at or max(self.days.during_work(self.rng, due_on), created + dt.timedelta(minutes=1))
            origin = Origin(TaskOrigin.EVENT, invite.id, created)
            if waits or at >= self.now or due_on > self.today:
                self.diary.task(c, c.manager.id, kind, due_on, origin, due_at=due_at, note=note)
                return
            self.diary.task(c, c.manager.id, kind, due_on, origin, due_at=due_at, note=note, closed_at=at)
            status = (REMINDER_ANSWER if kind is TaskKind.EVENT_REMINDER else FIRST_ANSWER).draw(self.rng)
            missed = sum(m < at for m in self.branch.missed.get((c.id, self.days.local_day(at)), []))
            self.diary.contact(c, c.manager.id, Channel.PHONE, ANSWERS[status], at, note=new.title)
            invite.status, invite.answered_at = status, at
            pending = None
            if status is InviteStatus.NO_ANSWER:
                retry = self.cadence.retry(at, missed)
                if retry.due_on < event_day:
                    pending = (TaskKind.EVENT_INVITE, retry.due_on, retry.due_at, at)
            elif status is InviteStatus.ACCEPTED:
                reminder = rules.reminder_day(self.policy, event_day, self.days.local_day(at))
                if reminder is not None:
                    pending = (TaskKind.EVENT_REMINDER, reminder, None, at)

    def _door(self, event_id: int, new: NewEvent, team: Sequence[Csm], invites: list[_Invite]) -> list[_Invite]:
        """At the door (the lobby manager at the first outlet, else the planner): most who accepted come, a few
        clients walk in, a few people who are not clients are taken as prospects; no more than the places."""
        rng = self.rng
        door = self.branch.referrers[0] if new.outlet_id == next(iter(self.outlets)) else new.created_by
        came = [i for i in invites if i.status is InviteStatus.ACCEPTED and rng.random() < ATTEND_SHARE]
        invited = {i.c.id for i in invites}
        others = [c for csm in team for c in self.pools[csm.id] if c.id not in invited and c.capable and c.phone_ok]
        for c in rng.sample(others, min(len(others), rng.randint(1, 3))):
            at = new.starts_at + dt.timedelta(minutes=rng.randint(-10, 20))
            came.append(_Invite(self.w.reserve(InvitationRow), c, at, door, InviteStatus.WALK_IN))
        came = came[: new.capacity]
        for i in came:
            i.attended_at = max(i.created_at, new.starts_at + dt.timedelta(minutes=rng.randint(-15, 20)))
            i.checked_in_by = door
        for k in range(rng.randint(2, 4)):
            met_by = (team[0] if new.created_by == team[0].id else rng.choice(team)).id
            at = new.starts_at + dt.timedelta(minutes=rng.randint(0, 80))
            self._prospect(met_by, at, event_id=event_id, becomes_client=k == 0)
        return came

    def _afterwards(self, new: NewEvent, came: list[_Invite], note: str, products: Sequence[Product]) -> None:
        """Each attendee's follow-up call (``rules.events.follow_up_day``), made on its day (the last event's: some
        not yet this morning), and the featured products it led to buy within the attribution days."""
        rng, days = self.rng, self.days
        event_day = days.local_day(new.starts_at)
        due = rules.follow_up_day(self.policy, event_day)
        last_day = min(event_day + dt.timedelta(days=self.policy.events.attribution_days), days.back(self.today, 1))
        called: list[tuple[_Invite, dt.datetime, int]] = []
        for i in came:
            c = i.c
            assert c.manager is not None and i.attended_at is not None
            origin = Origin(TaskOrigin.EVENT, i.id, i.attended_at)
            if due >= self.today or (due == days.back(self.today, 1) and rng.random() < FOLLOWED_UP_LATE):
                self.diary.task(c, c.manager.id, TaskKind.EVENT_FOLLOW_UP, due, origin, note=note)
                continue
            call = days.during_work(rng, due)
            task_id = self.diary.task(c, c.manager.id, TaskKind.EVENT_FOLLOW_UP, due, origin, note=note, closed_at=call)
            called.append((i, call, task_id))

        def offer(i: _Invite) -> bool:
            return self._featured_sale(i.c, days.pick(rng, days.ahead(due, 1), last_day), products)

        offered = [rng.random() < BUY_SHARE for _ in called]
        sold = [o and offer(i) for o, (i, _, _) in zip(offered, called, strict=True)]
        for k, (i, _, _) in enumerate(called):  # an event that sold nothing yet: its other attendees are offered
            if any(sold):
                break
            sold[k] = not offered[k] and offer(i)
        for (i, call, task_id), bought in zip(called, sold, strict=True):
            assert i.c.manager is not None
            if bought:
                self.diary.contact(i.c, i.c.manager.id, Channel.PHONE, Disposition.AGREED_TO_BUY, call, task_id)
            else:  # told of what the event offered (回访完成 answers a purchase's 回访 only)
                self.diary.contact(i.c, i.c.manager.id, Channel.PHONE, Disposition.INFORMED, call, task_id, FOLLOWED_UP)

    def _featured_sale(self, c: DemoClient, day: dt.date | None, featured: Sequence[Product]) -> bool:
        """A featured product sold to the attendee on ``day``, if the 4S check allows one and no later decision of
        the client's would read otherwise (the sale comes after the client's latest suitability decision)."""
        if day is None or (c.last_decided is not None and c.last_decided >= day):
            return False
        valid = [a for a in c.assessments if a.taken_on <= day <= a.valid_until]
        return bool(valid) and self.portfolio.sell(c, valid[-1], day, featured)

    # --- prospects ------------------------------------------------------------------------------------------------

    def introductions(self) -> None:
        """Prospects each CSM's clients introduced (通过老客户的介绍), within the retention; one a client since."""
        rng = self.rng
        for n, csm in enumerate(self.csms):
            introducers = [c for c in self.pools[csm.id] if c.phone_ok]
            for k in range(rng.randint(*INTRODUCED)):
                if not introducers:
                    break
                first = self.today - dt.timedelta(days=INTRODUCED_WITHIN_DAYS)
                day = self.days.pick(rng, first, self.days.back(self.today, 1))
                assert day is not None
                introducer = rng.choice(introducers)
                at = self.days.during_work(rng, day)
                self._prospect(csm.id, at, introduced_by=introducer.id, becomes_client=n == 0 and k == 0)

    def _prospect(
        self,
        manager_id: int,
        at: dt.datetime,
        *,
        event_id: int | None = None,
        introduced_by: int | None = None,
        becomes_client: bool = False,
    ) -> None:
        """A prospect with a fresh mobile (no client's); one who ``becomes_client`` is a newcomer of the bank's
        file, met under their name and giving their resident ID, so that the import's matching converts them."""
        newcomer = next((c for c in self.branch.newcomers if c.id not in self.used), None) if becomes_client else None
        if newcomer is not None:
            self.used.add(newcomer.id)
            _, name, resident_id = newcomer.identity
        else:
            name, resident_id = self.fake.name(), None
        mobile = new_mobile(self.rng, self.branch.mobiles)  # no client's: only the ID converts them
        prospect = NewProspect(
            name=name, mobile=mobile, resident_id=resident_id, consent=True, manager_id=manager_id,
            met_by=manager_id, event_id=event_id, introduced_by=introduced_by, created_at=at,
        )  # fmt: skip
        prospect_id = self.w.add(ProspectRow, **prospect.model_dump())
        self._first_call(prospect_id, manager_id, at)

    def _first_call(self, prospect_id: int, manager_id: int, taken_at: dt.datetime) -> None:
        """The prospect's first call, as ``services.events.prospects`` schedules it: still in the queue when due
        today or ahead; made on its day otherwise (reached, at half past ten), followed up as the cadence has it."""
        call = first_call(Cadence(self.policy), taken_at)
        made = self.days.at(call.due_on, FIRST_CALL_MINUTE)
        task = {"prospect_id": prospect_id, "staff_id": manager_id, "kind": call.kind, "due_on": call.due_on,
                "due_at": None, "created_at": taken_at}  # fmt: skip
        if made >= self.now:
            self.w.add(ProspectTaskRow, **task, status=TaskStatus.OPEN, closed_at=None)
            return
        task_id = self.w.add(ProspectTaskRow, **task, status=TaskStatus.DONE, closed_at=made)
        self.w.add(
            ProspectContactRow, prospect_id=prospect_id, staff_id=manager_id, started_at=made,
            outcome=ProspectOutcome.REACHED, note="", task_id=task_id,
        )  # fmt: skip
        follow = after_call(Cadence(self.policy), ProspectOutcome.REACHED, made, 0)
        assert follow is not None  # reached: followed up
        self.w.add(
            ProspectTaskRow, prospect_id=prospect_id, staff_id=manager_id, kind=follow.kind, due_on=follow.due_on,
            due_at=follow.due_at, created_at=made, status=TaskStatus.OPEN, closed_at=None,
        )  # fmt: skip

    # --- suspicion reports ----------------------------------------------------------------------------------------

    def aml_reports(self) -> None:
        """A handful of suspicion reports, each filed by the client's own CSM for their outlet's reviewer: the
        first CSM's latest still open, the others decided once by the reviewer (never their author)."""
        rng = self.rng
        filers = self.csms[:3]
        for k, ((signs, text), csm) in enumerate(zip(AML_TEXTS, filers, strict=False)):
            book = [c for c in self.pools[csm.id] if c.capable]
            if not book:
                continue
            c = rng.choice(book)
            day = self.days.back(self.today, rng.randint(1, 3) if k == 0 else rng.randint(10, 40))
            filed = self.days.during_work(rng, day)
            status, reason, decided_by, decided_at = AmlStatus.OPEN, "", None, None
            if k > 0:
                status, reason = DECISIONS[(k - 1) % len(DECISIONS)]
                decided_by = self._reviewer(csm)
                decided_at = self.days.during_work(rng, self.days.ahead(day, rng.randint(1, 3)))
            report = NewAmlReport(
                client_id=c.id, staff_id=csm.id, outlet_id=csm.outlet_id, signs=signs, text=text, filed_at=filed,
                status=status, decided_by=decided_by, decided_at=decided_at, decision_reason=reason,
            )  # fmt: skip
            values = report.model_dump(exclude={"signs", "status"})
            self.w.add(AmlReportRow, **values, signs=",".join(s.value for s in signs), status=status.value)

    def _reviewer(self, csm: Csm) -> int:
        """The outlet's AML reviewer by the policy: its supervisor, or the branch admin."""
        if self.policy.aml.reviewer is AmlReviewer.ADMIN:
            return self.branch.admin_id
        assert csm.staff.supervisor_id is not None
        return csm.staff.supervisor_id


def convert_prospects(conn: Connection, at: dt.datetime) -> int:
    """The prospects the bank's file has brought as clients, converted by the client import's own matching, as
    this morning's import would; returns how many."""
    with Session(bind=conn) as session:
        return len(convert_matching(session, at))
