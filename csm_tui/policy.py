"""The branch policy: every number the bank's rules leave to the branch, with shipped defaults.

A TOML file named in the config overrides any part of it; the file is merged over the defaults and
validated as a whole, and a bad file is refused with the file, the key and the reason in the user's language.
Every number has a lower and an upper bound; the regulator's limits (``csm_tui.regulation``) can only be tightened.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from csm_tui import policy_defaults as defaults
from csm_tui.domain.enums import (
    AssetType,
    ChecklistMeasure,
    ChecklistPhase,
    Grade,
    MysteryItem,
    ProductCategory,
    RiskLevel,
    Role,
)
from csm_tui.domain.values import Money
from csm_tui.i18n import error_reason, refusal, t
from csm_tui.public_holidays import YEAR_AHEAD, first_working_day, national_year, working_days
from csm_tui.regulation import FORBIDDEN_PHRASES, RISK_NOTICE, regulated
from csm_tui.small_file import SmallFileError, read_small_toml

# The bounds of every number a policy file can set: beyond them a value can only be a mistake (and would break the
# app later, e.g. a date 100,000,000 days away). README's policy section lists them.
MAX_DAYS = 3650
MAX_MINUTES = 24 * 60
MAX_HOURS = 30 * 24
MAX_AMOUNT = Decimal(10) ** 10  # yuan
MAX_COUNT = 1000
MAX_POINTS = 100
MAX_QUESTIONS = 50


def _toml_number(value: object) -> object:
    """TOML has no decimal type: ``50000.0`` in a policy file means the decimal it is written as."""
    return Decimal(str(value)) if isinstance(value, float) else value


PolicyMoney = Annotated[Money, BeforeValidator(_toml_number), Field(ge=0, le=MAX_AMOUNT)]


def _refuse(kind: str, **params: object) -> NoReturn:
    """Refuse a value by an error type the catalogs translate (``policy.<kind>``), never by English text."""
    raise refusal(f"policy.{kind}", **params)


def _repeated(codes: list[str]) -> None:
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        _refuse("codes_unique", codes=", ".join(repeated))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy whose ``update`` is validated like a policy file: pydantic's own copy takes it unchecked, so a
        loosened value (``max_per_day=10``) or a misspelt key would reach the services."""
        copied = super().model_copy(update=update, deep=deep)
        return type(self).model_validate(dict(copied)) if update else copied

    @field_validator("*", mode="before")
    @classmethod
    def _no_yes_or_no(cls, value: object, info: ValidationInfo) -> object:
        """pydantic would take TOML's ``true`` as the number 1 (``max_per_day = true``): a boolean in a value, a list
        or a table of values is refused, except for the yes/no keys themselves (a section checks its own)."""
        annotation = cls.model_fields[info.field_name or ""].annotation
        if annotation is bool or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return value
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else (value,)
        if any(isinstance(item, bool) for item in items):
            _refuse("boolean")
        return value


class Tiers(_Section):
    """Client tiers by 3-month daily average assets (日均资产)."""

    jiaoyin: PolicyMoney = Decimal("50000.00")  # 交银理财
    wode: PolicyMoney = Decimal("500000.00")  # 沃德
    quick_wealth: PolicyMoney = Decimal("10000.00")  # 快捷理财: quarterly average for two free withdrawals
    near_share: Annotated[Decimal, Field(gt=0, lt=1)] = Decimal("0.8")  # "just under" a threshold

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.quick_wealth < self.jiaoyin < self.wode:
            _refuse("tiers_rise")
        return self


class Calls(_Section):
    """Call cadence (电话营销): intervals in days unless named otherwise."""

    daily_target: int = Field(default=defaults.DAILY_CALL_TARGET, ge=1, le=200)
    target_seconds: int = Field(default=120, ge=30, le=1800)
    interested_days: int = Field(default=3, ge=1, le=MAX_DAYS)
    polite_decline_sms_days: int = Field(default=7, ge=1, le=MAX_DAYS)
    polite_decline_call_days: int = Field(default=30, ge=1, le=MAX_DAYS)
    firm_decline_quiet_days: int = Field(default=90, ge=1, le=MAX_DAYS)
    no_answer_retries_same_day: int = Field(default=2, ge=0, le=5)
    no_answer_retry_minutes: int = Field(default=120, ge=5, le=MAX_MINUTES)
    service_callback_days: int = Field(default=7, ge=1, le=MAX_DAYS)  # 回访 within a week of a purchase
    maturity_lead_days: int = Field(default=defaults.MATURITY_LEAD_DAYS, ge=0, le=MAX_DAYS)
    assessment_lead_days: int = Field(default=30, ge=0, le=MAX_DAYS)  # expiring this soon, with holdings maturing
    snooze_minutes: int = Field(default=60, ge=5, le=MAX_MINUTES)
    appointment_confirm_days_before: int = Field(default=1, ge=0, le=MAX_DAYS)
    idle_deposit_min: PolicyMoney = Decimal("100000.00")  # precision marketing: idle demand deposits


class Risk(_Section):
    """Money at risk, from the bank's data (T+2): a tier the 3-month average will lose, a large outflow."""

    tier_days: int = Field(default=14, ge=1, le=MAX_DAYS)  # forecast the 3-month average this many days ahead
    outflow_share: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.3")  # of the balance on the previous date
    outflow_floor: PolicyMoney = Decimal("50000.00")  # and at least this much


QuestionCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,15}$")]
ANSWER_LETTERS = "ABCDEFGHIJ"


class Screening(_Section):
    """A yes/no screening question (A yes, B no): the answer ``lowest_on`` puts the client in the lowest category."""

    code: QuestionCode
    lowest_on: str = Field(pattern=r"^[AB]$")


def _default_questions() -> tuple[str, ...]:
    return tuple(f"q{n}" for n in range(1, 13))


class Questionnaire(_Section):
    """The risk questionnaire: scored questions whose answers A, B, … are worth ``points`` (most conservative first),
    and screening questions. The texts are in the catalogs: ``questionnaire.<code>.text`` and ``.<letter>``."""

    questions: tuple[QuestionCode, ...] = Field(
        default_factory=_default_questions, min_length=1, max_length=MAX_QUESTIONS
    )
    points: tuple[Annotated[int, Field(ge=0, le=MAX_POINTS)], ...] = Field(
        default=(2, 4, 6, 8, 10), min_length=2, max_length=len(ANSWER_LETTERS)
    )
    screening: Annotated[
        tuple[Screening, ...], Field(max_length=MAX_QUESTIONS), regulated("assessment.questionnaire.screening")
    ] = (Screening(code="s1", lowest_on="B"), Screening(code="s2", lowest_on="A"))

    @field_validator("points")
    @classmethod
    def _points_rise(cls, points: tuple[int, ...]) -> tuple[int, ...]:
        if list(points) != sorted(set(points)):
            _refuse("points_rise")
        return points

    @model_validator(mode="after")
    def _codes_unique(self) -> Self:
        _repeated([*self.questions, *(s.code for s in self.screening)])
        return self

    @property
    def letters(self) -> str:
        """The answer letters of a scored question, most conservative first."""
        return ANSWER_LETTERS[: len(self.points)]

    @property
    def min_score(self) -> int:
        return len(self.questions) * self.points[0]

    @property
    def max_score(self) -> int:
        return len(self.questions) * self.points[-1]

    def scores(self) -> frozenset[int]:
        """Every total a complete set of answers can reach."""
        reached = {0}
        for _ in self.questions:
            reached = {total + p for total in reached for p in self.points}
        return frozenset(reached)


class Assessment(_Section):
    """Risk assessment (NFRA Order 2025 No. 7: valid at most 12 months, at most 2 a day and 8 in 12 months)."""

    reuse_months: int = Field(default=6, ge=0, le=12)
    validity_months: Annotated[int, Field(ge=1), regulated("assessment.validity_months")] = 12
    max_per_day: Annotated[int, Field(ge=1), regulated("assessment.max_per_day")] = 2
    max_per_year: Annotated[int, Field(ge=1), regulated("assessment.max_per_year")] = 8
    # The questionnaire comes before the bands, which are checked against its scores.
    questionnaire: Questionnaire = Questionnaire()
    # Upper score bound of C1..C4; C5 is anything above the last.
    bands: tuple[int, int, int, int] = Field(default=(50, 65, 80, 95), validate_default=True)
    elderly_age: Annotated[int, Field(ge=50), regulated("assessment.elderly_age")] = 65

    @field_validator("bands")
    @classmethod
    def _bands_fit_the_questionnaire(
        cls, bands: tuple[int, int, int, int], info: ValidationInfo
    ) -> tuple[int, int, int, int]:
        """The bands rise strictly, and every level C1..C5 is the level of some score the questionnaire can give:
        bands outside its range would put every client in one level."""
        if list(bands) != sorted(set(bands)):
            _refuse("bands_rise")
        questionnaire = info.data.get("questionnaire")
        if questionnaire is None:  # refused itself; its error is the one reported
            return bands
        reached = {_level_for(bands, score) for score in questionnaire.scores()}
        missing = [level.name for level in RiskLevel if level not in reached]
        if missing:
            low, high = questionnaire.min_score, questionnaire.max_score
            _refuse("bands_unreachable", levels=", ".join(missing), low=low, high=high)
        return bands

    @model_validator(mode="after")
    def _reuse_within_validity(self) -> Self:
        if self.reuse_months > self.validity_months:
            _refuse("reuse_within_validity")
        return self

    def level_for(self, score: int) -> RiskLevel:
        return _level_for(self.bands, score)


def _level_for(bands: tuple[int, ...], score: int) -> RiskLevel:
    for level, upper in zip(RiskLevel, bands, strict=False):
        if score <= upper:
            return level
    return RiskLevel.C5


class Suitability(_Section):
    insisted_sale_categories: Annotated[
        tuple[ProductCategory, ...], regulated("suitability.insisted_sale_categories")
    ] = (ProductCategory.FUND,)
    max_share_of_assets: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.8")  # out-of-proportion purchases
    cooling_off_hours: Annotated[int, Field(le=MAX_HOURS), regulated("suitability.cooling_off_hours")] = 24
    dual_recording_exempt: Annotated[tuple[ProductCategory, ...], regulated("suitability.dual_recording_exempt")] = (
        ProductCategory.BOND,
        ProductCategory.METAL,
    )
    # The least a qualified investor buys of a private placement a purchase, by its asset type (资管新规; a product
    # with none recorded: the largest of the four).
    private_min_fixed_income: Annotated[PolicyMoney, regulated("suitability.private_min_fixed_income")] = Decimal(
        "300000.00"
    )
    private_min_mixed: Annotated[PolicyMoney, regulated("suitability.private_min_mixed")] = Decimal("400000.00")
    private_min_equity: Annotated[PolicyMoney, regulated("suitability.private_min_equity")] = Decimal("1000000.00")
    private_min_commodity: Annotated[PolicyMoney, regulated("suitability.private_min_commodity")] = Decimal(
        "1000000.00"
    )
    # Clients of this age or more may not buy R4–R5 at all (some banks: 80); None: no such limit.
    elderly_high_risk_refused_age: int | None = Field(default=None, ge=18, le=150)
    # The 双录 reference as the recording system issues it (the whole reference must match).
    recording_ref_pattern: str = Field(default=r"[A-Za-z0-9-]{6,40}", max_length=200)

    def private_min(self, asset_type: AssetType) -> Decimal:
        """The policy's least purchase of a private placement of ``asset_type``."""
        minimum: Decimal = getattr(self, f"private_min_{asset_type.value}")
        return minimum

    @field_validator("recording_ref_pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str) -> str:
        try:
            compiled = re.compile(pattern)
        except re.error:
            _refuse("pattern_invalid")
        if compiled.fullmatch(""):
            _refuse("pattern_empty")
        return pattern


class Dimension(StrEnum):
    """The four dimensions of the balanced scorecard, in the order the scoreboard shows them."""

    FINANCIAL = "financial"
    CUSTOMER = "customer"
    PROCESS = "process"
    LEARNING = "learning"


class ScoringMethod(StrEnum):
    LINEAR = "linear"  # actual / target of the weight, at most cap × weight
    THRESHOLD = "threshold"  # the full weight at or above target, else nothing
    PENALTY = "penalty"  # the full weight less ``deduction`` points for each occurrence above target


class Measure(StrEnum):
    """What an indicator counts in the quarter; ``storage.score_views`` answers each with an aggregate query."""

    WEALTH_SALES = "sales_amount:wealth"  # yuan of the bank's wealth products sold (cancellations excluded)
    INSURANCE_PREMIUM = "sales_amount:insurance"  # yuan of insurance premium
    FUND_SALES = "sales_amount:fund"  # yuan of funds sold
    REGULAR_PLANS = "new_regular_plans"  # fund sales set up as a regular-investment plan (基金定投)
    AUM_GROWTH = "aum_growth_pct"  # growth of managed clients' 3-month average assets over the quarter, percent
    NEW_JIAOYIN = "new_jiaoyin_clients"  # managed clients whose 3-month average rose to the 交银理财 threshold
    WODE_REFERRALS = "wode_referrals_accepted"  # 沃德 referrals made and accepted
    CALLBACKS_ON_TIME = "service_callbacks_on_time_pct"  # 回访 done within the window, percent of those due
    SATISFACTION = "satisfaction_avg"  # mean satisfaction (1–5) recorded in 回访
    CALLS_VS_TARGET = "calls_vs_target_pct"  # phone calls against the daily target × working days, percent
    CONTACTS_LOGGED = "contacts_logged"  # contacts of every channel recorded
    COMPLIANCE_BREACHES = "compliance_breaches"  # sales without a valid assessment, without 双录, or overriding a block
    MYSTERY_SHOPPER = "mystery_shopper_score"  # the quarter's mystery-shopper check, 0–100
    QUALIFICATIONS = "valid_qualifications"  # qualifications valid at the quarter's end (or today)
    TRAINING_HOURS = "training_hours"  # hours of training recorded in the quarter
    EVENTS_HELD = "events_held"  # marketing events the CSM planned, held in the quarter (none by default: the policy)


class Indicator(_Section):
    """One KPI. In the policy file: ``[scorecard.indicators.<code>]``; targets per grade of CSM, per quarter."""

    dimension: Dimension
    weight: Decimal = Field(gt=0, le=100)
    measure: Measure
    method: ScoringMethod = ScoringMethod.LINEAR
    cap: Decimal = Field(default=Decimal("1.2"), ge=1, le=3)  # linear: at most cap × weight
    deduction: Decimal = Field(default=Decimal("0"), ge=0, le=MAX_POINTS)  # penalty: points per occurrence
    targets: dict[Grade, Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        missing = sorted(g.value for g in Grade if g not in self.targets)
        if missing:
            _refuse("targets_missing", grades=", ".join(missing))
        if self.method is ScoringMethod.PENALTY and self.deduction <= 0:
            _refuse("penalty_deduction")
        return self


def _indicator(dim: Dimension, weight: int, measure: Measure, targets: tuple[Any, Any, Any], **kw: Any) -> Indicator:
    senior, csm, assistant = targets
    return Indicator(
        dimension=dim,
        weight=Decimal(weight),
        measure=measure,
        targets={Grade.SENIOR: Decimal(senior), Grade.CSM: Decimal(csm), Grade.ASSISTANT: Decimal(assistant)},
        **kw,
    )


_F, _C, _P, _L, _M = Dimension.FINANCIAL, Dimension.CUSTOMER, Dimension.PROCESS, Dimension.LEARNING, Measure
DEFAULT_INDICATORS: dict[str, Indicator] = {
    "wealth_sales": _indicator(_F, 15, _M.WEALTH_SALES, (30_000_000, 20_000_000, 10_000_000)),
    "insurance_premium": _indicator(_F, 10, _M.INSURANCE_PREMIUM, (600_000, 400_000, 200_000)),
    "fund_sales": _indicator(_F, 10, _M.FUND_SALES, (5_000_000, 3_000_000, 1_500_000)),
    "regular_plans": _indicator(_F, 5, _M.REGULAR_PLANS, (30, 20, 10)),
    "aum_growth": _indicator(_F, 10, _M.AUM_GROWTH, (5, 4, 3)),
    "new_jiaoyin": _indicator(_C, 10, _M.NEW_JIAOYIN, (30, 20, 10)),
    "wode_referrals": _indicator(_C, 5, _M.WODE_REFERRALS, (4, 3, 2)),
    "service_callbacks": _indicator(_C, 5, _M.CALLBACKS_ON_TIME, (95, 95, 95), method=ScoringMethod.THRESHOLD),
    "satisfaction": _indicator(_C, 5, _M.SATISFACTION, ("4.5", "4.5", "4.5")),
    "calls": _indicator(_P, 5, _M.CALLS_VS_TARGET, (100, 100, 100)),
    "contacts_logged": _indicator(_P, 5, _M.CONTACTS_LOGGED, (600, 500, 400)),
    "compliance": _indicator(
        _P, 5, _M.COMPLIANCE_BREACHES, (0, 0, 0), method=ScoringMethod.PENALTY, deduction=Decimal(5)
    ),
    "mystery_shopper": _indicator(_P, 5, _M.MYSTERY_SHOPPER, (90, 85, 80)),
    "qualifications": _indicator(_L, 3, _M.QUALIFICATIONS, (3, 2, 1), method=ScoringMethod.THRESHOLD),
    "training_hours": _indicator(_L, 2, _M.TRAINING_HOURS, (16, 16, 16)),
}

# The mystery-shopper (神秘客) checklist and the points each item is worth (out of 100 by default).
DEFAULT_MYSTERY_POINTS: dict[MysteryItem, int] = {
    MysteryItem.GREETING: 10,
    MysteryItem.NEEDS: 15,
    MysteryItem.ASSESSMENT_VALIDITY: 15,
    MysteryItem.RISK_LEVEL: 15,
    MysteryItem.RISK_STATEMENT: 15,
    MysteryItem.NO_PROMISE: 10,
    MysteryItem.DUAL_RECORDING: 10,
    MysteryItem.CLOSE: 10,
}


class Scorecard(_Section):
    """The quarterly balanced scorecard and the annual forced distribution of grades.

    A grade share is a ceiling, rounded down: with 7 CSMs and 15 %, one A. CSMs tied on every figure of the
    ranking that a grade's cut would separate all take the middle grade (B), so no share is exceeded.
    """

    indicators: dict[str, Indicator] = Field(default_factory=lambda: dict(DEFAULT_INDICATORS), min_length=1)
    grade_a_share: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.15")
    grade_c_share: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.05")
    mystery_points: dict[MysteryItem, Annotated[int, Field(gt=0, le=MAX_POINTS)]] = Field(
        default_factory=lambda: dict(DEFAULT_MYSTERY_POINTS), min_length=1
    )

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if self.grade_a_share + self.grade_c_share > 1:
            _refuse("grade_shares")
        return self


def _time_of_day(value: dt.time) -> dt.time:
    """A time on the branch's clock (``09:00:00``), never one with a zone (which a bare number would give)."""
    if value.tzinfo is not None:
        _refuse("time_of_day")
    return value


TimeOfDay = Annotated[dt.time, AfterValidator(_time_of_day)]


class Calendar(_Section):
    """The branch's working days: China's public holidays and make-up working days (调休) from the ``chinesecalendar``
    package, the branch's working weekdays, and the branch's own days on top.

    ``holidays`` are the branch's own closures (an outlet's local closure), ``extra_working_days`` days it works
    whatever the national calendar says; both win over the package, and a day may not be in both. A year the
    installed package does not cover counts the working weekdays plus the branch's own days, and the admin is
    warned from 1 December of the year before (``uncovered_years``). ``public_holidays = false`` leaves the package
    out (a calendar of weekdays and the branch's days only).
    """

    tz: str = defaults.TIME_ZONE
    working_weekdays: tuple[Annotated[int, Field(ge=0, le=6)], ...] = Field(
        default=defaults.WORKING_WEEKDAYS, min_length=1, max_length=7
    )  # Monday = 0
    public_holidays: bool = True  # China's holidays and 调休 from chinesecalendar
    holidays: tuple[dt.date, ...] = ()  # the branch's own closures
    extra_working_days: tuple[dt.date, ...] = ()  # days the branch works, whatever the national calendar says
    work_start: dt.time = dt.time(9, 0)  # the hours in which clients are phoned
    work_end: dt.time = dt.time(17, 30)
    opens: TimeOfDay = dt.time(9, 0)  # the outlet's opening hours: meetings and marketing events are held within them
    closes: TimeOfDay = dt.time(17, 0)
    meeting_minutes: Annotated[int, Field(ge=5, le=240)] = 30  # how long a meeting is booked for

    @model_validator(mode="after")
    def _opening_hours(self) -> Self:
        """The outlet opens before it closes, on the same day, long enough for one meeting."""
        opened = (self.closes.hour * 60 + self.closes.minute) - (self.opens.hour * 60 + self.opens.minute)
        if opened < self.meeting_minutes:
            _refuse("opening_hours", opens=self.opens.strftime("%H:%M"), closes=self.closes.strftime("%H:%M"))
        return self

    @field_validator("tz")
    @classmethod
    def _tz_known(cls, tz: str) -> str:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            _refuse("unknown_tz", tz=tz)
        return tz

    @field_validator("extra_working_days")
    @classmethod
    def _not_off_and_on(cls, days: tuple[dt.date, ...], info: ValidationInfo) -> tuple[dt.date, ...]:
        both = sorted(set(days) & set(info.data.get("holidays", ())))
        if both:
            raise refusal("value.day_off_and_on", day=", ".join(day.isoformat() for day in both))
        return days

    @model_validator(mode="after")
    def _a_working_day_every_year(self) -> Self:
        """Holidays never close a whole year: the next working day is looked for at most a year ahead."""
        working, extra, holidays = set(self.working_weekdays), set(self.extra_working_days), set(self.holidays)

        def closed(day: dt.date) -> bool:
            return day not in extra and (day.weekday() not in working or day in holidays)

        one = dt.timedelta(days=1)
        # Only holidays on working weekdays close days that would be open; a run of closed days is a chain of them
        # with closed days between, and the weekend days (at most six) on either side.
        chains: list[list[dt.date]] = []
        for day in sorted(d for d in holidays if d.weekday() in working and d not in extra):
            gap = (day - chains[-1][-1]).days if chains else 0
            if chains and all(closed(chains[-1][-1] + n * one) for n in range(1, gap)):
                chains[-1].append(day)
            else:
                chains.append([day])
        for chain in chains:
            first, last = chain[0], chain[-1]
            while first > dt.date.min and closed(first - one):
                first -= one
            while last < dt.date.max and closed(last + one):
                last += one
            if (last - first).days + 1 >= YEAR_AHEAD:
                _refuse("no_working_day", first=first, last=last)
        return self

    def is_working_day(self, day: dt.date) -> bool:
        return day in working_days(
            day.year, self.public_holidays, self.working_weekdays, self.holidays, self.extra_working_days
        )

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the next one."""
        return first_working_day(day, self.is_working_day)

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """How many working days from ``first`` to ``last``, both included (0 when ``last`` is before ``first``)."""
        return sum(
            1
            for year in range(first.year, last.year + 1)
            for day in working_days(
                year, self.public_holidays, self.working_weekdays, self.holidays, self.extra_working_days
            )
            if first <= day <= last
        )

    def uncovered_years(self, today: dt.date) -> list[int]:
        """The years the admin must be warned of: this year, and from 1 December next year too, when the installed
        ``chinesecalendar`` does not carry their holidays yet (update the package)."""
        if not self.public_holidays:
            return []
        years = [today.year, today.year + 1] if today.month == 12 else [today.year]
        return [year for year in years if national_year(year) is None]


class OfferCondition(StrEnum):
    """When a cross-selling rule fires; each reads the parameters named in ``CONDITION_PARAMETERS``."""

    NEW_DEBIT_CARD = "new_debit_card"  # a debit card opened at most within_days ago
    PAYROLL_CARD = "payroll_card"  # holds a payroll card (代发工资卡)
    YOUNG = "young"  # aged at most max_age
    SMALL_SAVER = "small_saver"  # at least min_count fixed deposits of at most max_amount each
    LONG_DEPOSIT = "long_deposit"  # a fixed deposit with a term of at least min_term_days
    IDLE_BALANCE = "idle_balance"  # point balance less active holdings is at least min_amount
    MATURING = "maturing"  # an active holding matures within within_days


class OfferService(StrEnum):
    """What a rule may offer besides a product on the shelf."""

    AUTO_PAY = "auto_pay"  # 自动缴费
    ONLINE_BANKING = "online_banking"  # 网上银行 and 手机银行
    CREDIT_CARD = "credit_card"
    SWEEP_ACCOUNT = "sweep_account"  # 双利账户


CONDITION_PARAMETERS: dict[OfferCondition, frozenset[str]] = {
    OfferCondition.NEW_DEBIT_CARD: frozenset({"within_days"}),
    OfferCondition.PAYROLL_CARD: frozenset(),
    OfferCondition.YOUNG: frozenset({"max_age"}),
    OfferCondition.SMALL_SAVER: frozenset({"min_count", "max_amount"}),
    OfferCondition.LONG_DEPOSIT: frozenset({"min_term_days"}),
    OfferCondition.IDLE_BALANCE: frozenset({"min_amount"}),
    OfferCondition.MATURING: frozenset({"within_days"}),
}
_RULE_PARAMETERS = frozenset().union(*CONDITION_PARAMETERS.values())


class OfferRule(_Section):
    """A rule of thumb: when the client meets the condition, offer the best product of a category, or a service.

    A rule sets exactly the parameters its condition reads. In the policy file: ``[[cross_sell.rules]]``.
    """

    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    when: OfferCondition
    max_age: int | None = Field(default=None, ge=0, le=150)
    min_count: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    max_amount: PolicyMoney | None = None
    min_amount: PolicyMoney | None = None
    min_term_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    within_days: int | None = Field(default=None, ge=0, le=MAX_DAYS)
    offer_category: ProductCategory | None = None
    max_rating: int | None = Field(default=None, ge=1, le=5)  # R1..R5, below the client's own limit
    service: OfferService | None = None
    priority: int = Field(default=10, ge=1, le=MAX_COUNT)  # smaller first; ties keep the rules' order

    @field_validator("max_rating", mode="before")
    @classmethod
    def _rating_code(cls, value: object) -> object:
        """``"R1"`` in a policy file means 1."""
        if isinstance(value, str) and len(value) == 2 and value[0] in "Rr" and value[1] in "12345":
            return int(value[1])
        return value

    @model_validator(mode="after")
    def _parameters_match_condition(self) -> Self:
        needed = CONDITION_PARAMETERS[self.when]
        missing = sorted(p for p in needed if getattr(self, p) is None)
        unused = sorted(p for p in _RULE_PARAMETERS - needed if getattr(self, p) is not None)
        if missing:
            _refuse("rule_needs", when=self.when.value, keys=", ".join(missing))
        if unused:
            _refuse("rule_unused", when=self.when.value, keys=", ".join(unused))
        return self

    @model_validator(mode="after")
    def _one_offer(self) -> Self:
        if (self.offer_category is None) == (self.service is None):
            _refuse("rule_offers_one")
        if self.max_rating is not None and self.offer_category is None:
            _refuse("rule_max_rating")
        return self


_W, _S, _PC = OfferCondition, OfferService, ProductCategory
DEFAULT_OFFER_RULES: tuple[OfferRule, ...] = (
    OfferRule(code="new_card_auto_pay", when=_W.NEW_DEBIT_CARD, within_days=30, service=_S.AUTO_PAY, priority=4),
    OfferRule(code="payroll_online_banking", when=_W.PAYROLL_CARD, service=_S.ONLINE_BANKING, priority=4),
    OfferRule(code="payroll_credit_card", when=_W.PAYROLL_CARD, service=_S.CREDIT_CARD, priority=4),
    OfferRule(code="young_fund_plan", when=_W.YOUNG, max_age=35, offer_category=_PC.FUND, priority=3),
    OfferRule(
        code="small_saver_fund_plan",
        when=_W.SMALL_SAVER,
        min_count=3,
        max_amount=Decimal("50000.00"),
        offer_category=_PC.FUND,
        priority=3,
    ),
    OfferRule(
        code="long_deposit_insurance",
        when=_W.LONG_DEPOSIT,
        min_term_days=1095,
        offer_category=_PC.INSURANCE,
        priority=3,
    ),
    OfferRule(
        code="idle_money_market",
        when=_W.IDLE_BALANCE,
        min_amount=Decimal("100000.00"),
        offer_category=_PC.FUND,
        max_rating=1,
        priority=2,
    ),
    OfferRule(
        code="idle_sweep_account",
        when=_W.IDLE_BALANCE,
        min_amount=Decimal("100000.00"),
        service=_S.SWEEP_ACCOUNT,
        priority=2,
    ),
    OfferRule(code="maturing_reinvest", when=_W.MATURING, within_days=7, offer_category=_PC.WEALTH, priority=1),
)


class CrossSell(_Section):
    """Next best offer (交叉销售), the manual's rules of thumb. A ``[[cross_sell.rules]]`` list replaces them all."""

    rules: tuple[OfferRule, ...] = Field(default=DEFAULT_OFFER_RULES, max_length=MAX_COUNT)

    @field_validator("rules")
    @classmethod
    def _codes_unique(cls, rules: tuple[OfferRule, ...]) -> tuple[OfferRule, ...]:
        _repeated([r.code for r in rules])
        return rules


class ChecklistItem(_Section):
    """One line of the daily checklist. In the policy file: ``[[checklist.items]]``.

    With a ``measure`` the item ticks itself from the data; without one it is ticked by hand. Shipped items take
    their text from the catalogs; an item the branch adds names itself in both languages (``text``). ``roles``:
    whose list it is on (a CSM's by default): the call target and the client measures are a CSM's alone.
    """

    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    phase: ChecklistPhase
    measure: ChecklistMeasure | None = None
    roles: tuple[Role, ...] = Field(default=(Role.CSM,), min_length=1)
    text: dict[str, Annotated[str, Field(min_length=1, max_length=60)]] = Field(default_factory=dict)

    @field_validator("text")
    @classmethod
    def _both_languages(cls, text: dict[str, str]) -> dict[str, str]:
        if text and set(text) != {"zh_CN", "en"}:
            _refuse("text_languages")
        return text


DEFAULT_CHECKLIST: tuple[ChecklistItem, ...] = tuple(
    ChecklistItem(code=i.code, phase=i.phase, measure=i.measure, roles=i.roles) for i in defaults.DEFAULT_ITEMS
)
SHIPPED_CHECKLIST_CODES = frozenset(item.code for item in DEFAULT_CHECKLIST)


class Checklist(_Section):
    """The daily checklist's template. A ``[[checklist.items]]`` list replaces the shipped one whole."""

    items: tuple[ChecklistItem, ...] = Field(default=DEFAULT_CHECKLIST, min_length=1, max_length=MAX_COUNT)
    new_product_days: int = Field(
        default=defaults.NEW_PRODUCT_DAYS, ge=1, le=90
    )  # a product listed this recently is new on the shelf

    def for_role(self, role: Role) -> tuple[ChecklistItem, ...]:
        """The items on the list of someone of ``role``."""
        return tuple(i for i in self.items if role in i.roles)

    def counts_calls(self, role: Role) -> bool:
        """Someone of ``role`` is held to the daily call target: their list counts calls (a CSM's)."""
        return any(i.measure is ChecklistMeasure.CALLS for i in self.for_role(role))

    @field_validator("items")
    @classmethod
    def _well_formed(cls, items: tuple[ChecklistItem, ...]) -> tuple[ChecklistItem, ...]:
        _repeated([i.code for i in items])
        unnamed = [i.code for i in items if i.code not in SHIPPED_CHECKLIST_CODES and not i.text]
        if unnamed:
            _refuse("items_unnamed", codes=", ".join(unnamed))
        return items


class NewClients(StrEnum):
    """What an import does with a new client whose row names no manager."""

    UNASSIGNED = "unassigned"  # left for the supervisor to give out
    LEAST_LOADED = "least_loaded"  # given to the active CSM with the fewest clients


class AssignWithin(StrEnum):
    """Whose CSMs are candidates for a new client: those of the client's outlet, or the whole branch's."""

    OUTLET = "outlet"
    BRANCH = "branch"


class Assignment(_Section):
    """Clients to managers by rule (a file's manager column always wins; an existing client's manager never moves)."""

    new_clients: NewClients = NewClients.UNASSIGNED
    within: AssignWithin = AssignWithin.OUTLET


MAX_PHRASES = 200
NoticeText = Annotated[str, Field(min_length=1, max_length=200)]
Phrase = Annotated[str, Field(min_length=1, max_length=40, pattern=r"\S")]


class RiskNotice(_Section):
    """The risk notice after every product offered, in each language of the workstation."""

    zh_CN: Annotated[NoticeText, regulated("compliance.risk_notice.zh_CN")] = RISK_NOTICE
    en: NoticeText = "wealth products are not deposits; products carry risk; invest with care"

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.zh_CN


class Compliance(_Section):
    """The words of marketing: the risk notice every product line carries, and the phrases a note, an SMS or a day
    summary may not contain unless the staff member confirms them with a reason (``services.phrase_check``)."""

    risk_notice: RiskNotice = RiskNotice()
    forbidden_phrases: Annotated[
        tuple[Phrase, ...], Field(max_length=MAX_PHRASES), regulated("compliance.forbidden_phrases")
    ] = FORBIDDEN_PHRASES


class LeaveCalls(StrEnum):
    """What happens to an absent CSM's due calls: a named colleague makes them, or they wait for the return."""

    COVER = "cover"
    WAIT = "wait"


class LeavePolicy(_Section):
    """Leave and cover (请假与代班)."""

    calls: LeaveCalls = LeaveCalls.COVER
    # Recording leave this many days back at most (a forgotten sick day), and this far ahead.
    past_days: int = Field(default=30, ge=0, le=MAX_DAYS)
    ahead_days: int = Field(default=366, ge=1, le=800)


class Kyc(_Section):
    """Know your customer (反洗钱法): a client's ID and its expiry."""

    # An ID expiring within this many days puts "update the ID at the next visit" in the CSM's queue; no less than a
    # week, so that the client can be reached before it lapses and a sale is refused.
    id_expiry_notice_days: int = Field(default=30, ge=7, le=366)


class AmlReviewer(StrEnum):
    """Who decides an outlet's suspicion reports: the outlet's supervisors, or the branch admin; when nobody of the
    role named is active and at work (not on leave), the other reviews (``storage.access.Access.aml_reviewers``)."""

    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Aml(_Section):
    """Anti-money-laundering: suspicion reports (可疑交易报告) and who reviews them."""

    reviewer: AmlReviewer = AmlReviewer.SUPERVISOR
    # Whom a CSM tells in person when nobody can review a report (no active supervisor of the outlet, no active
    # admin): the branch's compliance (AML) officer, say, with a phone number. Empty: the refusal names the role.
    contact: str = Field(default="", max_length=80)


class Events(_Section):
    """Marketing events (营销活动) and the prospects met through them (潜在客户)."""

    follow_up_days: int = Field(default=3, ge=0, le=30)  # each attendee is followed up within this many days
    attribution_days: int = Field(default=30, ge=1, le=366)  # sales of featured products credited to the event
    max_capacity: int = Field(default=500, ge=1, le=MAX_COUNT)
    # A prospect never converted is purged after this many months (PIPL: no personal data kept without purpose).
    prospect_retention_months: int = Field(default=12, ge=1, le=36)


class Households(_Section):
    """Family links between clients (家庭关系): how much older a parent must be than the child, by birth dates."""

    parent_min_years_older: int = Field(default=16, ge=16, le=40)  # stricter only: a younger gap is implausible


class Policy(_Section):
    tiers: Tiers = Tiers()
    calls: Calls = Calls()
    risk: Risk = Risk()
    assessment: Assessment = Assessment()
    suitability: Suitability = Suitability()
    scorecard: Scorecard = Scorecard()
    calendar: Calendar = Calendar()
    cross_sell: CrossSell = CrossSell()
    checklist: Checklist = Checklist()
    assignment: Assignment = Assignment()
    compliance: Compliance = Compliance()
    leave: LeavePolicy = LeavePolicy()
    kyc: Kyc = Kyc()
    aml: Aml = Aml()
    events: Events = Events()
    households: Households = Households()
    # Look-ups of others' clients by a whole mobile, ID, card or account number, per staff member and hour: a
    # limit against uncovering masked numbers by trying them all (then refused, and the supervisor told).
    lookups_per_hour: int = Field(default=20, ge=1, le=20)


class PolicyError(Exception):
    """A policy file that cannot be used: which file, which key, and why (``reason``, in the user's language;
    ``code``, the error's type or catalog key)."""

    def __init__(self, path: Path, key: str, reason: str, code: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path = path
        self.key = key
        self.reason = reason
        self.code = code


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_policy(path: Path | None) -> Policy:
    """The shipped defaults, overridden by the TOML file at ``path`` when given."""
    if path is None:
        return Policy()
    try:
        override = read_small_toml(path)
    except SmallFileError as exc:
        raise PolicyError(path, "-", t(exc.key, **exc.params), exc.key) from None
    try:
        return Policy.model_validate(_merge(Policy().model_dump(), override))
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "-"
        raise PolicyError(path, key, error_reason(first), first["type"]) from None
