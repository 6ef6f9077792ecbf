"""The event's results afterwards: invited, accepted, attended, followed up, and the sales of its featured products
to attendees within the policy's days (attributed to the event)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from csm_tui.domain.enums import InviteStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Event
from csm_tui.rules import events as rules
from csm_tui.services.workstation import Workstation


@dataclass(frozen=True)
class EventResults:
    event: Event
    invited: int
    accepted: int
    attended: int
    followed_up: int
    sales: int
    sales_amount: Decimal


def results(ws: Workstation, event_id: int) -> EventResults:
    with ws.uow() as tx:
        event = tx.events.get(event_id)
        if event is None:
            raise DomainError("event_unknown")
        rows = tx.events.invitees(event_id)
        start = event.starts_at - dt.timedelta(days=1)  # the day is the branch's; ``attributed`` decides
        end = event.starts_at + dt.timedelta(days=ws.policy.events.attribution_days + 2)
        sales = [
            s
            for s in tx.events.featured_sales(event_id, start, end)
            if rules.attributed(ws.policy, event.starts_at, s.sold_at)
        ]
    invited = [r for r in rows if r.status is not InviteStatus.WALK_IN]
    return EventResults(
        event=event,
        invited=len(invited),
        accepted=sum(1 for r in invited if r.status is InviteStatus.ACCEPTED),
        attended=sum(1 for r in rows if r.attended),
        followed_up=sum(1 for r in rows if r.attended and r.followed_up),
        sales=len(sales),
        sales_amount=sum((s.amount for s in sales), Decimal("0.00")),
    )


def around(ws: Workstation, back_days: int = 60, ahead_days: int = 120) -> list[Event]:
    """The branch's events from ``back_days`` ago to ``ahead_days`` ahead, soonest first."""
    today = ws.time.today()
    start, _ = ws.time.day_bounds(today - dt.timedelta(days=back_days))
    end, _ = ws.time.day_bounds(today + dt.timedelta(days=ahead_days))
    with ws.uow() as tx:
        return tx.events.between(start, end)
