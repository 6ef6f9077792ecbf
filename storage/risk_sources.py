"""The queue's reasons from the bank's data and the calendar: money at risk (a tier the 3-month average will lose, a
large outflow since the previous data date) and birthdays to greet. Scoped to one CSM's clients.

The tier forecast reads few rows: one aggregate per client of the CSM with a tier (交银理财 or 沃德) keeps only
those whose held days that stay in every window up to the horizon do not already reach the threshold on their own
(balances are never negative, so those clients cannot fall); the exact forecast
(``csm_tui.rules.money_at_risk.forecast_tier``) runs on the spans of the few that remain. An outflow is looked for
only where a span starts after the previous data date (the balance changed), read by the spans' index.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, exists, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from csm_tui.domain.enums import QueueReason
from csm_tui.domain.values import ResidentId, to_fen
from csm_tui.rules import birthdays, money_at_risk
from csm_tui.services.clients import average_window
from csm_tui.services.views import DATA_PREVIOUS_AS_OF, Candidate, QueueWindow, RiskWindow
from storage.orm import BalanceSpanRow, ClientRow, MetaRow
from storage.score_views import day_of

ONE_DAY = dt.timedelta(days=1)


def data_dates(session: Session) -> tuple[dt.date | None, dt.date | None]:
    """The branch's data date and the one before it (the day before when no import recorded one)."""
    query = select(MetaRow.key, MetaRow.value).where(MetaRow.key.in_(["data_as_of", DATA_PREVIOUS_AS_OF]))
    values = {key: value for key, value in session.execute(query)}
    if "data_as_of" not in values:
        return None, None
    as_of = dt.date.fromisoformat(values["data_as_of"])
    previous = values.get(DATA_PREVIOUS_AS_OF)
    before = dt.date.fromisoformat(previous) if previous else as_of - ONE_DAY
    return as_of, min(before, as_of - ONE_DAY)


def money_at_risk_candidates(session: Session, staff_id: int, w: QueueWindow) -> list[Candidate]:
    if w.risk is None:
        return []
    as_of, before = data_dates(session)
    if as_of is None or before is None:
        return []
    return [*_tier_risks(session, staff_id, w, w.risk, as_of), *_outflows(session, staff_id, w, w.risk, as_of, before)]


def _day(value: object) -> day_of:
    return day_of(value, literal(0.0))


def _tier_risks(session: Session, staff_id: int, w: QueueWindow, risk: RiskWindow, as_of: dt.date) -> list[Candidate]:
    if risk.through <= as_of:
        return []
    threshold = case((ClientRow.avg_3m >= risk.wode, to_fen(risk.wode)), else_=to_fen(risk.jiaoyin))
    tiered = and_(ClientRow.manager_id == staff_id, ClientRow.avg_3m >= risk.jiaoyin, ClientRow.assets_as_of == as_of)
    client = (ClientRow.id, ClientRow.name, ClientRow.avg_3m)
    at_risk: dict[int, Any] = {}
    if risk.through <= as_of + dt.timedelta(days=money_at_risk.LOOKAHEAD_DAYS):
        # The lowest forecast average the import kept: under the threshold exactly when the average falls by then.
        low = type_coerce(ClientRow.avg_3m_low, BigInteger)
        at_risk |= {r.id: r for r in session.execute(select(*client).where(tiered, low < threshold))}
        tiered = and_(tiered, ClientRow.avg_3m_low.is_(None))  # the rest: not worked out yet (e.g. before 0009)
    at_risk |= {r.id: r for r in session.execute(_unknown_at_risk(tiered, threshold, risk, as_of))}
    if not at_risk:
        return []
    first, _ = average_window(as_of + ONE_DAY)
    span = BalanceSpanRow
    spans: dict[int, list[money_at_risk.HeldSpan]] = defaultdict(list)
    for s in session.execute(
        select(span.client_id, span.first_day, span.last_day, span.balance).where(
            span.client_id.in_(list(at_risk)), span.last_day >= first, span.first_day <= as_of
        )
    ):
        spans[s.client_id].append(money_at_risk.HeldSpan(s.first_day, s.last_day, s.balance))
    found = []
    for client_id, r in at_risk.items():
        threshold_yuan = risk.wode if r.avg_3m >= risk.wode else risk.jiaoyin
        forecast = money_at_risk.forecast_tier(spans[client_id], as_of, threshold_yuan, risk.through, risk.arrives)
        if forecast is not None:
            found.append(
                Candidate(
                    client_id=client_id, client_name=r.name, reason=QueueReason.TIER_AT_RISK, due_on=w.today,
                    avg_3m=r.avg_3m, on=forecast.falls_on, amount=forecast.top_up, threshold=threshold_yuan,
                )
            )  # fmt: skip
    return found


def _unknown_at_risk(tiered: ColumnElement[bool], threshold: Any, risk: RiskWindow, as_of: dt.date) -> Any:
    """Clients whose lowest forecast average is not kept: those whose held days that stay in every window up to
    the horizon do not reach the threshold over the longest window on their own (the others cannot fall)."""
    horizon_first, _ = average_window(risk.through)  # the latest window's first day: held days from it stay in all
    longest = money_at_risk.most_window_days(as_of + ONE_DAY, risk.through)
    span = BalanceSpanRow
    low = case((span.first_day < horizon_first, literal(horizon_first)), else_=span.first_day)
    high = case((span.last_day > as_of, literal(as_of)), else_=span.last_day)
    kept = func.coalesce(func.sum(type_coerce(span.balance, BigInteger) * (_day(high) - _day(low) + 1)), 0)
    return (
        select(ClientRow.id, ClientRow.name, ClientRow.avg_3m)
        .outerjoin(span, and_(span.client_id == ClientRow.id, span.last_day >= horizon_first, span.first_day <= as_of))
        .where(tiered)
        .group_by(ClientRow.id, ClientRow.name, ClientRow.avg_3m)
        .having(kept < threshold * longest)
    )


def _outflows(
    session: Session, staff_id: int, w: QueueWindow, risk: RiskWindow, as_of: dt.date, before: dt.date
) -> Iterable[Candidate]:
    """Clients whose balance fell by the policy's share and floor since the previous data date: from the balance
    the import kept with the figures, else (not kept yet) from the spans where one starts after that date."""
    fen = (ClientRow.id, ClientRow.name, ClientRow.avg_3m, ClientRow.balance)
    mine = and_(ClientRow.manager_id == staff_id, ClientRow.assets_as_of == as_of)
    out = type_coerce(ClientRow.balance_before, BigInteger) - type_coerce(ClientRow.balance, BigInteger)
    kept = select(*fen, ClientRow.balance_before.label("before")).where(
        mine, ClientRow.balance_before.is_not(None), out >= to_fen(risk.outflow_floor)
    )
    span, changed = BalanceSpanRow, aliased(BalanceSpanRow)
    earlier = (
        select(span.balance)
        .where(span.client_id == ClientRow.id, span.first_day <= before, span.last_day >= before)
        .order_by(span.first_day.desc())
        .limit(1)
        .scalar_subquery()
    )
    worked_out = select(*fen, earlier.label("before")).where(
        mine,
        ClientRow.balance_before.is_(None),
        exists().where(changed.client_id == ClientRow.id, changed.first_day > before, changed.first_day <= as_of),
    )
    for query in (kept, worked_out):
        for r in session.execute(query):
            if r.before is None:
                continue
            amount = money_at_risk.large_outflow(r.before, r.balance, risk.outflow_share, risk.outflow_floor)
            if amount is not None:
                yield Candidate(
                    client_id=r.id, client_name=r.name, reason=QueueReason.LARGE_OUTFLOW, due_on=w.today,
                    avg_3m=r.avg_3m, on=as_of, amount=amount,
                )  # fmt: skip


def birthday_candidates(session: Session, staff_id: int, w: QueueWindow) -> list[Candidate]:
    """The CSM's clients whose birthday (solar, or lunar where they prefer it) falls in the greeting days: found by
    the birth date in the ID (``MMDD``) or the kept lunar month and day, in SQL."""
    if w.greet is None:
        return []
    first, last = w.greet
    born_mmdd = func.substr(ClientRow.resident_id, 11, 4)
    query = select(
        ClientRow.id, ClientRow.name, ClientRow.avg_3m, ClientRow.resident_id, ClientRow.lunar_birthday
    ).where(
        ClientRow.manager_id == staff_id,
        or_(
            and_(ClientRow.lunar_birthday.is_(None), born_mmdd.in_(sorted(birthdays.solar_month_days(first, last)))),
            ClientRow.lunar_birthday.in_(sorted(birthdays.lunar_mds_on(first, last))),
        ),
    )
    found = []
    for r in session.execute(query):
        born = ResidentId(r.resident_id).birth_date
        day = next(birthdays.birthdays(born, r.lunar_birthday is not None, first, last), None)
        if day is not None:
            found.append(
                Candidate(
                    client_id=r.id, client_name=r.name, reason=QueueReason.BIRTHDAY, due_on=w.today,
                    avg_3m=r.avg_3m, on=day,
                )
            )  # fmt: skip
    return found
