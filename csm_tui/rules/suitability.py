"""The pure rules of the suitability wizard: the risk questionnaire and its score, the assessment status, the 4S check.

No I/O and no UI: the wizard screen and the recording service (``services.selling.attempts``) build on these. Days
are the branch's days (``policy.calendar.tz``); naive datetimes are taken as UTC, as stored.

A check's ``params`` are language-neutral codes and figures (kept in the suitability record for 20 years);
``widgets.suitability_checks`` renders a check in the user's language.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

import arrow

from csm_tui.domain.enums import AssetType, ProductCategory, QualificationKind, RiskLevel, RiskRating
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Client, Outlet, Product, Qualification, RiskAssessment, Sale, Staff
from csm_tui.domain.roles import SELLING_ROLES
from csm_tui.domain.values import money
from csm_tui.policy import Policy, Questionnaire
from csm_tui.regulation import ALWAYS_RECORDED, ELDERLY_AGE_CEILING, INSISTABLE, PRIVATE_PLACEMENT_MIN
from csm_tui.rules import kyc

LEGAL_VALIDITY_MONTHS = 12  # NFRA Order 2025 No. 7: an assessment is valid for at most 12 months
YEAR_WINDOW_MONTHS = 12  # the "8 in 12 months" limit counts a rolling window of this many months

# Deposits are neither wealth nor agency products: no outlet licence, certificate, proportion test or 双录 for them.
NOT_WEALTH = frozenset({ProductCategory.DEPOSIT})
# The certificate a category needs for R1–R4; R5 also needs one of ADVANCED.
BASIC_QUALIFICATION: dict[ProductCategory, QualificationKind] = {
    ProductCategory.WEALTH: QualificationKind.WEALTH_BASIC,
    ProductCategory.FUND: QualificationKind.FUND,
    ProductCategory.INSURANCE: QualificationKind.INSURANCE,
    ProductCategory.METAL: QualificationKind.WEALTH_BASIC,
    ProductCategory.BOND: QualificationKind.WEALTH_BASIC,
}
ADVANCED = (QualificationKind.AFP, QualificationKind.CFP, QualificationKind.EFP)
ELDERLY_CARE = RiskRating.R3  # 65+ clients buying this or above: the special warning and 双录
HIGH_RISK = RiskRating.R4  # 65+ clients buying this or above: also a supervisor's review
ADULT_AGE = 18  # Civil Code art. 17: no investment product to anyone younger
SCREENING_LETTERS = "AB"  # yes, no


# --- time ------------------------------------------------------------------------------------------------------


def _instant(at: dt.datetime) -> arrow.Arrow:
    """A stored instant; naive datetimes are UTC."""
    return arrow.get(at, tzinfo="UTC") if at.tzinfo is None else arrow.get(at)


def branch_day(at: dt.datetime, policy: Policy) -> dt.date:
    """The branch's date at an instant (naive datetimes are UTC)."""
    return local_time(at, policy.calendar.tz).date()


@functools.lru_cache(maxsize=8192)  # pure; the 4S check converts the same few instants many times over
def local_time(at: dt.datetime, tz: str) -> dt.datetime:
    """A stored instant as the wall time in ``tz`` (naive datetimes are UTC)."""
    return _instant(at).to(tz).datetime


TICK = dt.timedelta(microseconds=1)  # the finest difference between two instants both backends keep


def stamp(
    now: dt.datetime, *, not_before: Iterable[dt.datetime] = (), after: Iterable[dt.datetime] = ()
) -> dt.datetime:
    """The instant a write to a client's suitability history is stamped with: ``now``, unless the history already
    holds a later instant, then the first one its order allows (no earlier than any of ``not_before``, strictly after
    every one of ``after``).

    The history is read by its timestamps: the assessment current at a sale is the latest (``taken_at``, then id)
    taken at or before ``sold_at`` (the recording service checks the sale against it; the scoreboard counts a sale
    on any other as a compliance breach). So a new assessment must stand after every sale already made, and a sale no
    earlier than the assessment it rests on, even when the clock does not move between the two (a frozen or coarse
    clock) or was stepped back. The writes of one client take turns (its row locked), so this is their real order.
    """
    floors = [*(_instant(at) for at in not_before), *(_instant(at) + TICK for at in after)]
    first = max(floors, default=None)
    return now if first is None or first <= _instant(now) else first.to("UTC").datetime


@functools.lru_cache(maxsize=8192)  # pure; validity and reuse windows shift the same days again and again
def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, the day clamped to the month's end (08-31 + 6 months = 02-28 or 02-29)."""
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


# --- the questionnaire -----------------------------------------------------------------------------------------


def questionnaire(policy: Policy) -> Questionnaire:
    """The policy's questionnaire: ``questions`` (scored, answers ``letters``), ``screening`` (A = yes, B = no)."""
    return policy.assessment.questionnaire


def question_codes(policy: Policy) -> list[str]:
    """Every question in the order asked: the scored questions, then the screening questions."""
    q = questionnaire(policy)
    return [*q.questions, *(s.code for s in q.screening)]


def answer_letters(code: str, policy: Policy) -> str:
    """The answer letters of one question: ``ABCDE`` for a scored question, ``AB`` (yes, no) for a screening one."""
    q = questionnaire(policy)
    if code in q.questions:
        return q.letters
    if any(s.code == code for s in q.screening):
        return SCREENING_LETTERS
    raise KeyError(code)


def question_key(code: str) -> str:
    """The catalog key of a question's text."""
    return f"questionnaire.{code}.text"


def answer_key(code: str, letter: str) -> str:
    """The catalog key of one answer's text."""
    return f"questionnaire.{code}.{letter}"


@dataclass(frozen=True)
class Scored:
    score: int
    level: RiskLevel
    lowest_category: bool


def score(answers: dict[str, str], policy: Policy) -> Scored:
    """Score a complete set of answers: the sum of the points, the level from the bands.

    A screening answer that puts the client in the lowest category (no full civil capacity, accepts no loss at all)
    makes the level C1 whatever the score. Incomplete answers are refused, naming the questions left.
    """
    q = questionnaire(policy)
    known = {**dict.fromkeys(q.questions, q.letters), **{s.code: SCREENING_LETTERS for s in q.screening}}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise DomainError("answers_unknown", codes=", ".join(c.upper() for c in unknown))
    missing = [code for code, letters in known.items() if answers.get(code) not in tuple(letters)]
    if missing:
        raise DomainError("answers_incomplete", missing=", ".join(c.upper() for c in missing), count=len(missing))
    total = sum(q.points[q.letters.index(answers[code])] for code in q.questions)
    lowest = any(answers[s.code] == s.lowest_on for s in q.screening)
    level = RiskLevel.C1 if lowest else policy.assessment.level_for(total)
    return Scored(score=total, level=level, lowest_category=lowest)


# --- the assessment's status -----------------------------------------------------------------------------------


def valid_until(taken_at: dt.datetime, policy: Policy) -> dt.date:
    """The last day an assessment taken at ``taken_at`` is valid: its branch date + validity_months (≤ 12)."""
    months = min(policy.assessment.validity_months, LEGAL_VALIDITY_MONTHS)
    return add_months(branch_day(taken_at, policy), months)


def validity_end(stored: dt.date, taken_on: dt.date, validity_months: int) -> dt.date:
    """The last day an assessment taken on the branch's date ``taken_on`` is valid: the stored end, never beyond
    the policy's validity (itself never beyond the legal 12 months)."""
    return min(stored, add_months(taken_on, min(validity_months, LEGAL_VALIDITY_MONTHS)))


def valid_through(assessment: RiskAssessment, policy: Policy) -> dt.date:
    """The stored end of validity, never beyond what today's policy allows: the one "valid until" every screen
    shows (a 12-month assessment under a 6-month policy ends after 6), the queue and the list of assessments due
    included (``services.rows.Validity``)."""
    taken_on = branch_day(assessment.taken_at, policy)
    return validity_end(assessment.valid_until, taken_on, policy.assessment.validity_months)


def is_valid(assessment: RiskAssessment | None, today: dt.date, policy: Policy) -> bool:
    if assessment is None:
        return False
    return branch_day(assessment.taken_at, policy) <= today <= valid_through(assessment, policy)


def offer_level(assessment: RiskAssessment | None, today: dt.date, policy: Policy) -> RiskLevel | None:
    """The level products may be offered, suggested and scripted under: the latest assessment's while it is valid
    today by the policy (``is_valid``, the same test the 4S check makes), else None (R1 only, the assessment
    first). The call card, the client detail's offers and the scripts all take it from here."""
    return assessment.level if assessment is not None and is_valid(assessment, today, policy) else None


def within_reuse(assessment: RiskAssessment, today: dt.date, policy: Policy) -> bool:
    """Taken at most ``reuse_months`` before ``today``: it may rest a sale once the client confirms it still holds."""
    return today <= add_months(branch_day(assessment.taken_at, policy), policy.assessment.reuse_months)


@dataclass(frozen=True)
class AssessmentStatus:
    latest: RiskAssessment | None
    valid: bool  # the latest assessment is valid today
    reusable: bool  # taken within reuse_months and valid: reuse it only once the client confirms it still holds
    first: bool  # no assessment before: the next one is taken face to face
    can_assess: bool
    refusal: str | None  # catalog key under error.: "assess_limit_day" or "assess_limit_year"
    today: dt.date = dt.date.min  # the branch's date the status was worked out for
    valid_until: dt.date | None = None  # of the latest, as it applies today
    taken_today: int = 0
    taken_in_year: int = 0  # in the rolling 12 months ending today
    next_possible: dt.date | None = None  # when refused: the first day a new assessment is allowed


def _latest(history: Iterable[RiskAssessment]) -> RiskAssessment | None:
    return max(history, key=lambda a: (_instant(a.taken_at), a.id or 0), default=None)


def assessment_status(history: list[RiskAssessment], now: dt.datetime, policy: Policy) -> AssessmentStatus:
    """Whether the client's latest assessment can be used today, and whether a new one may be taken.

    ``history`` is all of the client's assessments, in any order. At most ``max_per_day`` assessments in the
    branch's day and ``max_per_year`` in the rolling 12 months (an assessment exactly 12 months old no longer counts);
    when both limits are reached the year's is named, its next possible day being the later.
    """
    rules = policy.assessment
    today = branch_day(now, policy)
    latest = _latest(history)
    valid = is_valid(latest, today, policy)
    reusable = latest is not None and valid and within_reuse(latest, today, policy)
    days = sorted((branch_day(a.taken_at, policy) for a in history), reverse=True)
    window_start = add_months(today, -YEAR_WINDOW_MONTHS)  # exclusive
    in_year = [d for d in days if window_start < d <= today]
    taken_today = sum(d == today for d in days)
    refusal: str | None = None
    next_possible: dt.date | None = None
    if len(in_year) >= rules.max_per_year:
        refusal = "assess_limit_year"
        next_possible = _year_reopens(in_year[rules.max_per_year - 1], today)
    elif taken_today >= rules.max_per_day:
        refusal = "assess_limit_day"
        next_possible = today + dt.timedelta(days=1)
    return AssessmentStatus(
        latest=latest,
        valid=valid,
        reusable=reusable,
        first=not history,
        can_assess=refusal is None,
        refusal=refusal,
        today=today,
        valid_until=valid_through(latest, policy) if latest is not None else None,
        taken_today=taken_today,
        taken_in_year=len(in_year),
        next_possible=next_possible,
    )


def _year_reopens(oldest_counted: dt.date, today: dt.date) -> dt.date:
    """The first day on which ``oldest_counted`` has left the rolling window (and it is after today)."""
    day = max(add_months(oldest_counted, YEAR_WINDOW_MONTHS), today + dt.timedelta(days=1))
    while add_months(day, -YEAR_WINDOW_MONTHS) < oldest_counted:
        day += dt.timedelta(days=1)
    return day


def in_cooling_off(sale: Sale, now: dt.datetime) -> bool:
    """Not cancelled, and ``now`` inside its cooling-off period: the client may still cancel it in full."""
    until = sale.cooling_off_until
    return sale.cancelled_at is None and until is not None and _instant(now) < _instant(until)


def recent_purchases(sales: Iterable[Sale], assets_as_of: dt.date | None, now: dt.datetime, policy: Policy) -> Decimal:
    """What the client bought that the balance figures may not show yet: every sale not cancelled made on or after
    the figures' date (all of them without a date), and any still in its cooling-off period."""

    def counts(sale: Sale) -> bool:
        if sale.cancelled_at is not None:
            return False
        return in_cooling_off(sale, now) or assets_as_of is None or branch_day(sale.sold_at, policy) >= assets_as_of

    return sum((s.amount for s in sales if counts(s)), Decimal(0))


def differs(previous: RiskAssessment | None, new_level: RiskLevel) -> bool:
    """A result different from the last one is pointed out to the client and confirmed."""
    return previous is not None and previous.level != new_level


# --- the 4S check ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    code: str  # on_sale, rating, min_amount, outlet, salesperson, assessment, level, lowest, civil_capacity, …
    passed: bool
    reason_key: str  # under check. in the catalogs: "level.fail" is check.level.fail
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...]
    allowed: bool  # every check passed, or only the level check failed on an insisted-sale category (not lowest)
    insisted: bool  # only by the insisted path: the special written warning shown in full and confirmed
    extra_care: bool  # 65+ buying R3 or above: the special warning shown and confirmed, and 双录
    dual_recording: bool  # 双录 required
    cooling_off_hours: int
    review: bool = False  # 65+ buying R4/R5: also the supervisor's review task
    reused: bool = False  # the assessment was taken before today: the client confirms it still holds
    qualified_investor: bool = False  # a private placement: the qualified-investor confirmation

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def check(self, code: str) -> Check:
        return next(c for c in self.checks if c.code == code)


CHECK_CODES = (
    "on_sale",
    "rating",
    "min_amount",
    "outlet",
    "salesperson",
    "assessment",
    "level",
    "lowest",
    "id_valid",
    "civil_capacity",
    "proportion",
    "elderly",
)


def _check(code: str, passed: bool, reason: str, **params: object) -> Check:
    return Check(code, passed, f"{code}.{reason}", {k: str(v) for k, v in params.items()})


def _on_sale(product: Product, today: dt.date) -> Check:
    p = {"product": product.name}
    if product.sale_start is not None and today < product.sale_start:
        return _check("on_sale", False, "not_started", **p, start=product.sale_start.isoformat())
    if product.sale_end is not None and today > product.sale_end:
        return _check("on_sale", False, "ended", **p, end=product.sale_end.isoformat())
    return _check("on_sale", True, "ok", **p)


def _rating(product: Product) -> Check:
    if product.rating is None:
        return _check("rating", False, "fail", product=product.name)
    return _check("rating", True, "ok", product=product.name, rating=product.rating.code)


class Priced(Protocol):
    """What the least purchase of a product rests on (a ``Product``, a shelf row)."""

    @property
    def min_amount(self) -> Decimal: ...
    @property
    def private_placement(self) -> bool: ...
    @property
    def asset_type(self) -> AssetType | None: ...


def private_minimum(asset_type: AssetType | None, policy: Policy) -> Decimal:
    """The least a qualified investor buys of a private placement of ``asset_type`` a purchase (资管新规: ¥300,000
    fixed income, ¥400,000 mixed, ¥1,000,000 equity or commodities and derivatives), or the policy's larger figure;
    with no asset type recorded, the strictest of them. The regulator's figure holds whatever policy is given."""
    types = list(AssetType) if asset_type is None else [asset_type]
    rules = policy.suitability
    return max(max(rules.private_min(a), PRIVATE_PLACEMENT_MIN[a]) for a in types)


def minimum_amount(product: Priced, policy: Policy) -> Decimal:
    """The least one purchase of ``product`` may be: its own minimum, and for a private placement at least its asset
    type's (``private_minimum``), whatever the product's record says."""
    if product.private_placement:
        return max(product.min_amount, private_minimum(product.asset_type, policy))
    return product.min_amount


def _min_amount(product: Product, amount: Decimal, policy: Policy) -> Check:
    least = minimum_amount(product, policy)
    ok = amount > 0 and amount >= least
    params = {"amount": money(amount), "min": money(least)}
    if ok or not (product.private_placement and least > product.min_amount):
        return _check("min_amount", ok, "ok" if ok else "fail", **params)
    if product.asset_type is None:
        return _check("min_amount", False, "private", **params)
    return _check("min_amount", False, "private_typed", **params, asset_type=product.asset_type.value)


def _outlet(product: Product, outlet: Outlet) -> Check:
    if product.category in NOT_WEALTH:
        return _check("outlet", True, "not_needed", outlet=outlet.name)
    return _check("outlet", outlet.sells_wealth, "ok" if outlet.sells_wealth else "fail", outlet=outlet.name)


def _qualification(
    staff: Staff, kinds: tuple[QualificationKind, ...], today: dt.date
) -> tuple[bool, Qualification | None]:
    """Whether the staff holds one of ``kinds`` valid today; if not, the one of them that lapsed last, if any."""
    held = [q for q in staff.qualifications if q.kind in kinds]
    if any(q.valid_on(today) for q in held):
        return True, None
    expired = [q for q in held if q.expires_on is not None and q.expires_on < today]
    return False, max(expired, key=lambda q: q.expires_on or dt.date.min, default=None)


def _salesperson(product: Product, staff: Staff, today: dt.date) -> Check:
    """A selling role, the category's certificate (R1–R4), and for R5 also AFP, CFP or EFP; valid today."""
    p = {"staff": staff.name}
    if staff.role not in SELLING_ROLES:
        return _check("salesperson", False, "role", **p)
    basic = BASIC_QUALIFICATION.get(product.category)
    if basic is None:
        return _check("salesperson", True, "not_needed", **p)
    needed: list[tuple[QualificationKind, ...]] = [(basic,)]
    if product.rating is RiskRating.R5:
        needed.append(ADVANCED)
    valid_now = staff.valid_qualifications(today)
    for kinds in needed:
        ok, lapsed = _qualification(staff, kinds, today)
        if ok:
            continue
        r5 = "r5_" if kinds == ADVANCED else ""
        if lapsed is None or lapsed.expires_on is None:
            return _check("salesperson", False, f"{r5}missing", **p, qualification="/".join(k.value for k in kinds))
        expired = {"qualification": lapsed.kind.value, "expired_on": lapsed.expires_on.isoformat()}
        return _check("salesperson", False, f"{r5}expired", **p, **expired)
    held = [k.value for kinds in needed for k in kinds if k in valid_now]
    return _check("salesperson", True, "ok", **p, qualifications="/".join(held))


def _assessment(assessment: RiskAssessment | None, today: dt.date, policy: Policy) -> Check:
    if assessment is None:
        return _check("assessment", False, "none")
    until = valid_through(assessment, policy)
    if not is_valid(assessment, today, policy):
        return _check("assessment", False, "expired", valid_until=until.isoformat())
    if not within_reuse(assessment, today, policy):
        taken, months = branch_day(assessment.taken_at, policy), policy.assessment.reuse_months
        return _check("assessment", False, "reuse_passed", taken_on=taken.isoformat(), months=months)
    return _check("assessment", True, "ok", level=assessment.level.code, valid_until=until.isoformat())


def check_4s(
    *,
    client: Client,
    assessment: RiskAssessment | None,
    scored_lowest: bool,
    product: Product,
    amount: Decimal,
    outlet: Outlet,
    staff: Staff,
    now: dt.datetime,
    policy: Policy,
    other_purchases: Decimal = Decimal(0),
) -> Verdict:
    """The 4S check: suitable product, outlet, salesperson and client, each line with its reason.

    ``assessment`` is the one the sale rests on (a reused one the client confirmed, or the one just taken);
    ``scored_lowest`` says the questionnaire just answered put the client in the lowest category;
    ``other_purchases`` is what the client bought since the balance figures' date or is still in cooling-off
    (``recent_purchases``): the proportion test judges it together with this purchase.
    """
    today = branch_day(now, policy)
    rating = product.rating
    rules = policy.suitability
    wealth = product.category not in NOT_WEALTH
    valid = is_valid(assessment, today, policy)
    lowest = scored_lowest or (assessment is not None and assessment.lowest_category)
    age = client.age_on(today)
    checks: list[Check] = [
        _on_sale(product, today),
        _rating(product),
        _min_amount(product, amount, policy),
        _outlet(product, outlet),
        _salesperson(product, staff, today),
        _assessment(assessment, today, policy),
    ]

    # The client's level against the product's rating.
    insistable = (
        product.category in INSISTABLE
        and product.category in rules.insisted_sale_categories
        and not lowest
        and client.civil_capacity
    )
    level_mismatch = False
    if rating is None or assessment is None or not valid:
        checks.append(_check("level", False, "unknown", product=product.name))
    elif assessment.level >= rating:
        checks.append(_check("level", True, "ok", level=assessment.level.code, rating=rating.code))
    else:
        level_mismatch = True
        reason = "insisted" if insistable else "fail"
        checks.append(
            _check("level", False, reason, product=product.name, rating=rating.code, level=assessment.level.code)
        )

    if not lowest:
        checks.append(_check("lowest", True, "ok"))
    elif rating is RiskRating.R1:
        checks.append(_check("lowest", True, "r1"))
    else:
        checks.append(_check("lowest", False, "fail", rating=rating.code if rating else "—"))

    checks.append(_identity(client, today))
    checks.append(_capacity(client, age))
    checks.append(_proportion(client, amount, other_purchases, wealth, policy))
    elderly = _elderly(age, rating, policy)
    checks.append(elderly)
    extra_care = elderly.reason_key in ("elderly.warning", "elderly.extra_care")

    failed = [c for c in checks if not c.passed]
    only_level = len(failed) == 1 and failed[0].code == "level" and level_mismatch
    insisted = only_level and insistable
    allowed = not failed or insisted
    exempt = not wealth or (product.category in rules.dual_recording_exempt and product.category not in ALWAYS_RECORDED)
    dual = product.dual_recording or not exempt or extra_care
    cooling = product.cooling_off_hours
    if product.private_placement:
        cooling = max(cooling, rules.cooling_off_hours)
    return Verdict(
        checks=tuple(checks),
        allowed=allowed,
        insisted=insisted,
        extra_care=extra_care,
        dual_recording=dual,
        cooling_off_hours=cooling,
        review=elderly.reason_key == "elderly.extra_care",
        reused=assessment is not None and branch_day(assessment.taken_at, policy) < today,
        qualified_investor=product.private_placement,
    )


def _identity(client: Client, today: dt.date) -> Check:
    """Know your customer: no business on an expired ID (``rules.kyc``; valid through its expiry date)."""
    if kyc.id_expired(client.id_expiry, client.id_long_term, today):
        expiry = client.id_expiry.isoformat() if client.id_expiry else ""
        return _check("id_valid", False, "expired", expiry=expiry)
    return _check("id_valid", True, "ok")


def _capacity(client: Client, age: int) -> Check:
    """Full civil capacity, and of age (18, by the ID's birth date on the branch's date)."""
    if not client.civil_capacity:
        return _check("civil_capacity", False, "fail")
    if age < ADULT_AGE:
        return _check("civil_capacity", False, "minor", age=age, adult=ADULT_AGE)
    return _check("civil_capacity", True, "ok")


def _proportion(client: Client, amount: Decimal, others: Decimal, wealth: bool, policy: Policy) -> Check:
    """This purchase and the client's other recent ones together, against a share of the client's assets."""
    if not wealth:
        return _check("proportion", True, "not_needed")
    assets = max(client.balance, client.avg_3m)
    if client.assets_as_of is None and assets == 0:  # no figures from the bank yet: nothing to judge against
        return _check("proportion", False, "no_figures", amount=money(amount))
    share = policy.suitability.max_share_of_assets
    together = amount + others
    ok = together <= share * assets
    limit = (share * assets).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    params = {
        "amount": money(amount), "assets": money(assets), "share": f"{(share * 100).normalize():f}%",
        "limit": money(limit),
    }  # fmt: skip
    if others > 0:
        params.update(others=money(others), together=money(together))
        return _check("proportion", ok, "ok_together" if ok else "fail_together", **params)
    return _check("proportion", ok, "ok" if ok else "fail", **params)


def _elderly(age: int, rating: RiskRating | None, policy: Policy) -> Check:
    """65+ (policy): R3 and above need the special warning and 双录, R4–R5 also a supervisor's review; the policy
    may refuse R4–R5 from a second age."""
    if age < min(policy.assessment.elderly_age, ELDERLY_AGE_CEILING):
        return _check("elderly", True, "ok", age=age)
    if rating is None or rating < ELDERLY_CARE:
        return _check("elderly", True, "low_risk", age=age, rating=rating.code if rating else "—")
    if rating < HIGH_RISK:
        return _check("elderly", True, "warning", age=age, rating=rating.code)
    refused_from = policy.suitability.elderly_high_risk_refused_age
    if refused_from is not None and age >= refused_from:
        return _check("elderly", False, "refused", age=age, rating=rating.code, limit=refused_from)
    return _check("elderly", True, "extra_care", age=age, rating=rating.code)
