"""The queue's reasons from the bank's data and the calendar: money at risk (a tier the 3-month average will lose, a
large outflow since the previous data date) and birthdays to greet. Scoped to one CSM's clients.

One indexed pass over the CSM's book picks, by what the balance import keeps with each client's figures, the few
clients whose lowest forecast average is under their tier's threshold, whose balance fell by the floor since the
previous data date, and whose birthday (the ID's ``MMDD``, or the kept lunar month and day) falls in the greeting
days; the exact forecast (``csm_tui.rules.money_at_risk.forecast_tier``) then runs on the spans of those few.
Clients whose figures were kept before those columns existed are found from the spans instead (see
``_unknown_at_risk`` and ``_unknown_outflows``), until the next balance import keeps them.

The queries are parts of the queue's one statement (``storage.queue_sources``): ``RiskReads`` builds them from the
data dates, and ``RiskReads.candidates`` applies the rules to the rows they return.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

from csm_tui.domain.enums import QueueReason
from csm_tui.domain.values import ResidentId, to_fen
from csm_tui.rules import birthdays, money_at_risk
from csm_tui.rules.tiers import average_window
from csm_tui.services.rows import DATA_PREVIOUS_AS_OF, Candidate, QueueWindow, RiskWindow
from storage.orm import BalanceSpanRow, ClientRow, Fen, MetaRow
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


@dataclass(frozen=True)
class RiskReads:
    """The money-at-risk and birthday reads of one CSM's queue, for the data dates read beforehand."""

    staff_id: int
    w: QueueWindow
    as_of: dt.date | None
    before: dt.date | None

    @classmethod
    def read(cls, session: Session, staff_id: int, w: QueueWindow) -> RiskReads:
        as_of, before = data_dates(session) if w.risk is not None else (None, None)
        return cls(staff_id, w, as_of, before)

    @property
    def risk(self) -> RiskWindow | None:
        """The risk window, when there are data to forecast from and days after them to look at."""
        w, as_of = self.w, self.as_of
        return w.risk if as_of is not None and w.risk is not None and w.risk.through > as_of else None

    @property
    def kept_low(self) -> bool:
        """Whether the lowest average kept with the figures looks far enough ahead for the risk window."""
        risk, as_of = self.risk, self.as_of
        return (
            risk is not None
            and as_of is not None
            and risk.through <= as_of + dt.timedelta(days=money_at_risk.LOOKAHEAD_DAYS)
        )

    def shape(self) -> tuple[bool, ...]:
        """What decides the parts of the reads (not the values they compare with): the statement is kept per shape."""
        return (self.risk is not None, self.kept_low, self.before is not None, self.w.greet is not None)

    def values(self) -> dict[str, Any]:
        """The values of the reads' bound parameters (``param`` names) for these data dates and this window."""
        values: dict[str, Any] = {"staff_id": self.staff_id}
        risk, as_of = self.risk, self.as_of
        if risk is not None and as_of is not None:
            horizon_first, _ = average_window(risk.through)
            window_first, _ = average_window(as_of + ONE_DAY)
            values |= {
                "as_of": as_of, "before": self.before, "jiaoyin": risk.jiaoyin, "wode": risk.wode,
                "jiaoyin_fen": to_fen(risk.jiaoyin), "wode_fen": to_fen(risk.wode),
                "outflow_floor_fen": to_fen(risk.outflow_floor), "horizon_first": horizon_first,
                "longest": money_at_risk.most_window_days(as_of + ONE_DAY, risk.through), "window_first": window_first,
            }  # fmt: skip
        if self.w.greet is not None:
            first, last = self.w.greet
            values["solar_days"] = sorted(birthdays.solar_month_days(first, last))
            values["lunar_days"] = sorted(birthdays.lunar_mds_on(first, last))
        return values

    def picked(self, book: Any) -> Any:
        """The CSM's clients (``book``: their rows with the clients' columns by name) with money at risk or a
        birthday to greet (with their figures), or None: no such reason today."""
        c = book.c
        conditions: list[ColumnElement[bool]] = []
        if self.risk is not None:
            has_tier = c.avg_3m >= param("jiaoyin", Fen())
            low = type_coerce(c.avg_3m_low, BigInteger)
            out = type_coerce(c.balance_before, BigInteger) - type_coerce(c.balance, BigInteger)
            current = [
                and_(has_tier, low < _threshold_fen(c.avg_3m)) if self.kept_low else has_tier,
                out >= param("outflow_floor_fen", BigInteger()),
                c.balance_before.is_(None),
                and_(has_tier, c.avg_3m_low.is_(None)),
            ]
            conditions.append(and_(c.assets_as_of == param("as_of", Date()), or_(*current)))
        greet: ColumnElement[bool] = literal(False)
        if self.w.greet is not None:
            born_mmdd = func.substr(c.resident_id, 11, 4)
            solar = born_mmdd.in_(bindparam("solar_days", expanding=True, type_=String()))
            lunar = c.lunar_birthday.in_(bindparam("lunar_days", expanding=True, type_=Integer()))
            greet = or_(and_(c.lunar_birthday.is_(None), solar), lunar)
            conditions.append(greet)
        if not conditions:
            return None
        return select(
            c.id.label("client_id"),
            c.name.label("client_name"),
            c.avg_3m.label("avg_3m"),
            c.balance.label("balance"),
            c.balance_before.label("balance_before"),
            c.avg_3m_low.label("avg_3m_low"),
            c.assets_as_of.label("assets_as_of"),
            c.resident_id.label("resident_id"),
            c.lunar_birthday.label("lunar_birthday"),
            greet.label("greet"),  # the rows picked for a birthday: only those are told their day
        ).where(or_(*conditions))

    def at_risk(self, picked: CTE) -> Select[Any] | None:
        """Of the clients ``picked``, the ids of those to forecast: a kept lowest average under the tier's threshold,
        or none kept and the spans cannot keep the tier on their own."""
        if self.risk is None:
            return None
        current = and_(picked.c.assets_as_of == param("as_of", Date()), picked.c.avg_3m >= param("jiaoyin", Fen()))
        low = type_coerce(picked.c.avg_3m_low, BigInteger)
        unknown = select(picked.c.client_id).where(current)
        if self.kept_low:
            unknown = unknown.where(picked.c.avg_3m_low.is_(None))
        kept = select(picked.c.client_id).where(current, low < _threshold_fen(picked.c.avg_3m))
        return kept.union(_unknown_at_risk(unknown))  # type: ignore[return-value]

    @staticmethod
    def spans(at_risk: CTE) -> Any:
        """The balance spans the exact forecast reads, of the clients ``at_risk``."""
        span = BalanceSpanRow
        return select(
            span.client_id.label("client_id"),
            span.first_day.label("first_day"),
            span.last_day.label("last_day"),
            span.balance.label("balance"),
        ).where(
            span.client_id.in_(select(at_risk.c.client_id)),
            span.last_day >= param("window_first", Date()),
            span.first_day <= param("as_of", Date()),
        )

    def earlier(self, picked: CTE) -> Any:
        """Of the clients ``picked`` with no earlier balance kept: those whose balance changed since the previous
        data date, with the balance then."""
        if self.risk is None or self.before is None:
            return None
        missing = select(picked.c.client_id).where(
            picked.c.assets_as_of == param("as_of", Date()), picked.c.balance_before.is_(None)
        )
        return _unknown_outflows(missing)

    def candidates(
        self,
        picked: Iterable[Any],
        at_risk: set[int],
        spans: Iterable[Any],
        earlier: dict[int, Decimal | None],
    ) -> list[Candidate]:
        """The birthdays, tiers at risk and large outflows among the rows the reads returned (``picked``: the
        clients with their figures, ``at_risk``: the ids to forecast, ``spans``: their balance spans, ``earlier``:
        the balance on the previous data date of those whose figures kept none)."""
        w, risk, as_of = self.w, self.risk, self.as_of
        rows = sorted(picked, key=lambda r: r.client_id)
        found = _greetings(rows, w)
        if risk is None or as_of is None or self.before is None:
            return found
        held: dict[int, list[money_at_risk.HeldSpan]] = defaultdict(list)
        for s in sorted(spans, key=lambda s: (s.client_id, s.first_day)):
            held[s.client_id].append(money_at_risk.HeldSpan(s.first_day, s.last_day, s.balance))
        mine = [r for r in rows if r.assets_as_of == as_of]
        kept = [r for r in mine if r.avg_3m_low is not None and r.avg_3m_low < _threshold(r.avg_3m, risk)]
        kept = [r for r in kept if r.avg_3m >= risk.jiaoyin and self.kept_low]
        forecast_first = {r.client_id for r in kept}  # the kept lowest averages first, then those found by spans
        for r in [*kept, *(r for r in mine if r.client_id in at_risk and r.client_id not in forecast_first)]:
            threshold_yuan = _threshold(r.avg_3m, risk)
            forecast = money_at_risk.forecast_tier(held[r.client_id], as_of, threshold_yuan, risk.through, risk.arrives)
            if forecast is not None:
                found.append(
                    Candidate(
                        client_id=r.client_id, client_name=r.client_name, reason=QueueReason.TIER_AT_RISK,
                        due_on=w.today, avg_3m=r.avg_3m, on=forecast.falls_on, amount=forecast.top_up,
                        threshold=threshold_yuan,
                    )
                )  # fmt: skip
        outflows = [(r, r.balance_before) for r in mine if r.balance_before is not None]
        outflows += [(r, earlier[r.client_id]) for r in mine if r.balance_before is None and r.client_id in earlier]
        for r, before in outflows:
            amount = None if before is None else money_at_risk.large_outflow(before, r.balance, risk.outflow_share,
                                                                            risk.outflow_floor)  # fmt: skip
            if amount is not None:
                found.append(
                    Candidate(
                        client_id=r.client_id, client_name=r.client_name, reason=QueueReason.LARGE_OUTFLOW,
                        due_on=w.today, avg_3m=r.avg_3m, on=as_of, amount=amount,
                    )
                )  # fmt: skip
        return found


def param(name: str, type_: TypeEngine[Any]) -> BindParameter[Any]:
    """A named bound parameter of the queue's cached statement (its value given with each execution)."""
    return bindparam(name, type_=type_)


def _threshold_fen(avg_3m: Any) -> ColumnElement[Any]:
    """The threshold of the client's tier (沃德 or 交银理财) in fen."""
    return case(
        (avg_3m >= param("wode", Fen()), param("wode_fen", BigInteger())), else_=param("jiaoyin_fen", BigInteger())
    )


def _threshold(avg_3m: Decimal, risk: RiskWindow) -> Decimal:
    """The threshold of the client's tier (沃德 or 交银理财)."""
    return risk.wode if avg_3m >= risk.wode else risk.jiaoyin


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
                    client_id=r.client_id, client_name=r.client_name, reason=QueueReason.BIRTHDAY, due_on=w.today,
                    avg_3m=r.avg_3m, on=day,
                )
            )  # fmt: skip
    return found


def _day(value: object) -> day_of:
    return day_of(value, literal(0.0))


def _unknown_at_risk(ids: Select[Any]) -> Select[Any]:
    """Of ``ids`` (no lowest average kept): those whose held days that stay in every window up to the horizon do not
    reach the threshold over the longest window on their own (balances are never negative: the others cannot
    fall)."""
    horizon_first = param("horizon_first", Date())  # the latest window's first day: held days from it stay in all
    as_of = param("as_of", Date())
    span = BalanceSpanRow
    low = case((span.first_day < horizon_first, horizon_first), else_=span.first_day)
    high = case((span.last_day > as_of, as_of), else_=span.last_day)
    kept = func.coalesce(func.sum(type_coerce(span.balance, BigInteger) * (_day(high) - _day(low) + 1)), 0)
    return (
        select(ClientRow.id.label("client_id"))
        .outerjoin(span, and_(span.client_id == ClientRow.id, span.last_day >= horizon_first, span.first_day <= as_of))
        .where(ClientRow.id.in_(ids))
        .group_by(ClientRow.id, ClientRow.avg_3m)
        .having(kept < _threshold_fen(ClientRow.avg_3m) * param("longest", BigInteger()))
    )


def _unknown_outflows(ids: Select[Any]) -> Any:
    """Of ``ids`` (no earlier balance kept): those whose balance changed since the previous data date, with the
    balance then."""
    span, changed = BalanceSpanRow, aliased(BalanceSpanRow)
    before, as_of = param("before", Date()), param("as_of", Date())
    earlier = (
        select(span.balance)
        .where(span.client_id == ClientRow.id, span.first_day <= before, span.last_day >= before)
        .order_by(span.first_day.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(ClientRow.id.label("client_id"), earlier.label("before")).where(
        ClientRow.id.in_(ids),
        exists().where(changed.client_id == ClientRow.id, changed.first_day > before, changed.first_day <= as_of),
    )
