"""The queue's reasons from the bank's data and the calendar: money at risk (a tier the 3-month average will lose, a
large outflow since the previous data date) and birthdays to greet. Scoped to one CSM's clients.

One indexed pass over the CSM's book picks, by what the balance import keeps with each client's figures, the few
clients whose lowest forecast average is under their tier's threshold, whose balance fell by the floor since the
previous data date, and whose birthday (the ID's ``MMDD``, or the kept lunar month and day) falls in the greeting
days; the exact forecast (``csm_tui.rules.money_at_risk.forecast_tier``) then runs on the spans of those few.
Clients whose figures were kept before those columns existed are found from the spans instead (see
``_unknown_at_risk`` and ``_unknown_outflows``), until the next balance import keeps them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, exists, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from csm_tui.domain.enums import QueueReason
from csm_tui.domain.values import ResidentId, to_fen
from csm_tui.rules import birthdays, money_at_risk
from csm_tui.rules.tiers import average_window
from csm_tui.services.rows import DATA_PREVIOUS_AS_OF, Candidate, QueueWindow, RiskWindow
from storage.orm import BalanceSpanRow, ClientRow, MetaRow
from storage.score_sql import day_of

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


def data_candidates(session: Session, staff_id: int, w: QueueWindow) -> list[Candidate]:
    """Money at risk and birthday greetings among the CSM's clients."""
    as_of, before = data_dates(session) if w.risk is not None else (None, None)
    risk = w.risk if as_of is not None and w.risk is not None and w.risk.through > as_of else None
    conditions: list[ColumnElement[bool]] = []
    kept_low = False
    if risk is not None and as_of is not None:
        kept_low = risk.through <= as_of + dt.timedelta(days=money_at_risk.LOOKAHEAD_DAYS)
        threshold = case((ClientRow.avg_3m >= risk.wode, to_fen(risk.wode)), else_=to_fen(risk.jiaoyin))
        has_tier = ClientRow.avg_3m >= risk.jiaoyin
        low = type_coerce(ClientRow.avg_3m_low, BigInteger)
        out = type_coerce(ClientRow.balance_before, BigInteger) - type_coerce(ClientRow.balance, BigInteger)
        current = [
            and_(has_tier, low < threshold) if kept_low else has_tier,
            out >= to_fen(risk.outflow_floor),
            ClientRow.balance_before.is_(None),
            and_(has_tier, ClientRow.avg_3m_low.is_(None)),
        ]
        conditions.append(and_(ClientRow.assets_as_of == as_of, or_(*current)))
    greet: ColumnElement[bool] = literal(False)
    if w.greet is not None:
        first, last = w.greet
        born_mmdd = func.substr(ClientRow.resident_id, 11, 4)
        solar = born_mmdd.in_(sorted(birthdays.solar_month_days(first, last)))
        greet = or_(and_(ClientRow.lunar_birthday.is_(None), solar),
                    ClientRow.lunar_birthday.in_(sorted(birthdays.lunar_mds_on(first, last))))  # fmt: skip
        conditions.append(greet)
    if not conditions:
        return []
    figures = (ClientRow.balance, ClientRow.balance_before, ClientRow.avg_3m_low, ClientRow.assets_as_of)
    columns = (
        ClientRow.id,
        ClientRow.name,
        ClientRow.avg_3m,
        *figures,
        ClientRow.resident_id,
        ClientRow.lunar_birthday,
        greet.label("greet"),  # the rows picked for a birthday: only those are told their day
    )
    rows = session.execute(
        select(*columns).where(ClientRow.manager_id == staff_id, or_(*conditions)).order_by(ClientRow.id)
    ).all()
    found = _greetings(rows, w)
    if risk is None or as_of is None or before is None:
        return found
    mine = [r for r in rows if r.assets_as_of == as_of]
    tiered = [r for r in mine if r.avg_3m >= risk.jiaoyin]
    at_risk: dict[int, Any] = {}
    if kept_low:
        at_risk = {r.id: r for r in tiered if r.avg_3m_low is not None and r.avg_3m_low < _threshold(r, risk)}
        unknown = [r.id for r in tiered if r.avg_3m_low is None]
    else:
        unknown = [r.id for r in tiered]
    if unknown:
        at_risk |= {r.id: r for r in session.execute(_unknown_at_risk(unknown, risk, as_of))}
    found += _forecasts(session, at_risk, w, risk, as_of)
    outflows = [(r, r.balance_before) for r in mine if r.balance_before is not None]
    missing = [r.id for r in mine if r.balance_before is None]
    if missing:
        outflows += [(r, r.before) for r in session.execute(_unknown_outflows(missing, as_of, before))]
    for r, earlier in outflows:
        amount = None if earlier is None else money_at_risk.large_outflow(earlier, r.balance, risk.outflow_share,
                                                                          risk.outflow_floor)  # fmt: skip
        if amount is not None:
            found.append(
                Candidate(
                    client_id=r.id, client_name=r.name, reason=QueueReason.LARGE_OUTFLOW, due_on=w.today,
                    avg_3m=r.avg_3m, on=as_of, amount=amount,
                )
            )  # fmt: skip
    return found


def _threshold(row: Any, risk: RiskWindow) -> Decimal:
    """The threshold of the client's tier (沃德 or 交银理财)."""
    return risk.wode if row.avg_3m >= risk.wode else risk.jiaoyin


def _greetings(rows: Iterable[Any], w: QueueWindow) -> list[Candidate]:
    if w.greet is None:
        return []
    first, last = w.greet
    found = []
    for r in rows:
        if not r.greet:  # picked for money at risk alone
            continue
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


def _day(value: object) -> day_of:
    return day_of(value, literal(0.0))


def _forecasts(
    session: Session, at_risk: dict[int, Any], w: QueueWindow, risk: RiskWindow, as_of: dt.date
) -> list[Candidate]:
    """The exact forecast on the spans of the clients picked."""
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
        threshold_yuan = _threshold(r, risk)
        forecast = money_at_risk.forecast_tier(spans[client_id], as_of, threshold_yuan, risk.through, risk.arrives)
        if forecast is not None:
            found.append(
                Candidate(
                    client_id=client_id, client_name=r.name, reason=QueueReason.TIER_AT_RISK, due_on=w.today,
                    avg_3m=r.avg_3m, on=forecast.falls_on, amount=forecast.top_up, threshold=threshold_yuan,
                )
            )  # fmt: skip
    return found


def _unknown_at_risk(ids: list[int], risk: RiskWindow, as_of: dt.date) -> Any:
    """Of ``ids`` (no lowest average kept): those whose held days that stay in every window up to the horizon do not
    reach the threshold over the longest window on their own (balances are never negative: the others cannot
    fall)."""
    horizon_first, _ = average_window(risk.through)  # the latest window's first day: held days from it stay in all
    longest = money_at_risk.most_window_days(as_of + ONE_DAY, risk.through)
    threshold = case((ClientRow.avg_3m >= risk.wode, to_fen(risk.wode)), else_=to_fen(risk.jiaoyin))
    span = BalanceSpanRow
    low = case((span.first_day < horizon_first, literal(horizon_first)), else_=span.first_day)
    high = case((span.last_day > as_of, literal(as_of)), else_=span.last_day)
    kept = func.coalesce(func.sum(type_coerce(span.balance, BigInteger) * (_day(high) - _day(low) + 1)), 0)
    return (
        select(ClientRow.id, ClientRow.name, ClientRow.avg_3m)
        .outerjoin(span, and_(span.client_id == ClientRow.id, span.last_day >= horizon_first, span.first_day <= as_of))
        .where(ClientRow.id.in_(ids))
        .group_by(ClientRow.id, ClientRow.name, ClientRow.avg_3m)
        .having(kept < threshold * literal(longest, BigInteger))
        .order_by(ClientRow.id)
    )


def _unknown_outflows(ids: list[int], as_of: dt.date, before: dt.date) -> Any:
    """Of ``ids`` (no earlier balance kept): those whose balance changed since ``before``, with the balance then."""
    span, changed = BalanceSpanRow, aliased(BalanceSpanRow)
    earlier = (
        select(span.balance)
        .where(span.client_id == ClientRow.id, span.first_day <= before, span.last_day >= before)
        .order_by(span.first_day.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(ClientRow.id, ClientRow.name, ClientRow.avg_3m, ClientRow.balance, earlier.label("before")).where(
        ClientRow.id.in_(ids),
        exists().where(changed.client_id == ClientRow.id, changed.first_day > before, changed.first_day <= as_of),
    ).order_by(ClientRow.id)
