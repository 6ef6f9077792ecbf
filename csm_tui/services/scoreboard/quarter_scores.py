"""The quarter's scores: from the aggregate figures to each CSM's card, ranks and grades, with who may see what.

Quarters are the branch's calendar quarters in its time zone. Until a supervisor closes a quarter its scores are
worked out afresh from the data on every look (like the OCRM monthly report); a closed quarter's cards are the
snapshot stored when it was closed. A CSM sees their own figures and their own ranks only; a supervisor sees their
team; the admin sees every CSM. Ranks and grades are always across the whole branch (and within the outlet).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import arrow

from csm_tui.domain.appraisal import GradeDecision
from csm_tui.domain.enums import AppraisalGrade, ProductCategory, Role
from csm_tui.policy import Dimension, Measure, Policy
from csm_tui.rules.distribution import annual_score, forced_grades, ranks
from csm_tui.rules.scorecard import Card, score_card
from csm_tui.rules.tiers import average_window
from csm_tui.services.leave import working_days_away
from csm_tui.services.ports import AccessDenied, StorageFailure, UnitOfWork
from csm_tui.services.rows import CsmRow, QuarterRaw, ScoreRecord, ScoreWindow
from csm_tui.services.workstation import Workstation

log = logging.getLogger(__name__)
TREND_QUARTERS = 4


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next.first_day - dt.timedelta(days=1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def _percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def measures(raw: QuarterRaw, working_days: int, policy: Policy) -> dict[Measure, Decimal | None]:
    """A CSM's quarter as the indicators measure it. ``None``: nothing to measure (no 回访 due or rated, no
    mystery-shopper check, no balances for the period)."""
    growth = None
    if raw.assets_before is not None and raw.assets_after is not None:
        growth = _percent(raw.assets_after - raw.assets_before, raw.assets_before)
    zero = Decimal(0)
    return {
        Measure.WEALTH_SALES: raw.sales.get(ProductCategory.WEALTH, zero),
        Measure.INSURANCE_PREMIUM: raw.sales.get(ProductCategory.INSURANCE, zero),
        Measure.FUND_SALES: raw.sales.get(ProductCategory.FUND, zero),
        Measure.REGULAR_PLANS: Decimal(raw.regular_plans),
        Measure.AUM_GROWTH: growth,
        Measure.NEW_JIAOYIN: None if raw.assets_before is None else Decimal(raw.new_jiaoyin),
        Measure.WODE_REFERRALS: Decimal(raw.wode_accepted),
        Measure.CALLBACKS_ON_TIME: _percent(raw.callbacks_on_time, raw.callbacks_due),
        Measure.SATISFACTION: _ratio(raw.satisfaction_sum, raw.satisfaction_count),
        Measure.CALLS_VS_TARGET: _percent(raw.calls, working_days * policy.calls.daily_target),
        Measure.CONTACTS_LOGGED: Decimal(raw.contacts),
        Measure.COMPLIANCE_BREACHES: Decimal(raw.breaches),
        Measure.MYSTERY_SHOPPER: _ratio(raw.mystery_sum, raw.mystery_count),
        Measure.QUALIFICATIONS: Decimal(raw.qualifications),
        Measure.TRAINING_HOURS: (Decimal(raw.training_minutes) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP),
        Measure.EVENTS_HELD: Decimal(raw.events_held),
    }


def asset_days(quarter: Quarter, last_day: dt.date, as_of: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """Which 3-month averages measure the quarter's asset growth: those kept on the eve of the quarter, and those
    kept at its end, or (while the bank's data has not passed the end) the clients' current ones (``None``).
    ``(None, None)`` when the data does not reach into the quarter yet."""
    reached = last_day if as_of is None else min(last_day, as_of)
    if reached < quarter.first_day:
        return None, None
    eve = quarter.first_day - dt.timedelta(days=1)
    return eve, (quarter.last_day if as_of is not None and as_of > quarter.last_day else None)


def score_window(ws: Workstation, quarter: Quarter, as_of: dt.date | None) -> ScoreWindow:
    """The bounds of ``quarter`` in the branch's time zone; ``as_of``: the date the bank's balances reach (T+2)."""
    today = ws.time.today()
    start, _ = ws.time.day_bounds(quarter.first_day)
    end, _ = ws.time.day_bounds(quarter.next.first_day)
    last_day = min(quarter.last_day, today)
    before, after = asset_days(quarter, last_day, as_of)
    offset = arrow.get(quarter.first_day, tzinfo=ws.time.tz).utcoffset() or dt.timedelta(0)  # at its start
    return ScoreWindow(
        year=quarter.year, quarter=quarter.number, start=start, end=end, now=ws.time.now().datetime,
        first_day=quarter.first_day, last_day=last_day,
        assets_before=before, assets_after=after,
        jiaoyin=ws.policy.tiers.jiaoyin, callback_days=ws.policy.calls.service_callback_days,
        recording_exempt=ws.policy.suitability.dual_recording_exempt, utc_offset_s=int(offset.total_seconds()),
    )  # fmt: skip


def keep_averages(ws: Workstation, quarters: Iterable[Quarter]) -> None:
    """Keep the clients' 3-month averages that the quarters' asset growth reads, where the bank's data has reached
    their day: worked out once from the balance spans (one aggregate query per day), never again; and each CSM's
    sums of them in the scoreboard's running tallies, kept current from then on with the clients."""
    today = ws.time.today()
    quarters = list(quarters)
    with ws.uow() as tx:
        as_of = tx.views.data_as_of()
        wanted = {day for q in quarters for day in asset_days(q, min(q.last_day, today), as_of) if day is not None}
        missing = sorted(day for day in wanted if not tx.score_views.averages_kept(day))
        windows = [score_window(ws, q, as_of) for q in quarters if q.first_day <= today]
        untallied = [w for w in windows if not tx.score_views.assets_tallied(w)]
    if not missing and not untallied:
        return
    try:
        with ws.uow(write=True) as tx:
            kept = {day.isoformat(): tx.scores.keep_averages(day, average_window(day)[0]) for day in missing}
            if kept:
                tx.audit.record("scores.keep_averages", "kept_averages", "", clients=kept)
            for window in untallied:
                tx.scores.tally_assets(window)
            tx.commit()
    except StorageFailure as exc:
        if "IntegrityError" not in str(exc):
            raise
        log.info("another session kept the averages first")  # the same figures: nothing is lost


def working_days(ws: Workstation, window: ScoreWindow) -> int:
    """The quarter's working days so far (public holidays and 调休 counted): the call target's days."""
    return ws.policy.calendar.working_days_between(window.first_day, window.last_day)


# --- the branch's quarter -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchQuarter:
    """Every CSM's card of a quarter (those on staff in it), and whether the quarter is closed."""

    quarter: Quarter
    cards: dict[int, Card]
    closed: bool
    window: ScoreWindow

    def ranks(self, csms: list[CsmRow], outlet_id: int | None = None) -> dict[int, int]:
        ids = {c.id for c in csms if outlet_id is None or c.outlet_id == outlet_id}
        return ranks({i: card.ranking_key for i, card in self.cards.items() if i in ids})


def branch_quarter(ws: Workstation, tx: UnitOfWork, csms: list[CsmRow], quarter: Quarter) -> BranchQuarter:
    """The quarter's cards: the snapshot of a closed quarter, else computed now from the data."""
    window = score_window(ws, quarter, tx.views.data_as_of())
    if tx.scores.closed(quarter.year, quarter.number) is not None:
        cards = {s.staff_id: Card.from_json(s.staff_id, s.lines) for s in tx.scores.snapshots(*_key(quarter))}
        return BranchQuarter(quarter, cards, True, window)
    if quarter.first_day > ws.time.today():
        return BranchQuarter(quarter, {}, False, window)
    # Every CSM on staff in the quarter is scored, on what they earned: a quarter with no work scores its zeros by
    # each indicator's method (a penalty indicator keeps its points), never left out of the year's mean.
    on_staff = [c.id for c in csms if c.on_staff(quarter.first_day, window.last_day)]
    raws = tx.score_views.quarter_raw(window, on_staff)
    days = working_days(ws, window)
    away = working_days_away(ws, tx, on_staff, window.first_day, window.last_day)  # no call target on leave
    grades = {c.id: c.grade for c in csms}
    cards = {
        staff_id: score_card(
            staff_id, grades[staff_id], measures(raw, days - away.get(staff_id, 0), ws.policy), ws.policy.scorecard
        )
        for staff_id, raw in raws.items()
    }
    return BranchQuarter(quarter, cards, False, window)


def _key(quarter: Quarter) -> tuple[int, int]:
    return quarter.year, quarter.number


def _quarters_of_year(quarter: Quarter) -> Iterator[Quarter]:
    for number in range(1, quarter.number + 1):
        yield Quarter(quarter.year, number)


# --- who sees what ------------------------------------------------------------------------------------------------


def _require_visible(tx: UnitOfWork, csms: list[CsmRow], staff_id: int) -> CsmRow:
    """The CSM, if the acting staff member may see their figures (decided in storage's access module)."""
    csm = next((c for c in csms if c.id == staff_id), None)
    if csm is None:
        raise LookupError(staff_id)
    if not tx.score_views.visible(csm):
        raise AccessDenied("scores")
    return csm


# --- a CSM's view -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """A CSM's place: ranks in the branch and the outlet (``None``: not scored), and of how many."""

    branch_rank: int | None
    branch_size: int
    outlet_rank: int | None
    outlet_size: int


@dataclass(frozen=True)
class CsmView:
    csm: CsmRow
    quarter: Quarter
    card: Card | None  # None: not on staff in the quarter, or the quarter not begun
    closed: bool
    standing: Standing
    trend: list[tuple[Quarter, Decimal | None]]  # the last quarters' totals, oldest first
    annual: Decimal | None  # the mean of the year's quarters scored so far
    annual_grade: AppraisalGrade | None  # the grade that would give today
    as_of: dt.date | None


class _Quarters:
    """Branch quarters computed at most once per look."""

    def __init__(self, ws: Workstation, tx: UnitOfWork, csms: list[CsmRow]) -> None:
        self.ws, self.tx, self.csms = ws, tx, csms
        self.done: dict[Quarter, BranchQuarter] = {}

    def __getitem__(self, quarter: Quarter) -> BranchQuarter:
        if quarter not in self.done:
            self.done[quarter] = branch_quarter(self.ws, self.tx, self.csms, quarter)
        return self.done[quarter]


def _standing(quarter: BranchQuarter, csms: list[CsmRow], csm: CsmRow) -> Standing:
    branch = quarter.ranks(csms)
    outlet = quarter.ranks(csms, csm.outlet_id)
    return Standing(branch.get(csm.id), len(branch), outlet.get(csm.id), len(outlet))


def csm_view(ws: Workstation, quarter: Quarter | None = None, staff_id: int | None = None) -> CsmView:
    """A CSM's scoreboard: own card, ranks, trend, annual score and the grade it would give today. Another CSM's
    view only for their supervisor or the admin."""
    quarter = quarter or Quarter.of(ws.time.today())
    staff_id = staff_id if staff_id is not None else ws.staff.id
    trend_quarters = [quarter]
    while len(trend_quarters) < TREND_QUARTERS:
        trend_quarters.insert(0, trend_quarters[0].previous)
    keep_averages(ws, [*trend_quarters, *_quarters_of_year(quarter)])
    with ws.uow() as tx:
        csms = tx.score_views.csms()
        csm = _require_visible(tx, csms, staff_id)
        quarters = _Quarters(ws, tx, csms)
        shown = quarters[quarter]
        trend = []
        for q in trend_quarters:
            card = quarters[q].cards.get(staff_id)
            trend.append((q, None if card is None else card.total))
        year = annual_table(quarters, csms, quarter, tx.scores.grade_decisions(quarter.year))
        as_of = tx.views.data_as_of()
    mine = year.get(staff_id)
    return CsmView(
        csm=csm, quarter=quarter, card=shown.cards.get(staff_id), closed=shown.closed,
        standing=_standing(shown, csms, csm), trend=trend, annual=mine.total if mine else None,
        annual_grade=mine.grade if mine else None, as_of=as_of,
    )  # fmt: skip


# --- the team table -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    csm: CsmRow
    total: Decimal | None
    subtotals: dict[Dimension, Decimal]
    branch_rank: int | None
    outlet_rank: int | None
    grade: AppraisalGrade | None
    quarters: int = 1  # quarters scored (the year's table)
    reason: str = ""  # why D, where decided


@dataclass(frozen=True)
class TeamTable:
    quarter: Quarter
    year: bool  # the year to ``quarter``, or the quarter alone
    rows: list[TeamRow]
    closed: bool
    branch_size: int  # CSMs scored in the branch


def _ranked_rows(
    csms: list[CsmRow],
    totals: dict[int, tuple[Decimal, dict[Dimension, Decimal], int]],
    policy: Policy,
    decisions: dict[int, str],
) -> dict[int, TeamRow]:
    keys = {i: (total, *(subs[d] for d in Dimension)) for i, (total, subs, _) in totals.items()}
    branch = ranks(keys)
    grades = forced_grades(keys, policy.scorecard.grade_a_share, policy.scorecard.grade_c_share, set(decisions))
    by_outlet: dict[int | None, dict[int, tuple[Decimal, ...]]] = {}
    for csm in csms:
        if csm.id in keys:
            by_outlet.setdefault(csm.outlet_id, {})[csm.id] = keys[csm.id]
    outlet_ranks = {i: r for group in by_outlet.values() for i, r in ranks(group).items()}
    rows = {}
    for csm in csms:
        if csm.id not in totals:
            rows[csm.id] = TeamRow(csm, None, {}, None, None, None, 0, decisions.get(csm.id, ""))
            continue
        total, subs, count = totals[csm.id]
        rows[csm.id] = TeamRow(
            csm, total, subs, branch[csm.id], outlet_ranks[csm.id], grades[csm.id], count, decisions.get(csm.id, "")
        )
    return rows


def annual_table(
    quarters: _Quarters, csms: list[CsmRow], upto: Quarter, decisions: dict[int, GradeDecision]
) -> dict[int, TeamRow]:
    """The year to ``upto``: each CSM's mean of the quarters scored (every quarter begun while on staff), ranked and
    graded across the branch."""
    cards: dict[int, list[Card]] = {}
    for quarter in _quarters_of_year(upto):
        for staff_id, card in quarters[quarter].cards.items():
            cards.setdefault(staff_id, []).append(card)
    totals = {}
    for staff_id, mine in cards.items():
        total = annual_score([c.total for c in mine])
        assert total is not None
        subs = {d: annual_score([c.subtotal(d) for c in mine]) or Decimal(0) for d in Dimension}
        totals[staff_id] = (total, subs, len(mine))
    reasons = {i: d.reason for i, d in decisions.items()}
    return _ranked_rows(csms, totals, quarters.ws.policy, reasons)


def team_table(ws: Workstation, quarter: Quarter | None = None, *, year: bool = False) -> TeamTable:
    """The supervisor's table: their team (the admin: every CSM) for a quarter or the year to it, ranked across
    the branch with the forced distribution applied."""
    if ws.staff.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise AccessDenied("team_scores")
    quarter = quarter or Quarter.of(ws.time.today())
    keep_averages(ws, _quarters_of_year(quarter) if year else [quarter])
    with ws.uow() as tx:
        actor = tx.actor  # the role as the database holds it now: a supervisor demoted since sign-in sees no team
        if actor is None or actor.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise AccessDenied("team_scores")
        csms = tx.score_views.csms()
        quarters = _Quarters(ws, tx, csms)
        decisions = tx.scores.grade_decisions(quarter.year)
        shown = quarters[quarter]
        if year:
            rows = annual_table(quarters, csms, quarter, decisions)
        else:
            totals = {i: (card.total, {d: card.subtotal(d) for d in Dimension}, 1) for i, card in shown.cards.items()}
            rows = _ranked_rows(csms, totals, ws.policy, {})
        seen = {csm.id for csm in csms if tx.score_views.visible(csm)}
    first = Quarter(quarter.year, 1).first_day if year else quarter.first_day
    mine = [row for row in rows.values() if row.csm.id in seen and row.csm.on_staff(first, quarter.last_day)]
    mine.sort(key=lambda r: (r.branch_rank is None, r.branch_rank or 0, r.csm.login))
    branch_size = sum(1 for r in rows.values() if r.total is not None)
    return TeamTable(quarter, year, mine, shown.closed, branch_size)


# --- the drill-down -----------------------------------------------------------------------------------------------


def records(ws: Workstation, staff_id: int, measure: Measure, quarter: Quarter) -> list[ScoreRecord]:
    """The records behind one of a CSM's figures in a quarter (own figures; a supervisor's team; the admin)."""
    keep_averages(ws, [quarter])
    with ws.uow() as tx:
        _require_visible(tx, tx.score_views.csms(), staff_id)
        window = score_window(ws, quarter, tx.views.data_as_of())
        return tx.score_views.records(staff_id, measure, window)
