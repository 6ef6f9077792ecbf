"""Read models of the scoreboard: a quarter's figures for every CSM at once, as aggregate queries grouped by staff,
and the records behind one figure for the drill-down.

Local days of stored instants are told with the branch's UTC offset (``ScoreWindow.utc_offset_s``), inside the
query, so both backends answer the same way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from csm_tui.domain.enums import (
    Channel,
    Disposition,
    Grade,
    ProductCategory,
    ReferralKind,
    ReferralStatus,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.values import from_fen, to_fen
from csm_tui.policy import Measure
from csm_tui.services.rows import CsmRow, QuarterRaw, ScoreRecord, ScoreWindow
from storage import score_tallies
from storage.access import Access
from storage.orm import (
    BalanceSpanRow,
    ClientRow,
    ContactRow,
    EventRow,
    InvitationRow,
    KeptAverageRow,
    MysteryCheckRow,
    OutletRow,
    ProductRow,
    QualificationRow,
    ReferralRow,
    SaleRow,
    StaffRow,
    TaskRow,
    TrainingRow,
)
from storage.score_sql import breach_terms, crossed, date_day, day_of, per_client_assets
from storage.sql import count_if

DRILL_LIMIT = 500  # records listed under one figure, newest first


class int_div(FunctionElement[int]):
    """Integer division, truncating: both operands are whole numbers (PostgreSQL sums bigints as numeric)."""

    type = BigInteger()
    inherit_cache = True
    name = "int_div"


@compiles(int_div)
def _int_div_sqlite(element: int_div, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({a} AS INTEGER) / CAST({b} AS INTEGER))"


@compiles(int_div, "postgresql")
def _int_div_postgresql(element: int_div, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(div({a}, {b}) AS BIGINT)"


def _local_day(instant: Any, window: ScoreWindow) -> day_of:
    return day_of(instant, literal(window.utc_offset_s / 86400))


def _local_date(at: dt.datetime, window: ScoreWindow) -> dt.date:
    return (at + dt.timedelta(seconds=window.utc_offset_s)).date()


class SqlScoreViews:
    """The scoreboard's read models, for the acting staff member: the roster (``csms``) for anyone, the branch's
    figures (every CSM's, for the ranks) for those with a scoreboard, one CSM's records for whoever may see their
    scores (``storage.access``)."""

    def __init__(self, session: Session, access: Access) -> None:
        self.session = session
        self.access = access

    def visible(self, csm: CsmRow) -> bool:
        """Whether the acting staff member may see ``csm``'s own figures."""
        return self.access.may_see_scores(csm.id, csm.supervisor_id)

    # --- who is scored ------------------------------------------------------------------------------------------

    def csms(self) -> list[CsmRow]:
        """The CSMs on staff, and those who left (their last day recorded), for the quarters they were on staff."""
        query = (
            select(StaffRow.id, StaffRow.login, StaffRow.name, StaffRow.grade, StaffRow.outlet_id, OutletRow.name,
                   StaffRow.supervisor_id, StaffRow.started_on, StaffRow.left_on)
            .outerjoin(OutletRow, OutletRow.id == StaffRow.outlet_id)
            .where(StaffRow.role == Role.CSM, or_(StaffRow.active, StaffRow.left_on.is_not(None)))
            .order_by(StaffRow.login)
        )  # fmt: skip
        return [
            CsmRow(i, login, name, Grade(str(grade)), outlet_id, outlet or "", supervisor, started, left)
            for i, login, name, grade, outlet_id, outlet, supervisor, started, left in self.session.execute(query)
        ]

    # --- the quarter's figures ----------------------------------------------------------------------------------

    def quarter_raw(self, window: ScoreWindow, staff_ids: list[int]) -> dict[int, QuarterRaw]:
        """Every figure of the quarter for each of ``staff_ids``: one aggregate query per source, grouped by staff."""
        self.access.require_scoreboard()
        figures: dict[int, dict[str, Any]] = {staff_id: {"sales": {}} for staff_id in staff_ids}

        def add(rows: Any, *names: str) -> None:
            for staff_id, *values in rows:
                if staff_id in figures:
                    for name, value in zip(names, values, strict=True):
                        figures[staff_id][name] = int(value or 0)

        tallied = score_tallies.quarter_figures(self.session, window, staff_ids)
        if tallied is not None:  # the running tallies: a few rows per CSM and day
            for staff_id, values in tallied.items():
                if staff_id in figures:
                    figures[staff_id].update(values)
        else:  # the records themselves
            for staff_id, category, amount, regular, breaches in self._sales(window, staff_ids):
                mine = figures[staff_id]
                mine["sales"][ProductCategory(category)] = from_fen(int(amount))
                mine["regular_plans"] = mine.get("regular_plans", 0) + int(regular)
                mine["breaches"] = mine.get("breaches", 0) + int(breaches)
            add(self._contacts(window, staff_ids), "contacts", "calls", "satisfaction_sum", "satisfaction_count")
            add(self._callbacks(window, staff_ids), "callbacks_due", "callbacks_on_time")
        add(self._referrals(window, staff_ids), "wode_accepted")
        add(self._mystery(window, staff_ids), "mystery_sum", "mystery_count")
        add(self._qualifications(window, staff_ids), "qualifications")
        add(self._training(window, staff_ids), "training_minutes")
        add(self._events(window, staff_ids), "events_held")
        assets = score_tallies.quarter_assets(self.session, window, staff_ids)
        for staff_id, before, after, count in self._assets(window, staff_ids) if assets is None else assets:
            figures[staff_id].update(assets_before=before, assets_after=after, new_jiaoyin=count)
        return {staff_id: QuarterRaw(**values) for staff_id, values in figures.items()}

    def _in_window(self, column: Any, window: ScoreWindow) -> ColumnElement[bool]:
        return and_(column >= window.start, column < window.end)

    def _breach(self, window: ScoreWindow) -> tuple[ColumnElement[bool], Any, Any]:
        """A sale against suitability (``breach_terms``), by the window's policy and offset."""
        unsuitable, unrecorded, record, taken = breach_terms(window.utc_offset_s)
        needs_recording = ProductRow.category.not_in([c.value for c in window.recording_exempt])
        return or_(unsuitable, and_(unrecorded, needs_recording)), record, taken

    def _sales_joined(self, window: ScoreWindow, *columns: Any) -> Any:
        breach, record, taken = self._breach(window)
        query = (
            select(*columns, breach.label("breach"))
            .select_from(SaleRow)
            .join(ProductRow, ProductRow.id == SaleRow.product_id)
            .outerjoin(record, record.id == SaleRow.suitability_id)
            .outerjoin(taken, taken.id == record.assessment_id)
            .where(self._in_window(SaleRow.sold_at, window), SaleRow.cancelled_at.is_(None))
        )
        return query, breach

    def _sales(self, window: ScoreWindow, staff_ids: list[int]) -> Any:
        breach, record, taken = self._breach(window)
        amount = type_coerce(SaleRow.amount, BigInteger)
        query = (
            select(
                SaleRow.staff_id,
                ProductRow.category,
                func.sum(amount),
                count_if(SaleRow.regular_plan.is_(True)),
                count_if(breach),
            )
            .join(ProductRow, ProductRow.id == SaleRow.product_id)
            .outerjoin(record, record.id == SaleRow.suitability_id)
            .outerjoin(taken, taken.id == record.assessment_id)
            .where(
                SaleRow.staff_id.in_(staff_ids),
                self._in_window(SaleRow.sold_at, window),
                SaleRow.cancelled_at.is_(None),
            )
            .group_by(SaleRow.staff_id, ProductRow.category)
        )
        return self.session.execute(query)

    def _contacts(self, window: ScoreWindow, staff_ids: list[int]) -> Any:
        rated = and_(ContactRow.disposition == Disposition.SERVICE_DONE, ContactRow.satisfaction.is_not(None))
        query = (
            select(
                ContactRow.staff_id,
                func.count(),
                count_if(ContactRow.channel == Channel.PHONE),
                func.coalesce(func.sum(case((rated, ContactRow.satisfaction), else_=0)), 0),
                count_if(rated),
            )
            .where(ContactRow.staff_id.in_(staff_ids), self._in_window(ContactRow.started_at, window))
            .group_by(ContactRow.staff_id)
        )
        return self.session.execute(query)

    def _callback_tasks(self, window: ScoreWindow) -> tuple[Any, ColumnElement[bool], ColumnElement[bool]]:
        """The quarter's sales joined to their 回访; which are due (their window has passed, or done) and which
        were done within the window (by the local day)."""
        on_time = and_(
            TaskRow.status == TaskStatus.DONE,
            _local_day(TaskRow.closed_at, window) <= _local_day(SaleRow.sold_at, window) + window.callback_days,
        )
        passed = _local_day(SaleRow.sold_at, window) + window.callback_days < _local_day(window.now, window)
        due = or_(TaskRow.status == TaskStatus.DONE, passed)
        joined = and_(
            TaskRow.origin == TaskOrigin.SALE,
            TaskRow.origin_id == SaleRow.id,
            TaskRow.kind.in_([TaskKind.SERVICE_CALLBACK, TaskKind.SMS]),
        )
        return joined, due, on_time

    def _callbacks(self, window: ScoreWindow, staff_ids: list[int]) -> Any:
        joined, due, on_time = self._callback_tasks(window)
        query = (
            select(SaleRow.staff_id, count_if(due), count_if(and_(due, on_time)))
            .join(TaskRow, joined)
            .where(
                SaleRow.staff_id.in_(staff_ids),
                self._in_window(SaleRow.sold_at, window),
                SaleRow.cancelled_at.is_(None),
            )
            .group_by(SaleRow.staff_id)
        )
        return self.session.execute(query)

    def _wode(self, window: ScoreWindow) -> ColumnElement[bool]:
        """A CSM's 沃德 referral accepted in the quarter (released later or not), the first of its client's by that
        CSM in the quarter: a client released and accepted again is one client brought, not one per acceptance."""
        earlier = aliased(ReferralRow)
        return and_(
            self._wode_accepted(ReferralRow, window),
            ~select(earlier.id)
            .where(
                earlier.client_id == ReferralRow.client_id,
                earlier.from_staff_id == ReferralRow.from_staff_id,
                self._wode_accepted(earlier, window),
                or_(
                    earlier.closed_at < ReferralRow.closed_at,
                    and_(earlier.closed_at == ReferralRow.closed_at, earlier.id < ReferralRow.id),
                ),
            )
            .exists(),
        )

    def _wode_accepted(self, referral: Any, window: ScoreWindow) -> ColumnElement[bool]:
        return and_(
            referral.kind == ReferralKind.WODE,
            referral.status.in_((ReferralStatus.ACCEPTED, ReferralStatus.RELEASED)),  # released later: accepted
            self._in_window(referral.closed_at, window),
        )

    def _referrals(self, window: ScoreWindow, staff_ids: list[int]) -> Any:
        query = (
            select(ReferralRow.from_staff_id, func.count())
            .where(ReferralRow.from_staff_id.in_(staff_ids), self._wode(window))
            .group_by(ReferralRow.from_staff_id)
        )
        return self.session.execute(query)

    def _held(self, window: ScoreWindow) -> ColumnElement[bool]:
        """An event held in the quarter: begun within it and by now (one ahead counts once it is held), and someone
        came (an event nobody attended was not held: planning empty events scores nothing)."""
        came = (
            select(InvitationRow.id)
            .where(InvitationRow.event_id == EventRow.id, InvitationRow.attended_at.is_not(None))
            .exists()
        )
        return and_(EventRow.starts_at >= window.start, EventRow.starts_at < min(window.end, window.now), came)

    def _events(self, window: ScoreWindow, staff_ids: list[int]) -> Any:
        query = (
            select(EventRow.created_by, func.count())
            .where(EventRow.created_by.in_(staff_ids), self._held(window))
            .group_by(EventRow.created_by)
        )
        return self.session.execute(query)

    def _event_records(self, staff_id: int, window: ScoreWindow) -> list[ScoreRecord]:
        query = (
            select(EventRow.starts_at, EventRow.title, EventRow.place, EventRow.capacity)
            .where(EventRow.created_by == staff_id, self._held(window))
            .order_by(EventRow.starts_at.desc())
            .limit(DRILL_LIMIT)
        )
        return [
            ScoreRecord(_local_date(r.starts_at, window), r.title, r.place, str(r.capacity))
            for r in self.session.execute(query)
        ]

    def _mystery(self, window: ScoreWindow, staff_ids: list[int]) -> Any:
        query = (
            select(MysteryCheckRow.staff_id, func.sum(MysteryCheckRow.score), func.count())
            .where(
                MysteryCheckRow.staff_id.in_(staff_ids),
                MysteryCheckRow.year == window.year,
                MysteryCheckRow.quarter == window.quarter,
            )
            .group_by(MysteryCheckRow.staff_id)
        )
        return self.session.execute(query)

    def _valid(self, window: ScoreWindow) -> ColumnElement[bool]:
        return and_(
            QualificationRow.obtained_on <= window.last_day,
            or_(QualificationRow.expires_on.is_(None), QualificationRow.expires_on >= window.last_day),
        )

    def _qualifications(self, window: ScoreWindow, staff_ids: list[int]) -> Any:
        query = (
            select(QualificationRow.staff_id, func.count())
            .where(QualificationRow.staff_id.in_(staff_ids), self._valid(window))
            .group_by(QualificationRow.staff_id)
        )
        return self.session.execute(query)

    def _training(self, window: ScoreWindow, staff_ids: list[int]) -> Any:
        query = (
            select(TrainingRow.staff_id, func.sum(TrainingRow.minutes))
            .where(
                TrainingRow.staff_id.in_(staff_ids),
                TrainingRow.day >= window.first_day,
                TrainingRow.day <= window.last_day,
            )
            .group_by(TrainingRow.staff_id)
        )
        return self.session.execute(query)

    def _per_client_assets(self, window: ScoreWindow, staff_ids: list[int]) -> Any:
        assert window.assets_before is not None
        return per_client_assets(window.assets_before, window.assets_after, ClientRow.manager_id.in_(staff_ids))

    def _crossed(self, per_client: Any, window: ScoreWindow) -> ColumnElement[bool]:
        return crossed(per_client, to_fen(window.jiaoyin))

    def _assets(self, window: ScoreWindow, staff_ids: list[int]) -> list[tuple[int, Decimal, Decimal, int]]:
        if window.assets_before is None:
            return []
        per_client = self._per_client_assets(window, staff_ids).subquery()
        query = select(
            per_client.c.staff_id,
            func.sum(per_client.c.before),
            func.sum(per_client.c.after),
            count_if(self._crossed(per_client, window)),
        ).group_by(per_client.c.staff_id)
        return [
            (staff_id, from_fen(int(before)), from_fen(int(after)), int(count))
            for staff_id, before, after, count in self.session.execute(query)
        ]

    # --- the drill-down -----------------------------------------------------------------------------------------

    def records(self, staff_id: int, measure: Measure, window: ScoreWindow) -> list[ScoreRecord]:
        """The records behind one of a CSM's figures, newest first."""
        self.access.require_scores(staff_id)
        match measure:
            case Measure.WEALTH_SALES | Measure.INSURANCE_PREMIUM | Measure.FUND_SALES | Measure.REGULAR_PLANS:
                return self._sale_records(staff_id, measure, window)
            case Measure.COMPLIANCE_BREACHES:
                return self._sale_records(staff_id, measure, window)
            case Measure.CALLS_VS_TARGET | Measure.CONTACTS_LOGGED | Measure.SATISFACTION:
                return self._contact_records(staff_id, measure, window)
            case Measure.CALLBACKS_ON_TIME:
                return self._callback_records(staff_id, window)
            case Measure.WODE_REFERRALS:
                return self._referral_records(staff_id, window)
            case Measure.MYSTERY_SHOPPER:
                return self._mystery_records(staff_id, window)
            case Measure.QUALIFICATIONS:
                return self._qualification_records(staff_id, window)
            case Measure.TRAINING_HOURS:
                return self._training_records(staff_id, window)
            case Measure.EVENTS_HELD:
                return self._event_records(staff_id, window)
            case Measure.AUM_GROWTH | Measure.NEW_JIAOYIN:
                return self._asset_records(staff_id, measure, window)

    def _sale_records(self, staff_id: int, measure: Measure, window: ScoreWindow) -> list[ScoreRecord]:
        query, breach = self._sales_joined(
            window, SaleRow.sold_at, ClientRow.name, ProductRow.name.label("product"), SaleRow.amount
        )
        query = query.join(ClientRow, ClientRow.id == SaleRow.client_id).where(SaleRow.staff_id == staff_id)
        if measure is Measure.COMPLIANCE_BREACHES:
            query = query.where(breach)
        elif measure is Measure.REGULAR_PLANS:
            query = query.where(SaleRow.regular_plan)
        else:
            query = query.where(ProductRow.category == measure.value.split(":")[1])
        query = query.order_by(SaleRow.sold_at.desc()).limit(DRILL_LIMIT)
        return [
            ScoreRecord(_local_date(r.sold_at, window), r.name, r.product, str(r.amount))
            for r in self.session.execute(query)
        ]

    def _contact_records(self, staff_id: int, measure: Measure, window: ScoreWindow) -> list[ScoreRecord]:
        query = (
            select(ContactRow.started_at, ClientRow.name, ContactRow.channel, ContactRow.disposition,
                   ContactRow.satisfaction)
            .join(ClientRow, ClientRow.id == ContactRow.client_id)
            .where(ContactRow.staff_id == staff_id, self._in_window(ContactRow.started_at, window))
            .order_by(ContactRow.started_at.desc())
            .limit(DRILL_LIMIT)
        )  # fmt: skip
        if measure is Measure.CALLS_VS_TARGET:
            query = query.where(ContactRow.channel == Channel.PHONE)
        elif measure is Measure.SATISFACTION:
            query = query.where(
                ContactRow.disposition == Disposition.SERVICE_DONE, ContactRow.satisfaction.is_not(None)
            )
        return [
            ScoreRecord(
                _local_date(r.started_at, window),
                r.name,
                f"channel:{r.channel} disposition:{r.disposition}",
                "" if r.satisfaction is None else str(r.satisfaction),
            )
            for r in self.session.execute(query)
        ]

    def _callback_records(self, staff_id: int, window: ScoreWindow) -> list[ScoreRecord]:
        joined, due, on_time = self._callback_tasks(window)
        query = (
            select(SaleRow.sold_at, ClientRow.name, TaskRow.closed_at, TaskRow.status, due.label("due"),
                   on_time.label("on_time"))
            .join(TaskRow, joined)
            .join(ClientRow, ClientRow.id == SaleRow.client_id)
            .where(SaleRow.staff_id == staff_id, self._in_window(SaleRow.sold_at, window),
                   SaleRow.cancelled_at.is_(None))
            .order_by(SaleRow.sold_at.desc())
            .limit(DRILL_LIMIT)
        )  # fmt: skip
        records = []
        for r in self.session.execute(query):
            state = "callback:on_time" if r.due and r.on_time else "callback:late" if r.due else "callback:pending"
            done = "" if r.closed_at is None or r.status != TaskStatus.DONE else str(_local_date(r.closed_at, window))
            records.append(ScoreRecord(_local_date(r.sold_at, window), r.name, state, done))
        return records

    def _referral_records(self, staff_id: int, window: ScoreWindow) -> list[ScoreRecord]:
        to = aliased(StaffRow)
        query = (
            select(ReferralRow.closed_at, ClientRow.name, to.name.label("to"))
            .join(ClientRow, ClientRow.id == ReferralRow.client_id)
            .join(to, to.id == ReferralRow.to_staff_id)
            .where(ReferralRow.from_staff_id == staff_id, self._wode(window))
            .order_by(ReferralRow.closed_at.desc())
            .limit(DRILL_LIMIT)
        )
        return [ScoreRecord(_local_date(r.closed_at, window), r.name, r.to, "") for r in self.session.execute(query)]

    def _mystery_records(self, staff_id: int, window: ScoreWindow) -> list[ScoreRecord]:
        query = (
            select(MysteryCheckRow.checked_on, StaffRow.name, MysteryCheckRow.note, MysteryCheckRow.score)
            .join(StaffRow, StaffRow.id == MysteryCheckRow.checked_by)
            .where(
                MysteryCheckRow.staff_id == staff_id,
                MysteryCheckRow.year == window.year,
                MysteryCheckRow.quarter == window.quarter,
            )
            .order_by(MysteryCheckRow.checked_on.desc(), MysteryCheckRow.id.desc())
        )
        return [ScoreRecord(r.checked_on, r.name, r.note, str(r.score)) for r in self.session.execute(query)]

    def _qualification_records(self, staff_id: int, window: ScoreWindow) -> list[ScoreRecord]:
        query = (
            select(QualificationRow)
            .where(QualificationRow.staff_id == staff_id, self._valid(window))
            .order_by(QualificationRow.obtained_on.desc())
        )
        return [
            ScoreRecord(q.obtained_on, q.number, f"qualification:{q.kind}", str(q.expires_on or ""))
            for q in self.session.scalars(query)
        ]

    def _training_records(self, staff_id: int, window: ScoreWindow) -> list[ScoreRecord]:
        query = (
            select(TrainingRow)
            .where(
                TrainingRow.staff_id == staff_id,
                TrainingRow.day >= window.first_day,
                TrainingRow.day <= window.last_day,
            )
            .order_by(TrainingRow.day.desc(), TrainingRow.id.desc())
        )
        return [
            ScoreRecord(r.day, "", r.topic, str((Decimal(r.minutes) / 60).quantize(Decimal("0.1"))))
            for r in self.session.scalars(query)
        ]

    def _asset_records(self, staff_id: int, measure: Measure, window: ScoreWindow) -> list[ScoreRecord]:
        if window.assets_before is None:
            return []
        per_client = self._per_client_assets(window, [staff_id]).subquery()
        query = (
            select(ClientRow.name, per_client.c.before, per_client.c.after)
            .join(ClientRow, ClientRow.id == per_client.c.client_id)
            .order_by(per_client.c.after.desc(), ClientRow.id)
            .limit(DRILL_LIMIT)
        )
        if measure is Measure.NEW_JIAOYIN:
            query = query.where(self._crossed(per_client, window))
        return [
            ScoreRecord(None, r.name, str(from_fen(int(r.before))), str(from_fen(int(r.after))))
            for r in self.session.execute(query)
        ]

    # --- the kept averages --------------------------------------------------------------------------------------

    def assets_tallied(self, window: ScoreWindow) -> bool:
        """Whether the quarter's asset growth is tallied (or has nothing to tally: no data yet)."""
        return score_tallies.quarter_assets(self.session, window, []) is not None

    def averages_kept(self, day: dt.date) -> bool:
        return (
            self.session.scalar(select(KeptAverageRow.client_id).where(KeptAverageRow.as_of == day).limit(1))
            is not None
        )


def average_query(day: dt.date, first: dt.date) -> Any:
    """Every client's daily average (fen) over ``first`` … ``day`` from the balance spans (days with no span count
    as zero, a client with none averages zero), as one aggregate query: for keeping at a quarter's end."""
    span = BalanceSpanRow
    low = case((span.first_day < first, literal(first)), else_=span.first_day)
    high = case((span.last_day > day, literal(day)), else_=span.last_day)
    days = (day - first).days + 1
    fen_days = func.sum(type_coerce(span.balance, BigInteger) * (date_day(high) - date_day(low) + 1))
    sums = (
        select(span.client_id, fen_days.label("fen_days"))
        .where(span.first_day <= day, span.last_day >= first)
        .group_by(span.client_id)
        .subquery()
    )
    average = int_div(func.coalesce(sums.c.fen_days, 0), days)  # to the fen, rounded down (rules.tiers.daily_average)
    return select(literal(day).label("as_of"), ClientRow.id, average.label("avg")).outerjoin(
        sums, sums.c.client_id == ClientRow.id
    )
