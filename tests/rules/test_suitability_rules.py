"""The pure rules of the suitability wizard: the questionnaire and its score, the assessment status, the 4S check."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.enums import AssetType, ProductCategory, QualificationKind, RiskLevel, RiskRating, Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Client, Outlet, Product, Qualification, RiskAssessment, Staff
from csm_tui.i18n import LANGUAGES, catalog, set_language
from csm_tui.policy import Assessment, Policy, PolicyError, Suitability, load_policy
from csm_tui.rules import suitability as rules
from csm_tui.rules.suitability import CHECK_CODES, Verdict, check_4s
from tests.support.branch import rid as branch_rid
from widgets.suitability_checks import check_reason, check_title

POLICY = Policy()
BRANCH = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
TODAY = dt.date(2026, 11, 10)
YESTERDAY, TOMORROW = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)
_C, _Q, _A = ProductCategory, QualificationKind, AssetType


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A branch-local wall time, as the UTC instant the app stores."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRANCH).astimezone(UTC)


NOW = at(TODAY)


def resident_id(born: dt.date) -> str:
    return branch_rid("110105", born, 2)


def client(
    born: dt.date = dt.date(1980, 6, 1),
    *,
    civil_capacity: bool = True,
    balance: str = "1000000.00",
    avg_3m: str = "900000.00",
) -> Client:
    return Client(
        id=1,
        number="C001",
        name="张三",
        resident_id=resident_id(born),
        civil_capacity=civil_capacity,
        balance=Decimal(balance),
        avg_3m=Decimal(avg_3m),
    )


def assessment(
    taken: dt.datetime = NOW - dt.timedelta(days=30),
    level: RiskLevel = RiskLevel.C5,
    *,
    lowest: bool = False,
    valid_until: dt.date | None = None,
    policy: Policy = POLICY,
) -> RiskAssessment:
    return RiskAssessment(
        id=1,
        client_id=1,
        staff_id=1,
        taken_at=taken,
        answers={},
        score=60,
        level=level,
        lowest_category=lowest,
        face_to_face=True,
        valid_until=valid_until or rules.valid_until(taken, policy),
    )


def product(category: ProductCategory = _C.WEALTH, rating: int | None = 3, **more: Any) -> Product:
    return Product(
        id=1,
        code="P001",
        name="稳利 90 天",
        category=category,
        issuer_rating=RiskRating(rating) if rating else None,
        **more,
    )


def qualification(kind: QualificationKind, expires_on: dt.date | None = None) -> Qualification:
    return Qualification(kind=kind, number="X1", obtained_on=dt.date(2020, 1, 1), expires_on=expires_on)


ALL_KINDS = (_Q.WEALTH_BASIC, _Q.FUND, _Q.INSURANCE, _Q.CFP)


def staff(*qualifications: Qualification | QualificationKind) -> Staff:
    quals = tuple(q if isinstance(q, Qualification) else qualification(q) for q in qualifications)
    return Staff(id=1, login="li", name="李经理", role=Role.CSM, grade="csm", qualifications=quals)


OUTLET = Outlet(id=1, code="001", name="徐汇支行")


def verdict(**given: Any) -> Verdict:
    """The 4S verdict for a suitable sale, with some of its inputs changed."""
    args: dict[str, Any] = {
        "client": client(),
        "assessment": assessment(),
        "scored_lowest": False,
        "product": product(),
        "amount": Decimal("50000.00"),
        "outlet": OUTLET,
        "staff": staff(*ALL_KINDS),
        "now": NOW,
        "policy": POLICY,
    }
    args.update(given)
    return check_4s(**args)


def check(v: Verdict, code: str) -> rules.Check:
    return v.check(code)


def failed(v: Verdict) -> set[str]:
    return {c.code for c in v.failed}


# --- the questionnaire -----------------------------------------------------------------------------------------

QUESTIONS = POLICY.assessment.questionnaire.questions
PLAIN_SCREENING = {"s1": "A", "s2": "B"}  # full civil capacity, accepts some loss


def answers(letters: str | list[str], **screening: str) -> dict[str, str]:
    letters = list(letters) if len(letters) == len(QUESTIONS) else [letters[0]] * len(QUESTIONS)
    return {**dict(zip(QUESTIONS, letters, strict=True)), **PLAIN_SCREENING, **screening}


def test_the_default_questionnaire_is_twelve_questions_worth_2_to_10_and_two_screening_questions() -> None:
    q = rules.questionnaire(POLICY)
    assert q.questions == tuple(f"q{n}" for n in range(1, 13))
    assert q.letters == "ABCDE" and q.points == (2, 4, 6, 8, 10)
    assert [(s.code, s.lowest_on) for s in q.screening] == [("s1", "B"), ("s2", "A")]
    assert (q.min_score, q.max_score) == (24, 120)


def test_questions_are_asked_scored_first_then_screening_each_with_its_letters() -> None:
    codes = rules.question_codes(POLICY)
    assert codes == [*(f"q{n}" for n in range(1, 13)), "s1", "s2"]
    assert [rules.answer_letters(c, POLICY) for c in ("q1", "q12", "s1", "s2")] == ["ABCDE", "ABCDE", "AB", "AB"]
    with pytest.raises(KeyError):
        rules.answer_letters("q13", POLICY)
    assert rules.question_key("q1") == "questionnaire.q1.text" and rules.answer_key("s2", "A") == "questionnaire.s2.A"


def test_every_question_and_answer_has_its_text_in_both_catalogs() -> None:
    q = rules.questionnaire(POLICY)
    for lang in LANGUAGES:
        texts = catalog(lang)
        for code in q.questions:
            assert rules.question_key(code) in texts, (lang, code)
            assert all(rules.answer_key(code, letter) in texts for letter in q.letters), (lang, code)
        for s in q.screening:
            assert {rules.question_key(s.code), rules.answer_key(s.code, "A"), rules.answer_key(s.code, "B")} <= set(
                texts
            )


@pytest.mark.parametrize(("letter", "score", "level"), [("A", 24, RiskLevel.C1), ("E", 120, RiskLevel.C5)])
def test_all_most_conservative_and_all_most_aggressive(letter: str, score: int, level: RiskLevel) -> None:
    assert rules.score(answers(letter), POLICY) == rules.Scored(score, level, lowest_category=False)


complete_answers = st.lists(st.sampled_from("ABCDE"), min_size=12, max_size=12)


@given(complete_answers)
def test_every_complete_answer_set_scores_24_to_120_with_the_level_from_the_bands(letters: list[str]) -> None:
    scored = rules.score(answers(letters), POLICY)
    assert 24 <= scored.score <= 120
    assert scored.score == sum(2 * ("ABCDE".index(x) + 1) for x in letters)
    assert scored.level == POLICY.assessment.level_for(scored.score)
    assert not scored.lowest_category


@given(complete_answers, st.integers(0, 11))
def test_a_bolder_answer_never_lowers_the_score_or_the_level(letters: list[str], i: int) -> None:
    bolder = list(letters)
    bolder[i] = "ABCDE"[min(4, "ABCDE".index(letters[i]) + 1)]
    before, after = rules.score(answers(letters), POLICY), rules.score(answers(bolder), POLICY)
    assert after.score >= before.score and after.level >= before.level


@pytest.mark.parametrize("screening", [{"s1": "B"}, {"s2": "A"}, {"s1": "B", "s2": "A"}])
def test_a_screening_answer_puts_the_client_in_the_lowest_category_whatever_the_score(
    screening: dict[str, str],
) -> None:
    scored = rules.score(answers("E", **screening), POLICY)
    assert scored == rules.Scored(120, RiskLevel.C1, lowest_category=True)


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"q3": None}, "Q3"),
        ({"q3": None, "s2": None}, "Q3, S2"),
        ({"q12": "F"}, "Q12"),  # not an answer letter
        ({"q1": "a"}, "Q1"),
        ({"s1": "C"}, "S1"),  # screening answers are A (yes) or B (no)
        ({"q1": ""}, "Q1"),
    ],
)
def test_incomplete_answers_are_refused_naming_the_questions(change: dict[str, str | None], missing: str) -> None:
    given = answers("C")
    for code, letter in change.items():
        if letter is None:
            del given[code]
        else:
            given[code] = letter
    with pytest.raises(DomainError) as caught:
        rules.score(given, POLICY)
    assert caught.value.code == "answers_incomplete"
    assert caught.value.params["missing"] == missing


def test_no_answers_at_all_is_incomplete() -> None:
    with pytest.raises(DomainError) as caught:
        rules.score({}, POLICY)
    assert caught.value.params["count"] == 14


def test_an_answer_to_a_question_not_in_the_questionnaire_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        rules.score({**answers("C"), "q13": "A"}, POLICY)
    assert caught.value.code == "answers_unknown"


def test_the_questionnaire_is_a_policy_setting(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        "[assessment]\nbands = [2, 6, 10, 14]\n"  # the levels of the scores 2, 6, 10, 14 and 18
        '[assessment.questionnaire]\nquestions = ["q1", "q2"]\npoints = [1, 5, 9]\n',
        encoding="utf-8",
    )
    policy = load_policy(path)
    q = rules.questionnaire(policy)
    assert q.letters == "ABC" and q.screening == POLICY.assessment.questionnaire.screening
    assert rules.score({"q1": "C", "q2": "B", "s1": "A", "s2": "B"}, policy).score == 14


@pytest.mark.parametrize(
    "text",
    [
        "[assessment.questionnaire]\npoints = [2, 2, 6]\n",
        "[assessment.questionnaire]\npoints = [6, 4, 2]\n",
        '[assessment.questionnaire]\nquestions = ["q1", "q1"]\n',
        '[assessment.questionnaire]\nquestions = ["s1"]\n',  # the same code as a screening question
        '[assessment.questionnaire]\nquestions = ["Q 1"]\n',
        '[[assessment.questionnaire.screening]]\ncode = "s1"\nlowest_on = "C"\n',
    ],
)
def test_a_bad_questionnaire_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.key.startswith("assessment.questionnaire")


# --- the assessment's status -----------------------------------------------------------------------------------


def status(history: list[RiskAssessment], now: dt.datetime = NOW, policy: Policy = POLICY) -> rules.AssessmentStatus:
    return rules.assessment_status(history, now, policy)


def test_a_client_never_assessed_is_assessed_for_the_first_time_face_to_face() -> None:
    s = status([])
    assert s.first and s.latest is None and not s.valid and not s.reusable
    assert s.can_assess and s.refusal is None


def test_the_latest_assessment_counts_whatever_the_order_of_the_history() -> None:
    old = assessment(at(dt.date(2025, 10, 5)), RiskLevel.C2)
    new = assessment(at(dt.date(2026, 9, 1)), RiskLevel.C4)
    s = status([new, old])
    assert s.latest == new and not s.first and s.valid and s.reusable
    assert status([old]).latest == old and not status([old]).valid
    assert status([old, new]).latest == new


def test_the_latest_is_by_instant_whatever_the_time_zone_it_is_given_in() -> None:
    utc = assessment(dt.datetime(2026, 9, 1, 3, 0, tzinfo=UTC), RiskLevel.C2)  # 11:00 in the branch
    local = assessment(dt.datetime(2026, 9, 1, 10, 0, tzinfo=BRANCH), RiskLevel.C4)  # 02:00 UTC: earlier
    naive = assessment(dt.datetime(2026, 9, 1, 2, 30), RiskLevel.C3)  # UTC
    assert status([utc, local, naive]).latest == utc
    assert status([local, naive]).latest == naive


def test_reuse_window_is_exactly_six_months() -> None:
    taken = assessment(at(dt.date(2026, 5, 10), 16))
    assert status([taken], at(TODAY, 23, 59)).reusable
    day_more = status([taken], at(TOMORROW, 0, 0))
    assert not day_more.reusable and day_more.valid  # assess again (or …), but it is still valid


def test_reuse_window_at_a_month_end_clamps_to_the_shorter_month() -> None:
    taken = assessment(at(dt.date(2026, 5, 31)))
    assert status([taken], at(dt.date(2026, 11, 30))).reusable
    assert not status([taken], at(dt.date(2026, 12, 1))).reusable


def test_reuse_is_never_beyond_validity() -> None:
    policy = Policy(assessment=Assessment(reuse_months=6, validity_months=6))
    taken = assessment(at(dt.date(2026, 5, 10)), policy=policy)
    assert status([taken], NOW, policy).reusable
    assert not status([taken], at(TOMORROW), policy).valid


def test_validity_is_twelve_months_to_the_day() -> None:
    taken_at = at(dt.date(2025, 11, 10), 9)
    assert rules.valid_until(taken_at, POLICY) == TODAY
    a = assessment(taken_at)
    assert status([a], at(TODAY, 23, 59)).valid
    assert not status([a], at(TOMORROW, 0, 0)).valid
    reuse_a_year = Policy(assessment=Assessment(reuse_months=12))  # the 4S check also asks for the reuse window
    assert check(verdict(assessment=a, now=at(TODAY, 23, 59), policy=reuse_a_year), "assessment").passed
    expired = check(verdict(assessment=a, now=at(TOMORROW), policy=reuse_a_year), "assessment")
    assert not expired.passed and expired.reason_key == "assessment.expired"
    assert expired.params["valid_until"] == "2026-11-10"


def test_validity_counts_from_the_branch_date_of_taking() -> None:
    late_evening = dt.datetime(2025, 11, 10, 17, 30, tzinfo=UTC)  # 2025-11-11 01:30 in the branch
    assert rules.valid_until(late_evening, POLICY) == dt.date(2026, 11, 11)
    assert rules.valid_until(late_evening.replace(tzinfo=None), POLICY) == dt.date(2026, 11, 11)  # naive is UTC


def test_a_shorter_validity_policy_applies_and_a_stored_date_beyond_it_is_capped() -> None:
    policy = Policy(assessment=Assessment(reuse_months=3, validity_months=6))
    taken_at = at(dt.date(2026, 3, 1))
    assert rules.valid_until(taken_at, policy) == dt.date(2026, 9, 1)
    stored_a_year = assessment(taken_at, valid_until=dt.date(2027, 3, 1))
    s = status([stored_a_year], NOW, policy)
    assert not s.valid and s.valid_until == dt.date(2026, 9, 1)


def test_two_assessments_a_day_in_the_branchs_day() -> None:
    before_midnight = assessment(at(YESTERDAY, 23, 30))  # the same UTC date as the next one
    after_midnight = assessment(at(TODAY, 0, 10))
    s = status([before_midnight, after_midnight])
    assert s.taken_today == 1 and s.can_assess
    morning = assessment(at(TODAY, 9))
    refused = status([before_midnight, after_midnight, morning])
    assert not refused.can_assess and refused.refusal == "assess_limit_day"
    assert refused.next_possible == TOMORROW
    assert status([before_midnight, after_midnight, morning], at(TODAY, 23, 59)).refusal == "assess_limit_day"
    assert status([before_midnight, after_midnight, morning], at(TOMORROW, 0, 0)).can_assess


def test_the_daily_limit_is_a_policy_setting() -> None:
    policy = Policy(assessment=Assessment(max_per_day=1))
    s = status([assessment(at(TODAY, 0, 5))], NOW, policy)
    assert s.refusal == "assess_limit_day"


def _monthly(first: dt.date, count: int) -> list[RiskAssessment]:
    return [assessment(at(rules.add_months(first, n), 11)) for n in range(count)]


def test_eight_assessments_in_twelve_months() -> None:
    eight = _monthly(dt.date(2025, 11, 11), 8)  # 2025-11-11 … 2026-06-11
    s = status(eight)
    assert s.taken_in_year == 8 and s.refusal == "assess_limit_year" and not s.can_assess
    assert s.next_possible == TOMORROW  # 2025-11-11 leaves the window
    assert status(eight, at(TOMORROW)).can_assess
    exactly_a_year_ago = _monthly(dt.date(2025, 11, 10), 8)
    s = status(exactly_a_year_ago)
    assert s.taken_in_year == 7 and s.can_assess


def test_the_year_limit_is_named_before_the_daily_limit() -> None:
    history = [*_monthly(dt.date(2026, 1, 20), 6), assessment(at(TODAY, 9)), assessment(at(TODAY, 10))]
    s = status(history, at(TODAY, 11))
    assert s.refusal == "assess_limit_year"
    assert s.next_possible == dt.date(2027, 1, 20)  # when 2026-01-20 leaves the rolling window


def test_a_different_result_from_the_last_one_is_pointed_out() -> None:
    last = assessment(level=RiskLevel.C3)
    assert rules.differs(last, RiskLevel.C4) and rules.differs(last, RiskLevel.C2)
    assert not rules.differs(last, RiskLevel.C3)
    assert not rules.differs(None, RiskLevel.C3)


# --- the 4S check: the matrix ------------------------------------------------------------------------------------

LEVELS, RATINGS = list(RiskLevel), list(RiskRating)


def test_a_suitable_sale_passes_every_check_in_order() -> None:
    v = verdict()
    assert [c.code for c in v.checks] == list(CHECK_CODES)
    assert all(c.passed for c in v.checks)
    assert v.allowed and not v.insisted and not v.extra_care
    assert v.dual_recording and v.cooling_off_hours == 0


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("rating", RATINGS)
@pytest.mark.parametrize("category", [_C.WEALTH, _C.FUND, _C.INSURANCE])
def test_matrix_of_levels_and_ratings_per_category(
    category: ProductCategory, rating: RiskRating, level: RiskLevel
) -> None:
    v = verdict(product=product(category, rating), assessment=assessment(level=level))
    if level >= rating:
        assert v.allowed and not v.insisted and failed(v) == set()
    elif category in POLICY.suitability.insisted_sale_categories:  # funds by default
        assert v.allowed and v.insisted and failed(v) == {"level"}
        assert check(v, "level").reason_key == "level.insisted"
    else:  # the bank's wealth products (and insurance by default): blocked, no override
        assert not v.allowed and not v.insisted and failed(v) == {"level"}
        assert check(v, "level").reason_key == "level.fail"
        assert check(v, "level").params == {"product": "稳利 90 天", "rating": rating.code, "level": level.code}


@pytest.mark.parametrize("rating", RATINGS)
@pytest.mark.parametrize("category", [_C.WEALTH, _C.FUND, _C.INSURANCE])
@pytest.mark.parametrize("how", ["stored", "scored"])
def test_matrix_the_lowest_category_buys_r1_only_and_never_by_insisting(
    category: ProductCategory, rating: RiskRating, how: str
) -> None:
    a = assessment(level=RiskLevel.C1, lowest=how == "stored")
    v = verdict(product=product(category, rating), assessment=a, scored_lowest=how == "scored")
    if rating is RiskRating.R1:
        assert v.allowed and not v.insisted and check(v, "lowest").reason_key == "lowest.r1"
    else:
        assert not v.allowed and not v.insisted
        assert failed(v) == {"level", "lowest"}
        assert check(v, "level").reason_key == "level.fail"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("rating", RATINGS)
def test_matrix_insurance_never_by_insisting_even_when_the_policy_names_it(
    rating: RiskRating, level: RiskLevel
) -> None:
    policy = Policy(suitability=Suitability.model_construct(insisted_sale_categories=(_C.FUND, _C.INSURANCE)))
    v = verdict(product=product(_C.INSURANCE, rating), assessment=assessment(level=level), policy=policy)
    assert v.allowed == (level >= rating) and not v.insisted


def test_with_no_insisted_categories_a_fund_above_the_level_is_blocked() -> None:
    policy = Policy(suitability=Suitability(insisted_sale_categories=()))
    v = verdict(product=product(_C.FUND, 5), assessment=assessment(level=RiskLevel.C2), policy=policy)
    assert not v.allowed and not v.insisted


def test_the_insisted_path_needs_every_other_check_to_pass() -> None:
    fund = product(_C.FUND, 4)
    low = assessment(level=RiskLevel.C2)
    assert verdict(product=fund, assessment=low).insisted
    v = verdict(product=fund, assessment=low, amount=Decimal("950000.00"))  # out of proportion too
    assert not v.allowed and not v.insisted and failed(v) == {"level", "proportion"}


# --- the 4S check: each rule at its boundary ----------------------------------------------------------------------


def test_no_assessment_blocks_even_a_fund() -> None:
    for category in (_C.WEALTH, _C.FUND):
        v = verdict(product=product(category, 1), assessment=None)
        assert not v.allowed and not v.insisted
        assert failed(v) == {"assessment", "level"}
        assert check(v, "assessment").reason_key == "assessment.none"
        assert check(v, "level").reason_key == "level.unknown"


def test_an_expired_assessment_gives_no_level_to_insist_on() -> None:
    old = assessment(at(dt.date(2025, 6, 1)), RiskLevel.C5)
    v = verdict(product=product(_C.FUND, 5), assessment=old)
    assert not v.allowed and not v.insisted and failed(v) == {"assessment", "level"}


@pytest.mark.parametrize(("born", "extra_care"), [(dt.date(1961, 11, 10), True), (dt.date(1961, 11, 11), False)])
def test_age_65_from_the_id_on_todays_branch_date(born: dt.date, extra_care: bool) -> None:
    # 00:30 in the branch is still the day before in UTC: the birthday counts by the branch's date.
    v = verdict(client=client(born), product=product(_C.WEALTH, 4), now=at(TODAY, 0, 30))
    assert v.allowed and v.extra_care is extra_care
    elderly = check(v, "elderly")
    assert elderly.passed
    assert elderly.reason_key == ("elderly.extra_care" if extra_care else "elderly.ok")
    assert elderly.params["age"] == ("65" if extra_care else "64")


def test_extra_care_from_r3_and_a_supervisors_review_from_r4() -> None:
    elder = client(dt.date(1950, 1, 1))
    low = verdict(client=elder, product=product(_C.WEALTH, 2))
    assert not low.extra_care and not low.review and check(low, "elderly").reason_key == "elderly.low_risk"
    medium = verdict(client=elder, product=product(_C.WEALTH, 3))
    assert medium.extra_care and medium.dual_recording and not medium.review
    assert check(medium, "elderly").reason_key == "elderly.warning"
    for high in (
        verdict(client=elder, product=product(_C.WEALTH, 4)),
        verdict(client=elder, product=product(_C.FUND, 5)),
    ):
        assert high.extra_care and high.review and check(high, "elderly").reason_key == "elderly.extra_care"


def test_the_elderly_age_is_a_policy_setting() -> None:
    policy = Policy(assessment=Assessment(elderly_age=60))
    v = verdict(client=client(dt.date(1965, 1, 1)), product=product(_C.WEALTH, 4), policy=policy)
    assert v.extra_care


@pytest.mark.parametrize(("expires_on", "passed"), [(YESTERDAY, False), (TODAY, True)])
def test_an_expired_certificate_fails_naming_it(expires_on: dt.date, passed: bool) -> None:
    v = verdict(staff=staff(qualification(_Q.WEALTH_BASIC, expires_on)))
    c = check(v, "salesperson")
    assert c.passed is passed and v.allowed is passed
    if not passed:
        assert c.reason_key == "salesperson.expired"
        assert c.params == {"staff": "李经理", "qualification": "wealth_basic", "expired_on": "2026-11-09"}


@pytest.mark.parametrize(
    ("category", "needed"), [(_C.WEALTH, _Q.WEALTH_BASIC), (_C.FUND, _Q.FUND), (_C.INSURANCE, _Q.INSURANCE)]
)
def test_each_category_needs_its_own_certificate(category: ProductCategory, needed: QualificationKind) -> None:
    others = [k for k in (_Q.WEALTH_BASIC, _Q.FUND, _Q.INSURANCE) if k is not needed]
    v = verdict(product=product(category, 2), staff=staff(*others))
    c = check(v, "salesperson")
    assert not c.passed and c.reason_key == "salesperson.missing" and c.params["qualification"] == needed.value
    assert verdict(product=product(category, 2), staff=staff(needed)).allowed


@pytest.mark.parametrize("rating", [1, 2, 3, 4])
def test_basic_certificate_sells_r1_to_r4(rating: int) -> None:
    assert verdict(product=product(_C.WEALTH, rating), staff=staff(_Q.WEALTH_BASIC)).allowed


def test_r5_needs_afp_cfp_or_efp() -> None:
    r5 = product(_C.WEALTH, 5)
    c = check(verdict(product=r5, staff=staff(_Q.WEALTH_BASIC)), "salesperson")
    assert not c.passed and c.reason_key == "salesperson.r5_missing" and c.params["qualification"] == "afp/cfp/efp"
    for advanced in (_Q.AFP, _Q.CFP, _Q.EFP):
        v = verdict(product=r5, staff=staff(_Q.WEALTH_BASIC, advanced))
        assert v.allowed and check(v, "salesperson").params["qualifications"] == f"wealth_basic/{advanced.value}"
    lapsed = staff(_Q.WEALTH_BASIC, qualification(_Q.CFP, YESTERDAY))
    c = check(verdict(product=r5, staff=lapsed), "salesperson")
    assert c.reason_key == "salesperson.r5_expired" and c.params["qualification"] == "cfp"
    assert not verdict(product=r5, staff=staff(_Q.CFP)).allowed  # the category's certificate is still needed


def test_a_certificate_not_yet_obtained_does_not_count() -> None:
    future = Qualification(kind=_Q.WEALTH_BASIC, obtained_on=TOMORROW)
    assert check(verdict(staff=staff(future)), "salesperson").reason_key == "salesperson.missing"


@pytest.mark.parametrize(("amount", "passed"), [("10000.00", True), ("9999.99", False)])
def test_minimum_amount(amount: str, passed: bool) -> None:
    v = verdict(product=product(min_amount=Decimal("10000.00")), amount=Decimal(amount))
    c = check(v, "min_amount")
    assert c.passed is passed and v.allowed is passed
    assert c.params == {"amount": f"¥{Decimal(amount):,}", "min": "¥10,000.00"}


@pytest.mark.parametrize(("amount", "passed"), [("80000.00", True), ("80000.01", False)])
def test_proportion_of_the_clients_assets(amount: str, passed: bool) -> None:
    assets = client(balance="100000.00", avg_3m="60000.00")  # the larger of the two counts
    v = verdict(client=assets, amount=Decimal(amount))
    c = check(v, "proportion")
    assert c.passed is passed and v.allowed is passed
    assert c.params["limit"] == "¥80,000.00" and c.params["share"] == "80%" and c.params["assets"] == "¥100,000.00"
    by_average = client(balance="60000.00", avg_3m="100000.00")
    assert check(verdict(client=by_average, amount=Decimal(amount)), "proportion").passed is passed


def test_proportion_share_is_a_policy_setting() -> None:
    policy = Policy(suitability=Suitability(max_share_of_assets=Decimal("0.5")))
    v = verdict(client=client(balance="100000.00", avg_3m="0"), amount=Decimal("50000.01"), policy=policy)
    assert not v.allowed and check(v, "proportion").params["share"] == "50%"


def test_a_client_with_no_assets_can_buy_no_wealth_product() -> None:
    v = verdict(client=client(balance="0", avg_3m="0"), amount=Decimal("1.00"))
    assert failed(v) == {"proportion"}


def test_an_outlet_without_qualified_staff_sells_no_wealth_product() -> None:
    closed = Outlet(id=2, code="002", name="田林分理处", sells_wealth=False)
    for category in (_C.WEALTH, _C.FUND, _C.INSURANCE, _C.BOND, _C.METAL):
        v = verdict(outlet=closed, product=product(category, 1))
        assert failed(v) == {"outlet"} and not v.allowed
    deposit = verdict(outlet=closed, product=product(_C.DEPOSIT, 1), staff=staff())
    assert deposit.allowed and check(deposit, "outlet").reason_key == "outlet.not_needed"


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        ((TODAY, None), "on_sale.ok"),
        ((TOMORROW, None), "on_sale.not_started"),
        ((None, TODAY), "on_sale.ok"),
        ((None, YESTERDAY), "on_sale.ended"),
        ((TODAY, TODAY), "on_sale.ok"),
    ],
)
def test_product_on_sale_today_window_edges(window: tuple[dt.date | None, dt.date | None], reason: str) -> None:
    start, end = window
    v = verdict(product=product(sale_start=start, sale_end=end), now=at(TODAY, 0, 30))  # branch date, not UTC
    assert check(v, "on_sale").reason_key == reason
    assert v.allowed is (reason == "on_sale.ok")


def test_unknown_rating_blocks_every_category() -> None:
    for category in (_C.WEALTH, _C.FUND, _C.INSURANCE):
        v = verdict(product=product(category, None))
        assert not v.allowed and not v.insisted
        assert failed(v) == {"rating", "level"}
        assert check(v, "rating").reason_key == "rating.fail"


def test_the_higher_of_issuer_and_seller_rating_counts() -> None:
    v = verdict(product=product(_C.WEALTH, 2, seller_rating=RiskRating.R4), assessment=assessment(level=RiskLevel.C3))
    assert not v.allowed and check(v, "level").params["rating"] == "R4"
    only_seller = verdict(product=product(_C.WEALTH, None, seller_rating=RiskRating.R2))
    assert only_seller.allowed and check(only_seller, "rating").params["rating"] == "R2"


def test_no_civil_capacity_is_never_a_sale() -> None:
    for category in (_C.WEALTH, _C.FUND, _C.DEPOSIT):
        v = verdict(client=client(civil_capacity=False), product=product(category, 1))
        assert not v.allowed and failed(v) == {"civil_capacity"}
    fund_above = verdict(
        client=client(civil_capacity=False), product=product(_C.FUND, 4), assessment=assessment(level=RiskLevel.C2)
    )
    assert not fund_above.allowed and not fund_above.insisted


@pytest.mark.parametrize(
    ("private", "hours", "policy_hours", "expected"),
    [(True, 0, 24, 24), (True, 48, 24, 48), (True, 0, 36, 36), (False, 0, 24, 0), (False, 12, 24, 12)],
)
def test_private_placement_cooling_off(private: bool, hours: int, policy_hours: int, expected: int) -> None:
    policy = Policy(suitability=Suitability(cooling_off_hours=policy_hours))
    v = verdict(product=product(private_placement=private, cooling_off_hours=hours), policy=policy)
    assert v.cooling_off_hours == expected


@pytest.mark.parametrize(
    ("category", "flag", "expected"),
    [
        (_C.WEALTH, False, True),
        (_C.FUND, False, True),
        (_C.INSURANCE, False, True),
        (_C.BOND, False, False),  # government bonds and physical gold are exempt…
        (_C.METAL, False, False),
        (_C.BOND, True, True),  # …unless the product itself needs recording
        (_C.DEPOSIT, False, False),
        (_C.DEPOSIT, True, True),
    ],
)
def test_dual_recording(category: ProductCategory, flag: bool, expected: bool) -> None:
    assert verdict(product=product(category, 1, dual_recording=flag)).dual_recording is expected


def test_extra_care_forces_dual_recording() -> None:
    v = verdict(client=client(dt.date(1950, 1, 1)), product=product(_C.METAL, 4))
    assert v.extra_care and v.dual_recording


def test_dual_recording_exemptions_are_a_policy_setting() -> None:
    policy = Policy(suitability=Suitability(dual_recording_exempt=(_C.BOND,)))
    assert verdict(product=product(_C.METAL, 1), policy=policy).dual_recording


def test_deposits_need_no_certificate_and_no_proportion() -> None:
    v = verdict(product=product(_C.DEPOSIT, 1), staff=staff(), amount=Decimal("2000000.00"))
    assert v.allowed and not v.dual_recording
    assert check(v, "salesperson").reason_key == "salesperson.not_needed"
    assert check(v, "proportion").reason_key == "proportion.not_needed"


# --- reasons in the user's language ------------------------------------------------------------------------------


def _every_kind_of_verdict() -> list[Verdict]:
    elder = client(dt.date(1950, 1, 1), civil_capacity=False, balance="100.00", avg_3m="0")
    closed = Outlet(id=2, code="002", name="田林分理处", sells_wealth=False)
    return [
        verdict(),
        verdict(product=product(_C.FUND, 5), assessment=assessment(level=RiskLevel.C2)),
        verdict(product=product(_C.WEALTH, 5, sale_start=TOMORROW, min_amount=Decimal("1e6")), staff=staff()),
        verdict(product=product(_C.WEALTH, 5, sale_end=YESTERDAY), client=elder, outlet=closed),
        verdict(product=product(_C.WEALTH, 4), assessment=assessment(level=RiskLevel.C1, lowest=True), client=elder),
        verdict(product=product(_C.WEALTH, None), assessment=None, staff=staff(qualification(_Q.WEALTH_BASIC, TODAY))),
        verdict(product=product(_C.WEALTH, 5), staff=staff(_Q.WEALTH_BASIC, qualification(_Q.AFP, YESTERDAY))),
        verdict(staff=staff(qualification(_Q.WEALTH_BASIC, YESTERDAY))),
        verdict(product=product(_C.WEALTH, 5), staff=staff(_Q.WEALTH_BASIC)),
        verdict(assessment=assessment(at(dt.date(2025, 1, 1)))),
        verdict(product=product(_C.DEPOSIT, 1), outlet=closed, assessment=assessment(level=RiskLevel.C1, lowest=True)),
        verdict(assessment=assessment(at(dt.date(2026, 3, 1))), client=client(dt.date(2010, 1, 1))),
        verdict(other_purchases=Decimal("10000.00")),
        verdict(other_purchases=Decimal("800000.00"), client=client(dt.date(1950, 1, 1))),
        verdict(client=client(balance="0", avg_3m="0").model_copy(update={"assets_as_of": None})),
        verdict(product=product(_C.WEALTH, 2), client=client(dt.date(1950, 1, 1))),
        verdict(
            product=product(_C.WEALTH, 4),
            client=client(dt.date(1940, 1, 1)),
            policy=Policy(suitability=Suitability(elderly_high_risk_refused_age=80)),
        ),
        verdict(client=client().model_copy(update={"id_expiry": YESTERDAY})),  # KYC: no business on an expired ID
        verdict(staff=staff(*_Q).model_copy(update={"role": Role.SUPERVISOR})),  # a role that does not sell
        verdict(product=product(private_placement=True)),  # a private placement of no recorded asset type
        verdict(product=product(private_placement=True, asset_type=_A.MIXED)),  # below ¥400,000
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_reason_reads_in_both_languages(lang: str) -> None:
    set_language(lang)
    seen: set[str] = set()
    for v in _every_kind_of_verdict():
        for c in v.checks:
            assert f"check.{c.reason_key}" in catalog(lang), c.reason_key
            text = check_reason(c)
            assert text and not re.search(r"[{}]|check\.|_basic", text), (c, text)
            assert check_title(c) != f"check.{c.code}.title"
            seen.add(c.reason_key)
    reasons = {k.removeprefix("check.") for k in catalog(lang) if k.startswith("check.") and k.count(".") == 2}
    assert reasons - {f"{code}.title" for code in CHECK_CODES} == seen  # every reason is reachable and tested


def test_the_reason_names_the_expired_certificate_and_the_levels() -> None:
    set_language("zh_CN")
    expired = check(verdict(staff=staff(qualification(_Q.WEALTH_BASIC, YESTERDAY))), "salesperson")
    assert check_reason(expired) == "销售人员 李经理 的理财从业资格已于 2026-11-09 过期"
    blocked = check(verdict(product=product(_C.WEALTH, 4), assessment=assessment(level=RiskLevel.C2)), "level")
    assert check_reason(blocked) == "产品 稳利 90 天 风险等级 R4 中高 高于客户风险承受能力 C2 谨慎，不得销售"
    set_language("en")
    r5 = check(verdict(product=product(_C.WEALTH, 5), staff=staff(_Q.WEALTH_BASIC)), "salesperson")
    assert check_reason(r5) == "An R5 product needs AFP or CFP or EFP; salesperson 李经理 has none"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_assessment_refusals_and_incomplete_answers_read_in_both_languages(lang: str) -> None:
    texts = catalog(lang)
    for code in ("answers_incomplete", "answers_unknown", "assess_limit_day", "assess_limit_year"):
        assert f"error.{code}" in texts
    assert "{" not in texts["error.assess_limit_day"] + texts["error.assess_limit_year"]  # raised without params


# --- the order of a client's writes ------------------------------------------------------------------------------

INSTANTS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(dt.UTC)
)


@given(now=INSTANTS, not_before=st.lists(INSTANTS, max_size=4), after=st.lists(INSTANTS, max_size=4))
def test_a_write_is_stamped_at_the_first_instant_the_clients_history_allows(
    now: dt.datetime, not_before: list[dt.datetime], after: list[dt.datetime]
) -> None:
    """``now`` when the history holds nothing later; else the earliest instant no earlier than ``not_before`` and
    strictly after ``after`` (a microsecond, the finest both backends keep)."""
    stamped = rules.stamp(now, not_before=not_before, after=after)
    assert stamped.tzinfo is not None and stamped >= now
    assert all(stamped >= at for at in not_before) and all(stamped > at for at in after)
    assert stamped in {now, *not_before, *(at + rules.TICK for at in after)}
    if all(at <= now for at in not_before) and all(at < now for at in after):
        assert stamped == now


# --- private placements: the least purchase by asset type (资管新规) -------------------------------------------------

LEAST = {
    _A.FIXED_INCOME: Decimal("300000"), _A.MIXED: Decimal("400000"), _A.EQUITY: Decimal("1000000"),
    _A.COMMODITY: Decimal("1000000"),
}  # fmt: skip


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000000"), places=2),
    own_min=st.decimals(min_value=Decimal("0"), max_value=Decimal("2000000"), places=2),
    private=st.booleans(),
    asset_type=st.none() | st.sampled_from(list(_A)),
    raised=st.dictionaries(st.sampled_from(list(_A)), st.integers(0, 1_500_000)),
)
def test_a_private_placement_is_bought_for_at_least_its_asset_types_minimum_or_the_policys_higher_one(
    amount: Decimal, own_min: Decimal, private: bool, asset_type: _A | None, raised: dict[_A, int]
) -> None:
    """The regulator's ¥300,000 fixed income, ¥400,000 mixed, ¥1,000,000 equity and commodities; a policy may raise
    each; a product without an asset type is held to the strictest; the product's own higher minimum counts too."""
    policy = POLICY.model_copy(
        update={"suitability": POLICY.suitability.model_copy(
            update={f"private_min_{a.value}": LEAST[a] + extra for a, extra in raised.items()}
        )}
    )  # fmt: skip
    by_type = {a: LEAST[a] + raised.get(a, 0) for a in _A}
    sold = product(min_amount=own_min, private_placement=private, asset_type=asset_type)
    line = check(verdict(product=sold, amount=amount, client=client(avg_3m="90000000"), policy=policy), "min_amount")
    law = by_type[asset_type] if asset_type else max(by_type.values())
    least = max(own_min, law) if private else own_min
    assert rules.minimum_amount(sold, policy) == least
    assert line.passed == (amount >= least)
    if line.passed:
        return
    below_law = private and own_min < law
    expected = (
        "min_amount.fail" if not below_law else "min_amount.private_typed" if asset_type else "min_amount.private"
    )
    assert line.reason_key == expected
    for language in LANGUAGES:
        set_language(language)
        reason = check_reason(line)
        assert f"{least:,.2f}" in reason
        if below_law and asset_type is not None:
            assert catalog(language)[f"asset_type.{asset_type.value}"] in reason
    set_language("zh_CN")


@pytest.mark.parametrize("asset_type", list(_A))
def test_a_policy_below_an_asset_types_minimum_is_refused_and_the_minimum_itself_taken(asset_type: _A) -> None:
    key = f"private_min_{asset_type.value}"
    with pytest.raises(ValueError, match=r"policy\.floor_at_least"):
        Suitability.model_validate({key: LEAST[asset_type] - Decimal("0.01")})
    assert Suitability.model_validate({key: LEAST[asset_type]}).private_min(asset_type) == LEAST[asset_type]


def test_only_a_wealth_product_has_an_asset_type() -> None:
    with pytest.raises(ValueError, match=r"value\.asset_type_wealth_only"):
        product(_C.FUND, asset_type=_A.EQUITY)
    assert product(asset_type=_A.EQUITY).asset_type is _A.EQUITY
