"""The event's results afterwards: invited, accepted, attended, followed up, and the sales of its featured products
to attendees within the policy's days (attributed to the event)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from csm_tui.domain.enums import InviteStatus, Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Event
from csm_tui.i18n import label, t
from csm_tui.rules import events as rules
from csm_tui.services.file_exports import export_target, write_export
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.rows import Invitee
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
    new_clients: int = 0  # prospects met at the event who became clients


def _follow_up_until(ws: Workstation, event: Event) -> dt.datetime:
    """The end of the policy's follow-up days after the event: a follow-up call made later is not counted."""
    event_day = rules.local(ws.policy, event.starts_at).date()
    _, end = ws.time.day_bounds(event_day + dt.timedelta(days=ws.policy.events.follow_up_days))
    return end


def _tallied(ws: Workstation, tx: UnitOfWork, event: Event) -> tuple[EventResults, list[Invitee], dict[int, Decimal]]:
    """The event's results, its whole list (every invitee and walk-in) and the featured sales credited to it by
    client, read in ``tx``."""
    rows = tx.events.invitees(event.id, _follow_up_until(ws, event))
    start = event.starts_at - dt.timedelta(days=1)  # the day is the branch's; ``attributed`` decides
    end = event.starts_at + dt.timedelta(days=ws.policy.events.attribution_days + 2)
    sales = [
        s
        for s in tx.events.featured_sales(event.id, start, end)
        if rules.attributed(ws.policy, event.starts_at, s.sold_at)
    ]
    sold: dict[int, Decimal] = {}
    for sale in sales:
        sold[sale.client_id] = sold.get(sale.client_id, Decimal("0.00")) + sale.amount
    invited = [r for r in rows if r.status is not InviteStatus.WALK_IN]
    tally = EventResults(
        event=event,
        invited=len(invited),
        accepted=sum(1 for r in invited if r.status is InviteStatus.ACCEPTED),
        attended=sum(1 for r in rows if r.attended),
        followed_up=sum(1 for r in rows if r.attended and r.followed_up),
        sales=len(sales),
        sales_amount=sum((s.amount for s in sales), Decimal("0.00")),
        new_clients=tx.prospects.converted_from_event(event.id),
    )
    return tally, rows, sold


def _event(tx: UnitOfWork, event_id: int) -> Event:
    event = tx.events.get(event_id)
    if event is None:
        raise DomainError("event_unknown")
    return event


def results(ws: Workstation, event_id: int) -> EventResults:
    with ws.uow() as tx:
        return _tallied(ws, tx, _event(tx, event_id))[0]


def around(ws: Workstation, back_days: int = 60, ahead_days: int = 120) -> list[Event]:
    """The branch's events from ``back_days`` ago to ``ahead_days`` ahead, soonest first."""
    today = ws.time.today()
    start, _ = ws.time.day_bounds(today - dt.timedelta(days=back_days))
    end, _ = ws.time.day_bounds(today + dt.timedelta(days=ahead_days))
    with ws.uow() as tx:
        return tx.events.between(start, end)


EXPORT_COLUMNS = ("number", "name", "mobile", "manager", "status", "in", "followed", "sales")
# The event's totals under the list, one label and figure a row (every export, a CSM's too: the whole event's).
TOTALS = ("invited", "accepted", "attended", "followed_up", "sales", "sales_amount", "new_clients")


def export_results(ws: Workstation, event_id: int, path: Path) -> tuple[int, Path]:
    """The event's list with its results to a new CSV or XLSX file: one row per invitee or walk-in, then the event's
    totals. A CSM's export lists only the CSM's own invitees (the invitation theirs, the client still theirs to see),
    never a colleague's; a supervisor's and the admin's every invitee; the totals are the whole event's whoever
    exports. Mobiles masked whoever exports (like every export), cells that would be formulas written as text
    (``services.tabular``), the export audited. Planners only (CSMs, supervisors, the admin). Returns the number of
    invitees' rows written."""
    target = export_target(ws, path)
    with ws.uow(write=True) as tx:
        actor = tx.actor
        if actor is not None and actor.role not in (Role.CSM, Role.SUPERVISOR, Role.ADMIN):
            raise AccessDenied("event")
        tally, rows, sold = _tallied(ws, tx, _event(tx, event_id))
        if actor is not None and actor.role is Role.CSM:
            rows = [r for r in rows if r.own and r.staff_id == actor.id]
        yes, no = t("event.yes"), t("event.no")
        body: list[list[object]] = [
            [
                r.number,
                r.name,
                r.masked_mobile,
                r.staff_name,
                label(r.status),
                yes if r.attended else no,
                yes if r.followed_up else no,
                float(sold.get(r.client_id, Decimal("0.00"))),
            ]
            for r in rows
        ]
        blank = [""] * (len(EXPORT_COLUMNS) - 2)
        totals = [[t(f"event.total.{name}"), getattr(tally, name), *blank] for name in TOTALS]
        headers = [t(f"event.col.{c}") for c in EXPORT_COLUMNS]
        write_export(tx, "event", headers, [*body, [""] * len(EXPORT_COLUMNS), *totals], target)
        return len(body), target
