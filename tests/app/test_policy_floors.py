"""The branch policy can tighten the regulator's limits, never loosen them, and every number in it is bounded."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Union

import annotated_types
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from csm_tui import policy as policy_module
from csm_tui.domain.enums import Disposition, ProductCategory, RiskLevel
from csm_tui.i18n import error_reason, set_language
from csm_tui.policy import MAX_AMOUNT, MAX_DAYS, Assessment, Policy, PolicyError, Questionnaire, load_policy
from csm_tui.regulation import FLOORS, AtLeast, AtMost, Contains, Includes, Keeps, NoneOf, OnlyOf
from csm_tui.rules.cadence import Cadence, ContactState

_C = ProductCategory


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(write(tmp_path, text))
    return caught.value


def nested(key: str, value: Any) -> dict[str, Any]:
    """``{"assessment": {"max_per_day": 3}}`` for ``assessment.max_per_day`` (a shorter validity with no reuse)."""
    section, name = key.split(".")
    return {section: {name: value} | ({"reuse_months": 0} if name == "validity_months" else {})}


def error_of(key: str, value: Any) -> dict[str, Any] | None:
    """The first error of a policy setting ``key`` to ``value`` (others at their defaults), or None if it is taken."""
    try:
        Policy.model_validate(nested(key, value))
    except ValidationError as exc:
        first = exc.errors()[0]
        return {"key": ".".join(str(p) for p in first["loc"]), "type": first["type"], "ctx": first.get("ctx", {})}
    return None


# --- the table of floors is the policy's -------------------------------------------------------------------------


def _floors_on(model: type[BaseModel], prefix: str = "") -> dict[str, object]:
    found: dict[str, object] = {}
    for name, field in model.model_fields.items():
        for marker in field.metadata:
            if isinstance(marker, AtMost | AtLeast | OnlyOf | NoneOf | Keeps | Includes | Contains):
                found[f"{prefix}{name}"] = marker
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            found |= _floors_on(field.annotation, f"{prefix}{name}.")
    return found


def test_every_floor_of_the_table_is_on_the_field_its_key_names() -> None:
    assert _floors_on(Policy) == FLOORS


def test_the_shipped_defaults_are_within_every_floor() -> None:
    defaults = Policy()
    for key, floor in FLOORS.items():
        value: Any = defaults
        for name in key.split("."):
            value = getattr(value, name)
        assert floor.check(value) == value


# --- each floor: the loosening value refused with the key and the limit, the limit itself taken -------------------


@pytest.mark.parametrize(
    ("key", "loosening", "limit"),
    [
        ("assessment.max_per_day", 10, 2),
        ("assessment.max_per_day", 3, 2),
        ("assessment.max_per_year", 50, 8),
        ("assessment.max_per_year", 9, 8),
        ("assessment.validity_months", 13, 12),
        ("assessment.elderly_age", 100, 65),
        ("assessment.elderly_age", 66, 65),
        ("suitability.cooling_off_hours", 0, 24),
        ("suitability.cooling_off_hours", 23, 24),
        ("suitability.private_min_fixed_income", 100000, 300000),
        ("suitability.private_min_mixed", 399999, 400000),
        ("suitability.private_min_equity", 300000, 1000000),
        ("suitability.private_min_commodity", 999999, 1000000),
    ],
)
def test_a_number_beyond_the_regulators_limit_is_refused_and_the_limit_taken(
    tmp_path: Path, key: str, loosening: int, limit: int
) -> None:
    section, name = key.split(".")
    error = refusal(tmp_path, f"[{section}]\n{name} = {loosening}\n")
    assert error.key == key
    assert error.code in {"policy.floor_at_most", "policy.floor_at_least"}
    assert str(limit) in error.reason
    policy = load_policy(write(tmp_path, f"[{section}]\n{name} = {limit}\n"))
    assert getattr(getattr(policy, section), name) == limit


@pytest.mark.parametrize(
    ("key", "categories"),
    [
        ("suitability.insisted_sale_categories", ["fund", "wealth"]),
        ("suitability.insisted_sale_categories", ["insurance"]),
        ("suitability.insisted_sale_categories", ["wealth"]),
        ("suitability.dual_recording_exempt", ["bond", "metal", "wealth"]),
        ("suitability.dual_recording_exempt", ["fund"]),
        ("suitability.dual_recording_exempt", ["insurance"]),
    ],
)
def test_a_category_the_regulator_keeps_out_is_refused(tmp_path: Path, key: str, categories: list[str]) -> None:
    section, name = key.split(".")
    listed = ", ".join(f'"{c}"' for c in categories)
    error = refusal(tmp_path, f"[{section}]\n{name} = [{listed}]\n")
    assert error.key == key
    assert error.code in {"policy.floor_only_of", "policy.floor_none_of"}


def test_the_insisted_path_can_be_narrowed_to_nothing_and_exemptions_dropped(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "[suitability]\ninsisted_sale_categories = []\ndual_recording_exempt = []\n"))
    assert policy.suitability.insisted_sale_categories == ()
    assert policy.suitability.dual_recording_exempt == ()


@pytest.mark.parametrize(("key", "floor"), [(k, f) for k, f in FLOORS.items() if isinstance(f, AtMost | AtLeast)])
@settings(max_examples=60, deadline=None)
@given(offset=st.integers(-1000, 1000))
def test_any_number_beyond_a_floor_is_refused_and_any_within_it_taken(
    key: str, floor: AtMost | AtLeast, offset: int
) -> None:
    value = floor.limit + offset  # around the limit: a count of days, or a private placement's ¥300,000
    error = error_of(key, value)
    beyond = value > floor.limit if isinstance(floor, AtMost) else value < floor.limit
    if beyond:
        assert error is not None and error["key"] == key
        assert error["type"] == ("policy.floor_at_most" if isinstance(floor, AtMost) else "policy.floor_at_least")
        assert error["ctx"]["limit"] == floor.limit
    elif error is not None:  # within the floor: refused only by the key's own sane bounds
        assert error["type"] in {"greater_than_equal", "less_than_equal"}, error


@settings(max_examples=100, deadline=None)
@given(st.sets(st.sampled_from(list(ProductCategory))), st.sets(st.sampled_from(list(ProductCategory))))
def test_any_category_set_is_taken_exactly_when_the_regulator_allows_it(
    insisted: set[ProductCategory], exempt: set[ProductCategory]
) -> None:
    insisting_ok = insisted <= {_C.FUND}
    exempting_ok = not exempt & {_C.WEALTH, _C.FUND, _C.INSURANCE}
    values = {"insisted_sale_categories": sorted(insisted), "dual_recording_exempt": sorted(exempt)}
    checks = (("insisted_sale_categories", insisting_ok), ("dual_recording_exempt", exempting_ok))
    expected = {name for name, ok in checks if not ok}
    try:
        Policy.model_validate({"suitability": values})
    except ValidationError as exc:
        assert {str(e["loc"][-1]) for e in exc.errors()} == expected
        return
    assert expected == set()


# --- the bands: strictly inside the questionnaire's score range, every level reachable -----------------------------


@pytest.mark.parametrize(
    "bands",
    [
        [1, 2, 3, 4],  # every client C5
        [120, 130, 140, 150],  # every client C1
        [10, 65, 80, 95],  # no score is C1
        [50, 65, 80, 120],  # no score is C5
        [50, 51, 80, 95],  # C2 only at 51, and every score is even
    ],
)
def test_bands_that_leave_a_level_unreachable_are_refused(tmp_path: Path, bands: list[int]) -> None:
    error = refusal(tmp_path, f"[assessment]\nbands = {bands}\n")
    assert (error.key, error.code) == ("assessment.bands", "policy.bands_unreachable")


def test_the_bands_are_judged_against_the_policys_own_questionnaire(tmp_path: Path) -> None:
    five_points = "[assessment.questionnaire]\npoints = [1, 2, 3, 4, 5]\n"  # 12 questions: 12–60
    error = refusal(tmp_path, five_points)  # the default bands (50, 65, 80, 95) leave C3–C5 out
    assert (error.key, error.code) == ("assessment.bands", "policy.bands_unreachable")
    policy = load_policy(write(tmp_path, f"[assessment]\nbands = [20, 30, 40, 50]\n{five_points}"))
    assert {policy.assessment.level_for(s) for s in policy.assessment.questionnaire.scores()} == set(RiskLevel)


@pytest.mark.usefixtures("english")
def test_an_unreachable_level_is_named_with_the_score_range(tmp_path: Path) -> None:
    error = refusal(tmp_path, "[assessment]\nbands = [1, 2, 3, 4]\n")
    assert "24–120" in error.reason and "C1, C2, C3, C4" in error.reason


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 3),
    st.lists(st.integers(0, 10), min_size=2, max_size=4, unique=True).map(sorted),
    st.lists(st.integers(-2, 42), min_size=4, max_size=4, unique=True).map(sorted),
)
def test_bands_are_taken_exactly_when_every_level_is_some_scores_level(
    questions: int, points: list[int], bands: list[int]
) -> None:
    scores = {sum(answers) for answers in itertools.product(points, repeat=questions)}
    levels = {1 + sum(score > upper for upper in bands) for score in scores}
    questionnaire = {"questions": [f"q{n}" for n in range(questions)], "points": points}
    try:
        Assessment.model_validate({"questionnaire": questionnaire, "bands": bands})
    except ValidationError as exc:
        assert [e["type"] for e in exc.errors()] == ["policy.bands_unreachable"]
        assert levels != {1, 2, 3, 4, 5}
        return
    assert levels == {1, 2, 3, 4, 5}


def test_the_questionnaires_scores_are_every_sum_of_its_answers() -> None:
    assert Questionnaire().scores() == frozenset(range(24, 121, 2))
    assert Questionnaire(questions=("a", "b"), points=(0, 3)).scores() == {0, 3, 6}


# --- the sane bounds of every number ----------------------------------------------------------------------------------

_BOUNDS = (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt)


def _number_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, Any, list[object]]]:
    """(key, leaf annotation, its bounds and floors) of every number a policy file can set, in sections, lists
    and tables alike."""
    for name, field in model.model_fields.items():
        yield from _numbers_in(f"{prefix}{name}", field.annotation, list(field.metadata))


def _numbers_in(key: str, annotation: Any, metadata: list[object]) -> Iterator[tuple[str, Any, list[object]]]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        extra = [m for a in args[1:] for m in (getattr(a, "metadata", None) or [a])]
        yield from _numbers_in(key, args[0], metadata + extra)
    elif origin in (Union, types.UnionType):
        for arg in args:
            if arg is not type(None):
                yield from _numbers_in(key, arg, metadata)
    elif origin is tuple:
        for arg in args:
            if arg is not Ellipsis:
                yield from _numbers_in(f"{key}[]", arg, [])
    elif origin is dict:
        yield from _numbers_in(f"{key}{{}}", args[1], [])
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _number_fields(annotation, f"{key}.")
    elif annotation in (int, Decimal):
        yield key, annotation, metadata


def test_every_number_in_the_policy_has_a_lower_and_an_upper_bound() -> None:
    numbers = list(_number_fields(Policy))
    assert len(numbers) > 40
    for key, _, metadata in numbers:
        if key.startswith("assessment.bands"):
            continue  # bounded by the questionnaire's score range (above)
        lower = any(isinstance(m, annotated_types.Ge | annotated_types.Gt | AtLeast) for m in metadata)
        upper = any(isinstance(m, annotated_types.Le | annotated_types.Lt | AtMost) for m in metadata)
        assert lower and upper, key


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [
        ("calls.firm_decline_quiet_days", 100_000_000, "less_than_equal"),
        ("calls.interested_days", 1_000_000_000, "less_than_equal"),
        ("calls.polite_decline_call_days", MAX_DAYS + 1, "less_than_equal"),
        ("calls.maturity_lead_days", -1, "greater_than_equal"),
        ("calls.snooze_minutes", 24 * 60 + 1, "less_than_equal"),
        ("calls.no_answer_retry_minutes", 10**9, "less_than_equal"),
        ("calls.idle_deposit_min", "-0.01", "value.money_negative"),
        ("tiers.quick_wealth", -5, "value.money_negative"),
        ("tiers.wode", "10000000000.01", "less_than_equal"),
        ("suitability.cooling_off_hours", 24 * 30 + 1, "less_than_equal"),
        ("checklist.new_product_days", 91, "less_than_equal"),
        ("assessment.reuse_months", -1, "greater_than_equal"),
        ("assessment.max_per_day", 0, "greater_than_equal"),
        ("assessment.elderly_age", 49, "greater_than_equal"),
    ],
)
def test_a_number_beyond_its_bound_is_refused_at_load_with_the_key(
    tmp_path: Path, key: str, value: object, kind: str
) -> None:
    section, name = key.split(".")
    written = f'"{value}"' if isinstance(value, str) else value
    error = refusal(tmp_path, f"[{section}]\n{name} = {written}\n")
    assert (error.key, error.code) == (key, kind)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[assessment.questionnaire]\npoints = [2, 4, 6, 8, 101]\n", "assessment.questionnaire.points.4"),
        ("[scorecard.indicators.calls.targets]\nsenior = 10000000001\n", "scorecard.indicators.calls.targets.senior"),
        ("[scorecard.indicators.compliance]\ndeduction = 101\n", "scorecard.indicators.compliance.deduction"),
        ("[scorecard.mystery_points]\ngreeting = 101\n", "scorecard.mystery_points.greeting"),
        ("[calendar]\nworking_weekdays = [0, 7]\n", "calendar.working_weekdays.1"),
        ("[calendar]\nworking_weekdays = []\n", "calendar.working_weekdays"),
        (
            '[[cross_sell.rules]]\ncode = "r"\nwhen = "maturing"\nwithin_days = 3651\noffer_category = "fund"\n',
            "cross_sell.rules.0.within_days",
        ),
        (
            '[[cross_sell.rules]]\ncode = "r"\nwhen = "idle_balance"\nmin_amount = -1\nservice = "auto_pay"\n',
            "cross_sell.rules.0.min_amount",
        ),
    ],
)
def test_numbers_in_lists_and_tables_are_bounded_too(tmp_path: Path, text: str, key: str) -> None:
    assert refusal(tmp_path, text).key == key


def test_the_bounds_themselves_are_taken(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            f"[calls]\nfirm_decline_quiet_days = {MAX_DAYS}\ninterested_days = {MAX_DAYS}\n"
            f'[tiers]\nquick_wealth = 0\njiaoyin = 1\nwode = "{MAX_AMOUNT}"\n',
        )
    )
    assert policy.calls.firm_decline_quiet_days == MAX_DAYS and policy.tiers.wode == MAX_AMOUNT


def test_the_call_cadence_works_at_the_largest_intervals() -> None:
    """The values that once broke the queue and every "interested" save, at their bound, still give dates."""
    calls = {name: MAX_DAYS for name in Policy().calls.model_dump() if name.endswith("_days")}
    policy = Policy.model_validate({"calls": calls | {"snooze_minutes": 24 * 60, "no_answer_retry_minutes": 24 * 60}})
    cadence = Cadence(policy)
    now = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
    today = now.date()
    for outcome in Disposition:  # a time agreed on Monday, 10:00
        cadence.after_contact(outcome, now, ContactState(), at=now + dt.timedelta(days=3))
    assert cadence.quiet_since(today) == today - dt.timedelta(days=MAX_DAYS - 1)
    assert cadence.after_days(today, MAX_DAYS) >= today + dt.timedelta(days=MAX_DAYS)


# --- no library's English reaches the user -------------------------------------------------------------------------


def _leaf_keys(values: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in values.items():
        if isinstance(value, dict) and value:
            keys += _leaf_keys(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    return keys


LEAF_KEYS = _leaf_keys(Policy().model_dump())
odd_values = st.one_of(
    st.integers(-(10**12), 10**12),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.text(alphabet="ab1-_é中", max_size=5),
    st.booleans(),
    st.lists(st.one_of(st.integers(-5, 200), st.text(alphabet="ab1-_é中", max_size=3)), max_size=6),
    st.dictionaries(st.text(alphabet="ab1_", max_size=3), st.integers(), max_size=2),
    st.dates(),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LEAF_KEYS), odd_values)
def test_a_refusal_is_told_in_chinese_never_in_pydantics_english(key: str, value: Any) -> None:
    set_language("zh_CN")
    override: dict[str, Any] = {}
    *sections, name = key.split(".")
    table = override
    for section in sections:
        table = table.setdefault(section, {})
    table[name] = value
    try:
        Policy.model_validate(policy_module._merge(Policy().model_dump(), override))
    except ValidationError as exc:
        first = exc.errors()[0]
        reason = error_reason(first)
        assert reason != first["msg"]
        assert not re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", reason), (key, value, reason)


def test_a_value_where_a_table_belongs_is_named_as_such(tmp_path: Path) -> None:
    set_language("zh_CN")
    error = refusal(tmp_path, "[cross_sell]\nrules = [0]\n")
    assert (error.key, error.reason) == ("cross_sell.rules.0", "应为表（如 [名称]）")


# --- a policy built in code is held to the same limits -----------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "update"),
    [
        ("assessment", {"max_per_day": 10}),
        ("assessment", {"elderly_age": 100}),
        ("suitability", {"insisted_sale_categories": (_C.FUND, _C.WEALTH)}),
        ("suitability", {"dual_recording_exempt": (_C.INSURANCE,)}),
        ("suitability", {"cooling_off_hours": 0}),
        ("calls", {"firm_decline_quiet_days": 100_000_000}),
        ("calls", {"daily_targett": 12}),
    ],
)
def test_a_copy_with_an_update_is_validated_like_a_file(section: str, update: dict[str, Any]) -> None:
    """pydantic's own ``model_copy(update=…)`` takes the update unchecked: a loosened copy would reach the services."""
    with pytest.raises(ValidationError):
        getattr(Policy(), section).model_copy(update=update)
    with pytest.raises(ValidationError):
        Policy().model_copy(update={section: getattr(Policy(), section).model_dump() | update})


def test_a_copy_within_the_limits_is_taken() -> None:
    assessment = Policy().assessment.model_copy(update={"max_per_day": 1})
    policy = Policy().model_copy(update={"assessment": assessment})
    assert policy.assessment.max_per_day == 1 and isinstance(policy.assessment, Assessment)


def test_the_default_bands_are_judged_against_a_questionnaire_given_in_code() -> None:
    one_question = Questionnaire(questions=("q1",))  # scores 2–10: the default bands put everyone in C1
    with pytest.raises(ValidationError) as caught:
        Assessment(questionnaire=one_question)
    assert [e["type"] for e in caught.value.errors()] == ["policy.bands_unreachable"]
    assert Assessment(questionnaire=one_question, bands=(2, 4, 6, 8)).level_for(10) is RiskLevel.C5


# --- the screening questions the lowest category rests on ---------------------------------------------------------


@pytest.mark.parametrize(
    "screening",
    [
        "screening = []\n",  # no question puts a client who accepts no loss in the lowest category
        'screening = [{ code = "s1", lowest_on = "B" }]\n',
        'screening = [{ code = "s1", lowest_on = "A" }, { code = "s2", lowest_on = "B" }]\n',  # answers turned round
    ],
)
def test_the_screening_questions_of_the_lowest_category_cannot_be_dropped_or_turned(
    tmp_path: Path, screening: str
) -> None:
    error = refusal(tmp_path, f"[assessment.questionnaire]\n{screening}")
    assert (error.key, error.code) == ("assessment.questionnaire.screening", "policy.floor_keeps")


def test_a_screening_question_may_be_added_to_the_regulators() -> None:
    screening = [{"code": "s1", "lowest_on": "B"}, {"code": "s2", "lowest_on": "A"}, {"code": "s3", "lowest_on": "A"}]
    policy = Policy.model_validate({"assessment": {"questionnaire": {"screening": screening}}})
    assert [s.code for s in policy.assessment.questionnaire.screening] == ["s1", "s2", "s3"]


@pytest.mark.usefixtures("english")
def test_the_kept_screening_questions_are_named_with_their_answers(tmp_path: Path) -> None:
    error = refusal(tmp_path, "[assessment.questionnaire]\nscreening = []\n")
    assert "s1 (B), s2 (A)" in error.reason


# --- a yes/no is no number --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[assessment]\nmax_per_day = true\n", "assessment.max_per_day"),  # pydantic alone takes it as 1
        ("[assessment]\nreuse_months = false\n", "assessment.reuse_months"),
        ("[calls]\nno_answer_retries_same_day = true\n", "calls.no_answer_retries_same_day"),
        ("[tiers]\nnear_share = true\n", "tiers.near_share"),
        ("[calendar]\nworking_weekdays = [0, true]\n", "calendar.working_weekdays"),
        ("[scorecard.indicators.calls.targets]\nsenior = true\n", "scorecard.indicators.calls.targets"),
    ],
)
def test_a_true_or_false_where_a_number_belongs_is_refused(tmp_path: Path, text: str, key: str) -> None:
    error = refusal(tmp_path, text)
    assert (error.key, error.code) == (key, "policy.boolean")


# --- the calendar keeps a working day in every year ----------------------------------------------------------------


def _mondays(first: dt.date, weeks: int) -> str:
    return ", ".join(str(first + dt.timedelta(weeks=n)) for n in range(weeks))


def test_holidays_that_leave_no_working_day_for_a_year_are_refused(tmp_path: Path) -> None:
    """Every Monday of 53 weeks a holiday with Monday the only working day: the queue could find no next working
    day, and every screen that asks for one failed."""
    text = f"[calendar]\nworking_weekdays = [0]\nholidays = [{_mondays(dt.date(2026, 11, 30), 53)}]\n"
    error = refusal(tmp_path, text)
    assert (error.key, error.code) == ("calendar", "policy.no_working_day")


def test_a_long_holiday_broken_by_one_working_day_is_taken(tmp_path: Path) -> None:
    extra = dt.date(2027, 6, 5)  # a Saturday worked (调休) inside the run
    mondays = _mondays(dt.date(2026, 11, 30), 53)
    text = f"[calendar]\nworking_weekdays = [0]\nholidays = [{mondays}]\nextra_working_days = [{extra}]\n"
    policy = load_policy(write(tmp_path, text))
    assert Cadence(policy).next_working_day_after(dt.date(2026, 11, 29)) == extra
    shorter = f"[calendar]\nworking_weekdays = [0]\nholidays = [{_mondays(dt.date(2026, 11, 30), 51)}]\n"
    calendar = load_policy(write(tmp_path, shorter)).calendar  # closed 2026-11-24 to 2027-11-21: 363 days
    assert calendar.next_working_day(dt.date(2026, 11, 24)) == dt.date(2027, 11, 22)
