"""The demo branch's households, lunar birthdays and money at risk, drawn after the rest of the branch from their
own random stream (so the rest of the demo is drawn as before): each CSM gets a few couples and a family linked to
another CSM's client, a few clients greeted on their lunar birthday, two clients whose 3-month average will fall
below 交银理财 within the policy's days (their last week's balance gone) and one whose balance fell sharply on the
data date. Which clients qualify is decided by the rules themselves (``csm_tui.rules.money_at_risk``, the import's
``assets``), never by copies of them."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select, update

from csm_tui.domain.enums import Role
from csm_tui.domain.households import Relation, stored
from csm_tui.domain.values import ResidentId
from csm_tui.policy import Policy
from csm_tui.rules.birthdays import lunar_md
from csm_tui.rules.cadence import NOT_REACHED, SPOKEN
from csm_tui.rules.households import check_link, person
from csm_tui.rules.money_at_risk import HeldSpan, balance_on, forecast_tier, large_outflow, lowest_average
from csm_tui.rules.tiers import average_window
from csm_tui.services.imports.balances import assets
from csm_tui.services.imports.model import Assets, Span
from storage.orm import BalanceSpanRow, ClientLinkRow, ClientRow, ContactRow, StaffRow

COUPLES = 3  # per CSM
AT_RISK = 2  # per CSM: the average will fall below 交银理财
OUTFLOWS = 1  # per CSM
LUNAR_SHARE = 0.1  # of clients aged 55 or more
EMPTIED_DAYS = 7  # the at-risk clients' last days at nothing


def add_households_and_risks(
    conn: Connection, policy: Policy, seed: int, today: dt.date, as_of: dt.date, now: dt.datetime
) -> int:
    """Returns how many balance spans it added (less those it replaced)."""
    rng = random.Random(seed * 31 + 19)
    csms = list(conn.scalars(select(StaffRow.id).where(StaffRow.role == Role.CSM).order_by(StaffRow.id)))
    books = {
        csm: conn.execute(
            select(
                ClientRow.id,
                ClientRow.resident_id,
                ClientRow.avg_3m.label("avg_3m"),
                ClientRow.balance.label("balance"),
            )
            .where(ClientRow.manager_id == csm)
            .order_by(ClientRow.id)
        ).all()
        for csm in csms
    }
    links: dict[tuple[int, int], Relation] = {}
    spans_added = 0
    for n, csm in enumerate(csms):
        book = books[csm]
        if len(book) < 2 * COUPLES + 2:
            continue
        picked = rng.sample(book, 2 * COUPLES + 1)
        for a, b in zip(picked[0::2], picked[1::2], strict=False):
            if _plausible(a, b, Relation.SPOUSE, today, policy):  # the rule the repository and the import hold
                low, high, relation = stored(a.id, b.id, Relation.SPOUSE)
                links[low, high] = relation
        neighbour = books[csms[(n + 1) % len(csms)]]
        if neighbour and csms[(n + 1) % len(csms)] != csm:
            older, younger = picked[-1], rng.choice(neighbour)
            if _plausible(older, younger, Relation.CHILD, today, policy):  # another CSM's client: their child
                low, high, relation = stored(older.id, younger.id, Relation.CHILD)
                links.setdefault((low, high), relation)
        for c in book:
            born = ResidentId(c.resident_id)
            if born.age_on(today) >= 55 and rng.random() < LUNAR_SHARE:
                md = lunar_md(born.birth_date)
                conn.execute(update(ClientRow).where(ClientRow.id == c.id).values({ClientRow.lunar_birthday: md}))
        spans_added += _at_risk(conn, policy, rng, book, today, as_of)
    if links:
        conn.execute(
            insert(ClientLinkRow),
            [
                {"client_id": low, "relative_id": high, "relation": relation.value, "created_at": now}
                for (low, high), relation in sorted(links.items())
            ],
        )
    return spans_added


def _plausible(a: Any, b: Any, relation: Relation, today: dt.date, policy: Policy) -> bool:
    """``b`` may be ``a``'s ``relation`` by their birth dates and sex (``rules.households``)."""
    return check_link(person(a.id, a.resident_id), person(b.id, b.resident_id), relation, today, policy) is None


def risk_figures(spans: Sequence[tuple[dt.date, dt.date, Decimal]], as_of: dt.date) -> dict[str, Decimal]:
    """The figures the balance import keeps for the queue's money at risk, by column (the previous data date being
    the day before, as the demo has no import)."""
    held = [HeldSpan(first, last, balance) for first, last, balance in spans]
    return {
        "balance_before_fen": balance_on(held, as_of - dt.timedelta(days=1)),
        "avg_3m_low_fen": lowest_average(held, as_of),
    }


def _spans(conn: Connection, client_id: int) -> list[Span]:
    rows = conn.execute(
        select(BalanceSpanRow.first_day, BalanceSpanRow.last_day, BalanceSpanRow.balance.label("balance")).where(
            BalanceSpanRow.client_id == client_id
        )
    )
    return [Span(client_id, r.first_day, r.last_day, r.balance) for r in rows]


def _with(spans: list[Span], first: dt.date, last: dt.date, balance: Decimal) -> list[Span]:
    """``spans`` with the days ``first`` … ``last`` held at ``balance``."""
    kept: list[Span] = []
    for s in spans:
        if s.last < first or s.first > last:
            kept.append(s)
            continue
        if s.first < first:
            kept.append(Span(s.client_id, s.first, first - dt.timedelta(days=1), s.balance))
        if s.last > last:
            kept.append(Span(s.client_id, last + dt.timedelta(days=1), s.last, s.balance))
    kept.append(Span(spans[0].client_id, first, last, balance))
    return sorted(kept, key=lambda s: s.first)


def _at_risk(
    conn: Connection, policy: Policy, rng: random.Random, book: Sequence[Any], today: dt.date, as_of: dt.date
) -> int:
    tiers, risk = policy.tiers, policy.risk
    through = today + dt.timedelta(days=risk.tier_days)
    window = average_window(as_of)
    reached = _reached_since(conn, policy, today - dt.timedelta(days=policy.calls.maturity_lead_days))
    # not reached lately: the queue would count the reason settled (the CSM spoke with them, at an event's call)
    near = [c for c in book if tiers.jiaoyin <= c.avg_3m < tiers.jiaoyin * Decimal("1.5") and c.id not in reached]
    rich = [c for c in book if c.balance >= risk.outflow_floor * 3]
    rng.shuffle(near)
    rng.shuffle(rich)
    emptied, fell, added = 0, 0, 0
    for c in near:
        if emptied == AT_RISK:
            break
        spans = _spans(conn, c.id)
        if not spans:
            continue
        changed = _with(spans, as_of - dt.timedelta(days=EMPTIED_DAYS - 1), as_of, Decimal("0.00"))
        figures = assets(c.id, changed, window, as_of - dt.timedelta(days=1))
        held = [HeldSpan(s.first, s.last, s.balance) for s in changed]
        if figures.avg_3m >= tiers.jiaoyin and forecast_tier(held, as_of, tiers.jiaoyin, through, today) is not None:
            _write(conn, c.id, changed, figures)
            added += len(changed) - len(spans)
            emptied += 1
    for c in rich:
        if fell == OUTFLOWS:
            break
        spans = _spans(conn, c.id)
        if not spans:
            continue
        left = (c.balance * Decimal("0.4")).quantize(Decimal("0.01"))
        changed = _with(spans, as_of, as_of, left)
        figures = assets(c.id, changed, window, as_of - dt.timedelta(days=1))
        same_tier = (figures.avg_3m >= tiers.jiaoyin) == (c.avg_3m >= tiers.jiaoyin)
        if same_tier and large_outflow(c.balance, left, risk.outflow_share, risk.outflow_floor) is not None:
            _write(conn, c.id, changed, figures)
            added += len(changed) - len(spans)
            fell += 1
    return added


def _reached_since(conn: Connection, policy: Policy, day: dt.date) -> set[int]:
    """Clients reached by phone or in person since the start of the branch's ``day`` (``rules.cadence.reached``)."""
    since = dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(policy.calendar.tz)).astimezone(dt.UTC)
    query = select(ContactRow.client_id).where(
        ContactRow.started_at >= since, ContactRow.channel.in_(SPOKEN), ContactRow.disposition.not_in(NOT_REACHED)
    )
    return set(conn.scalars(query))


def _write(conn: Connection, client_id: int, spans: list[Span], figures: Assets) -> None:
    conn.execute(delete(BalanceSpanRow).where(BalanceSpanRow.client_id == client_id))
    conn.execute(
        insert(BalanceSpanRow),
        [{"client_id": client_id, "first_day": s.first, "last_day": s.last, "balance_fen": s.balance} for s in spans],
    )
    kept: dict[Any, Decimal | None] = {ClientRow.balance: figures.balance, ClientRow.avg_3m: figures.avg_3m}
    kept |= {ClientRow.balance_before: figures.balance_before, ClientRow.avg_3m_low: figures.avg_3m_low}
    conn.execute(update(ClientRow).where(ClientRow.id == client_id).values(kept))
