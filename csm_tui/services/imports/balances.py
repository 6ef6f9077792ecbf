"""Daily balances into spans (the 拉链表 the branch keeps), and the assets they give: pure functions.

A file's days for a client are merged into the client's spans around them: only the spans that touch those days
(or end the day before, or start the day after, so that equal neighbours join) are replaced. A day already held at
the same balance is unchanged; a day held at another balance is updated; a day not held is new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from csm_tui.domain.values import to_fen
from csm_tui.rules.money_at_risk import balance_on, lowest_average
from csm_tui.rules.tiers import daily_average
from csm_tui.services.imports.model import Assets, Span

ONE_DAY = dt.timedelta(days=1)


@dataclass
class SpanChange:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    delete: list[Span] = field(default_factory=list)
    insert: list[Span] = field(default_factory=list)


def spans_of(client_id: int, days: dict[dt.date, Decimal]) -> list[Span]:
    """Consecutive days of equal balance as one span each."""
    spans: list[Span] = []
    first = last = None
    balance = Decimal(0)
    for day in sorted(days):
        value = days[day]
        if last is not None and first is not None and day == last + ONE_DAY and value == balance:
            last = day
            continue
        if first is not None and last is not None:
            spans.append(Span(client_id, first, last, balance))
        first = last = day
        balance = value
    if first is not None and last is not None:
        spans.append(Span(client_id, first, last, balance))
    return spans


def merge(client_id: int, held: list[Span], days: dict[dt.date, Decimal]) -> SpanChange:
    """What storing ``days`` does to a client whose spans around them are ``held``."""
    lo, hi = min(days) - ONE_DAY, max(days) + ONE_DAY
    touching = [s for s in held if s.last >= lo and s.first <= hi]
    known: dict[dt.date, Decimal] = {}
    for span in touching:
        day = span.first
        while day <= span.last:
            known[day] = span.balance
            day += ONE_DAY
    change = SpanChange()
    for day, balance in days.items():
        before = known.get(day)
        if before is None:
            change.new += 1
        elif before == balance:
            change.unchanged += 1
        else:
            change.updated += 1
    if change.new or change.updated:
        change.delete = touching
        change.insert = spans_of(client_id, known | days)
    return change


def assets(
    client_id: int, spans: Iterable[Span], window: tuple[dt.date, dt.date], previous: dt.date | None = None
) -> Assets:
    """The balance on the window's last day and the daily average over the window (days not held count as 0); the
    balance on the ``previous`` data date and the lowest forecast average of the days after (money at risk)."""
    spans = list(spans)
    first, last = window
    total = Decimal(0)
    balance = Decimal("0.00")
    for span in spans:
        start, end = max(span.first, first), min(span.last, last)
        if start <= end:
            total += span.balance * ((end - start).days + 1)
        if span.first <= last <= span.last:
            balance = span.balance
    days = (last - first).days + 1
    before = None if previous is None else balance_on(spans, previous)
    return Assets(client_id, balance, daily_average(to_fen(total), days), last, before, lowest_average(spans, last))
