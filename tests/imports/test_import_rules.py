"""Properties of the import's pure parts, with generated data: cells, rows, headers and balance spans."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal

from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from csm_tui.domain.enums import Role, TaskKind
from csm_tui.i18n import set_language
from csm_tui.services.imports.assign import LeastLoaded
from csm_tui.services.imports.balances import assets, merge, spans_of
from csm_tui.services.imports.cell_values import RowError, enum_cell, parse_date
from csm_tui.services.imports.columns import COLUMNS, ImportKind, match_headers
from csm_tui.services.imports.model import Span, StaffRef
from csm_tui.services.imports.records import BUILDERS, Lookups, balance_record, client_record

LOOKUPS = Lookups(
    tz="Asia/Shanghai",
    now=dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC),
    today=dt.date(2026, 11, 27),
    staff={"csm01": StaffRef(7, Role.CSM, True, 1), "t1": StaffRef(8, Role.TELLER, True, 1)},
    outlets={"SH001": 1},
    clients={"C1": 11},
    products={"WM001": 3},
)

birth_dates = st.dates(dt.date(1920, 1, 1), dt.date(2008, 12, 31))
resident_ids = st.builds(
    lambda born, seq: (body := f"310104{born:%Y%m%d}{seq:03d}") + ric.calc_check_digit(body + "0"),
    birth_dates,
    st.integers(0, 999),
)
mobiles = st.builds(
    lambda p, n: f"{p}{n:08d}", st.sampled_from(["138", "139", "150", "186", "199"]), st.integers(0, 10**8 - 1)
)
names = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4)
cells = st.text(max_size=30)


@given(number=st.from_regex(r"C[0-9]{6,12}", fullmatch=True), name=names, rid=resident_ids, mobile=mobiles)
def test_a_valid_client_row_is_taken_as_written(number: str, name: str, rid: str, mobile: str) -> None:
    row = {"number": number, "name": name, "resident_id": rid, "mobile": mobile, "manager": "csm01"}
    key, values = client_record(row, LOOKUPS)
    assert key == number
    assert values == {
        "number": number, "name": name, "resident_id": rid, "mobile": mobile, "manager_id": 7, "outlet_id": 1,
    }  # fmt: skip


@given(st.sampled_from(list(ImportKind)), st.data())
def test_any_row_is_either_taken_or_refused_with_a_column_and_a_reason(kind: ImportKind, data: st.DataObject) -> None:
    row = {c.field: data.draw(cells, label=c.field) for c in COLUMNS[kind]}
    try:
        BUILDERS[kind](row, LOOKUPS)
    except RowError as exc:
        assert exc.reason and exc.field in {c.field for c in COLUMNS[kind]}


@given(st.integers(-(10**6), 10**6).map(lambda fen: Decimal(fen) / 100))
def test_a_negative_balance_is_refused_and_others_are_kept_to_the_fen(amount: Decimal) -> None:
    row = {"client": "C1", "day": "2026-11-20", "balance": str(amount)}
    if amount < 0:
        try:
            balance_record(row, LOOKUPS)
        except RowError as exc:
            assert exc.field == "balance"
        else:
            raise AssertionError("negative balance taken")
    else:
        assert balance_record(row, LOOKUPS)[1]["balance"] == amount


@given(
    st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)), st.sampled_from(["{:%Y-%m-%d}", "{:%Y%m%d}", "{:%Y/%m/%d}"])
)
def test_dates_in_the_bank_s_forms(day: dt.date, form: str) -> None:
    assert parse_date(form.format(day)) == day


@given(st.sampled_from(list(TaskKind)), st.sampled_from(["zh_CN", "en"]))
def test_a_code_reads_back_from_its_label_in_either_language(kind: TaskKind, lang: str) -> None:
    from csm_tui.i18n import label

    set_language(lang)
    try:
        assert enum_cell("kind", label(kind), TaskKind) is kind
        assert enum_cell("kind", kind.value.upper(), TaskKind) is kind
    finally:
        set_language("zh_CN")


@given(st.permutations(["客户号", "Date", " 余额 ", "备注"]))
def test_headers_match_in_any_order_language_and_spacing(headers: list[str]) -> None:
    found = match_headers(ImportKind.BALANCES, headers)
    assert {f: headers[i] for f, i in found.items()} == {"client": "客户号", "day": "Date", "balance": " 余额 "}


day_values = st.dictionaries(
    st.integers(0, 40).map(lambda n: dt.date(2026, 10, 1) + dt.timedelta(days=n)),
    st.sampled_from([Decimal("0.00"), Decimal("1.00"), Decimal("2.50")]),
    max_size=30,
)


def daily(spans: list[Span]) -> dict[dt.date, Decimal]:
    days: dict[dt.date, Decimal] = {}
    for span in spans:
        day = span.first
        while day <= span.last:
            assert day not in days, "spans overlap"
            days[day] = span.balance
            day += dt.timedelta(days=1)
    return days


@given(held=day_values, new=day_values.filter(bool))
def test_merging_days_into_spans_keeps_every_day_and_joins_equal_neighbours(
    held: dict[dt.date, Decimal], new: dict[dt.date, Decimal]
) -> None:
    spans = [Span(1, s.first, s.last, s.balance, id=i) for i, s in enumerate(spans_of(1, held))]
    change = merge(1, spans, new)
    assert change.new == len(new.keys() - held.keys())
    assert change.unchanged == sum(1 for d, v in new.items() if held.get(d) == v)
    assert change.updated == len(new) - change.new - change.unchanged
    gone = {s.id for s in change.delete}
    result = [s for s in spans if s.id not in gone] + change.insert
    assert daily(result) == held | new
    ordered = sorted(result, key=lambda s: s.first)
    for a, b in itertools.pairwise(ordered):
        assert not (b.first == a.last + dt.timedelta(days=1) and a.balance == b.balance), "equal neighbours not joined"
    if not (change.new or change.updated):
        assert not change.delete and not change.insert


@given(held=day_values)
def test_the_average_counts_days_not_held_as_zero(held: dict[dt.date, Decimal]) -> None:
    window = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    result = assets(1, spans_of(1, held), window)
    inside = sum((v for d, v in held.items() if window[0] <= d <= window[1]), Decimal(0))
    assert result.avg_3m == (inside / 31).quantize(Decimal("0.01"), ROUND_FLOOR)  # never rounded up onto a tier
    assert result.balance == held.get(window[1], Decimal("0.00"))


# --- new clients to CSMs by rule (least loaded) ----------------------------------------------------------------

staff_refs = st.dictionaries(
    st.from_regex(r"[a-z]{1,4}[0-9]{0,2}", fullmatch=True),
    st.builds(StaffRef, st.just(0), st.sampled_from(list(Role)), st.booleans(), st.sampled_from([None, 1, 2])),
    max_size=12,
).map(lambda refs: {login: replace(ref, id=n) for n, (login, ref) in enumerate(sorted(refs.items()), start=1)})


@given(k=st.integers(1, 12), start=st.integers(0, 50), n=st.integers(0, 300), by_outlet=st.booleans())
def test_new_clients_spread_evenly_over_csms_of_equal_loads(k: int, start: int, n: int, by_outlet: bool) -> None:
    staff = {f"csm{i:02d}": StaffRef(i, Role.CSM, True, 1) for i in range(k)}
    chooser = LeastLoaded(staff, dict.fromkeys(range(k), start), by_outlet=by_outlet)
    given = Counter(chosen[1].id for _ in range(n) if (chosen := chooser.choose(1)) is not None)
    loads = [start + given[i] for i in range(k)]
    assert given.total() == n and max(loads) - min(loads) <= 1


@given(staff=staff_refs, loads=st.lists(st.integers(0, 30), min_size=12, max_size=12), data=st.data())
def test_only_active_csms_of_the_scope_are_chosen_each_the_least_loaded_then_first_by_login(
    staff: dict[str, StaffRef], loads: list[int], data: st.DataObject
) -> None:
    by_outlet = data.draw(st.booleans(), label="by_outlet")
    outlets = data.draw(st.lists(st.sampled_from([None, 1, 2, 3]), max_size=40), label="outlets")
    held = {ref.id: loads[ref.id - 1] for ref in staff.values()}
    chooser = LeastLoaded(staff, held, by_outlet=by_outlet)
    counted = dict(held)
    for outlet in outlets:
        candidates = [
            (counted[ref.id], login)
            for login, ref in staff.items()
            if ref.active
            and ref.role is Role.CSM
            and (not by_outlet or (outlet is not None and ref.outlet_id == outlet))
        ]
        chosen = chooser.choose(outlet)
        if not candidates:
            assert chosen is None
            continue
        assert chosen is not None
        login, ref = chosen
        assert staff[login] == ref and (counted[ref.id], login) == min(candidates)
        counted[ref.id] += 1


@given(staff=staff_refs, outlets=st.lists(st.sampled_from([None, 1, 2]), max_size=30), by_outlet=st.booleans())
def test_the_choice_is_deterministic_whatever_order_the_staff_come_in(
    staff: dict[str, StaffRef], outlets: list[int | None], by_outlet: bool
) -> None:
    def run(refs: dict[str, StaffRef]) -> list[int | None]:
        chooser = LeastLoaded(refs, {}, by_outlet=by_outlet)
        return [None if (c := chooser.choose(o)) is None else c[1].id for o in outlets]

    assert run(staff) == run(dict(reversed(list(staff.items()))))
