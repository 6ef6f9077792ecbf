"""Today's call queue: who to phone, why, and in which order.

Priority (highest first; within a reason, what is overdue first, then by the time agreed):

0. a walk-in referred today: the client is in the branch now;
1. callbacks the client asked for;
2. 回访 after a purchase;
3. confirmations of tomorrow's meetings;
4. reminders of tomorrow's marketing events (to invitees who accepted);
5. holdings maturing within the lead days;
6. large outflows since the previous data date;
7. tier at risk: the 3-month average forecast to fall below the client's tier within the policy's days;
8. assessments expiring while a holding matures;
9. IDs expired or expiring within the policy's notice days (KYC: update the ID at the next visit);
10. birthday greetings, on the working day before;
11. follow-ups of interested clients;
12. follow-ups of a marketing event's attendees, within the policy's days after it;
13. invitations to marketing events;
14. walk-in referrals of earlier days;
15. 沃德 referrals, to the 沃德 client manager they were sent to;
16. prospects (idle deposits, just under a tier), only to top the queue up to the daily call target.

A client appears once, for the highest reason, with the others listed. A reason that comes from the data (a
maturity, an assessment, an ID's expiry, a meeting to confirm, money at risk) is settled once the client has been
reached within the maturity lead days (a birthday greeting is not: its day is its own); a prospect is left alone for
the long call interval after any contact.

Never queued: clients of other CSMs, clients
who opted out of phone marketing (their 回访 goes by SMS), with no valid number, in a firm refusal's quiet period or
a cooling-off period, or already reached today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from csm_tui.domain.enums import QueueReason
from csm_tui.rules import birthdays, kyc
from csm_tui.rules.cadence import Cadence
from csm_tui.services.calls.leave_queue import LeaveDay, leave_day, spread_backlog
from csm_tui.services.rows import (
    Candidate,
    ProspectCallDue,
    QueueSources,
    QueueWindow,
    RiskWindow,
    SmsRow,
    Validity,
)
from csm_tui.services.workstation import Workstation

PRIORITY = {reason: rank for rank, reason in enumerate(QueueReason)}
UNSETTLED = frozenset({QueueReason.BIRTHDAY})  # reasons from the data that a recent talk does not settle


@dataclass(frozen=True)
class QueueItem:
    """One client to phone today."""

    main: Candidate
    also: tuple[QueueReason, ...] = ()  # other reasons to raise on the same call
    cover_for: str = ""  # the name of the colleague on leave whose client this is (see ``leave_queue``)
    cover_for_id: int | None = None
    referral_pending: bool = False  # a 沃德 client manager's call on a client whose referral they have not decided

    @property
    def client_id(self) -> int:
        return self.main.client_id

    @property
    def reason(self) -> QueueReason:
        return self.main.reason


def window(ws: Workstation) -> QueueWindow:
    cadence = Cadence(ws.policy)
    now = ws.time.now().datetime
    today = ws.time.today()
    start, end = ws.time.day_bounds(today)
    confirm_day = cadence.next_working_day_after(today)
    confirm_start, confirm_end = ws.time.day_bounds(confirm_day)
    quiet_since, _ = ws.time.day_bounds(cadence.quiet_since(today))
    settled_since, _ = ws.time.day_bounds(today - dt.timedelta(days=ws.policy.calls.maturity_lead_days))
    contacted_since, _ = ws.time.day_bounds(today - dt.timedelta(days=ws.policy.calls.polite_decline_call_days))
    tiers, calls, risk = ws.policy.tiers, ws.policy.calls, ws.policy.risk
    working_today = ws.policy.calendar.next_working_day(today) == today
    return QueueWindow(
        today=today,
        now=now,
        day_start=start,
        day_end=end,
        maturity_until=today + dt.timedelta(days=calls.maturity_lead_days),
        assessment_until=today + dt.timedelta(days=calls.assessment_lead_days),
        confirm_start=confirm_start,
        confirm_end=confirm_end,
        quiet_since=quiet_since,
        settled_since=settled_since,
        contacted_since=contacted_since,
        idle_min=calls.idle_deposit_min,
        near_jiaoyin=(tiers.jiaoyin * tiers.near_share, tiers.jiaoyin),
        near_wode=(tiers.wode * tiers.near_share, tiers.wode),
        prospects=calls.daily_target,
        validity=Validity(ws.policy.assessment.validity_months, ws.policy.calendar.tz),
        risk=RiskWindow(
            through=today + dt.timedelta(days=risk.tier_days), arrives=today, jiaoyin=tiers.jiaoyin, wode=tiers.wode,
            outflow_share=risk.outflow_share, outflow_floor=risk.outflow_floor,
        ),
        greet=birthdays.greeting_days(today, confirm_day) if working_today else None,
        id_expiry_until=kyc.notice_until(today, ws.policy.kyc.id_expiry_notice_days),
    )  # fmt: skip


def rank(c: Candidate, today: dt.date) -> int:
    """A walk-in sent today is waiting in the branch: before everything else; otherwise the reason's priority."""
    return -1 if c.reason is QueueReason.REFERRAL and c.due_on == today else PRIORITY[c.reason]


def _order(c: Candidate, today: dt.date) -> tuple[int, bool, dt.date, dt.datetime, int]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (rank(c, today), c.due_on >= today, c.due_on, c.due_at or far, c.task_id or 0)


def compose(sources: QueueSources, today: dt.date, target: int) -> list[QueueItem]:
    """Apply the queue's rules to what the data holds (pure: the tests drive it directly)."""
    by_client: dict[int, list[Candidate]] = {}
    for candidate in sorted(sources.candidates, key=lambda c: _order(c, today)):
        if candidate.client_id in sources.excluded:
            continue
        if candidate.task_id is None and candidate.client_id in sources.settled and candidate.reason not in UNSETTLED:
            continue  # a reason from the data, already talked through with the client lately
        by_client.setdefault(candidate.client_id, []).append(candidate)
    items = [
        QueueItem(
            first,
            tuple(dict.fromkeys(c.reason for c in rest if c.reason != first.reason)),
            referral_pending=first.client_id in sources.pending,
        )
        for first, *rest in by_client.values()
    ]
    items.sort(key=lambda item: _order(item.main, today))
    room = target - sources.calls_today - len(items)
    for prospect in sources.prospects:
        if room <= 0:
            break
        if prospect.client_id in sources.excluded or prospect.client_id in by_client:
            continue
        if prospect.client_id in sources.contacted:
            continue
        by_client[prospect.client_id] = [prospect]
        items.append(QueueItem(prospect))
        room -= 1
    return items


def sms_due(ws: Workstation) -> list[SmsRow]:
    with ws.uow() as tx:
        return tx.views.sms_due(ws.staff.id, ws.time.today())


def today_queue(ws: Workstation) -> list[QueueItem]:
    return today_calls(ws)[0]


def today_calls(ws: Workstation) -> tuple[list[QueueItem], list[ProspectCallDue]]:
    """Today's queue of clients, and the calls due to the CSM's own prospects (people not clients yet, read by the
    same statement; never a colleague's, even while covering their leave)."""
    w = window(ws)
    with ws.uow() as tx:
        sources = tx.views.queue_sources(ws.staff.id, w)
        leave = leave_day(tx, ws, w, sources)
    if leave.away:
        return [], []  # on leave: the due calls are in the covering colleague's queue, or wait for the return
    return _clients(ws, w, sources, leave), sources.prospect_calls


def _clients(ws: Workstation, w: QueueWindow, sources: QueueSources, leave: LeaveDay) -> list[QueueItem]:
    target = ws.policy.calls.daily_target
    items = spread_backlog(compose(sources, w.today, target), target, sources.calls_today, leave.backlog_until)
    if not leave.covered:
        return items
    mine = {item.client_id for item in items}
    for row, covered in leave.covered:
        for item in compose(covered, w.today, 0):  # due calls only: prospects top up nobody's queue for them
            if item.client_id not in mine:
                items.append(replace(item, cover_for=row.staff_name, cover_for_id=row.leave.staff_id))
    items.sort(key=lambda item: _order(item.main, w.today))
    return items
