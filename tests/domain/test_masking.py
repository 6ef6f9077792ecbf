"""One masking function for free text (``csm_tui.domain.masking.mask_text``): IDs, mobiles and card numbers as
people type them — full-width digits, spaces, dots and dashes inside, ``+86`` in front — are masked wherever they
stand, in the audit log, in every export (contacts, tasks, the scoreboard; CSV and XLSX) and in an import's error
file."""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from csm_tui.domain.masking import mask_text
from csm_tui.domain.values import mask_mobile, mask_resident_id
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.imports.run import import_file
from csm_tui.services.scoreboard.team_export import export_team
from storage import audit
from storage.engine import make_engine
from storage.orm import ContactRow, StaffRow, TaskRow
from tests.support.branch import open_desk
from tests.support.files import file_text

SEPARATORS = " -.\u3000\uff0d\uff0e\u00a0/_()\uff08\uff09\u3010\u3011"
FULL_WIDTH = 0xFEE0  # '１' - '1'


def visible_digits(text: str) -> str:
    """Every decimal digit of ``text``, in any script, as ASCII."""
    return "".join(str(d) for c in text if (d := unicodedata.decimal(c, None)) is not None)


@st.composite
def written(draw: st.DrawFn, number: str, prefixes: tuple[str, ...] = ("",)) -> str:
    """``number`` as a person might type it: in groups split by separators, digits in either width, after a
    prefix. An ID's check character stays with the digits before it."""
    last_cut = len(number) - (2 if number[-1] in "Xx" else 1)
    cuts = sorted(draw(st.sets(st.integers(1, last_cut), max_size=4)))
    bounds = [0, *cuts, len(number)]
    groups = [number[a:b] for a, b in itertools.pairwise(bounds)]
    separators = [draw(st.text(SEPARATORS, min_size=1, max_size=2)) for _ in groups[1:]]
    text = groups[0] + "".join(s + g for s, g in zip(separators, groups[1:], strict=True))
    wide = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    text = "".join(
        chr(ord(c) + FULL_WIDTH) if w and (c.isdigit() or c == "X") else c for c, w in zip(text, wide, strict=True)
    )
    prefix = draw(st.sampled_from(prefixes))
    return prefix + (draw(st.text(" -", max_size=1)) if prefix else "") + text


digits = st.text("0123456789", min_size=1, max_size=1)
mobiles = st.builds(lambda p, d: "1" + p + d, st.sampled_from("3456789"), st.text("0123456789", min_size=9, max_size=9))
resident_ids = st.builds(
    lambda d, x: d + x, st.text("0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X")
)
around = st.text(st.characters(blacklist_categories=("Nd", "Cs")), max_size=8)


@given(data=st.data(), number=mobiles, before=around, after=around)
@example(data=None, number="13912345678", before="手机 ", after="，请回电")
def test_no_mobile_however_written_survives_masking(
    data: st.DataObject | None, number: str, before: str, after: str
) -> None:
    typed = data.draw(written(number, ("", "+86", "0086", "86", "\uff0b\uff18\uff16"))) if data else number
    masked = mask_text(before + typed + after)
    cc = visible_digits(typed)[: len(visible_digits(typed)) - 11]
    assert visible_digits(masked) == cc + number[:3] + number[-4:]
    assert mask_mobile(number) in masked


@given(data=st.data(), number=resident_ids, before=around, after=around)
def test_no_resident_id_however_written_survives_masking(
    data: st.DataObject, number: str, before: str, after: str
) -> None:
    assume(
        after[:1] not in {"X", "x", "\uff38", "\uff58"}
    )  # an X right after the digits reads as their check character
    masked = mask_text(before + data.draw(written(number)) + after)
    assert visible_digits(masked) == visible_digits(number[:6] + number[-4:])
    assert mask_resident_id(number) in masked


@given(
    first=mobiles,
    second=resident_ids,
    between=st.text(st.characters(blacklist_categories=("Nd", "Cs")), min_size=1, max_size=4),
)
def test_two_numbers_in_one_text_are_both_masked(first: str, second: str, between: str) -> None:
    masked = mask_text(f"{first}{between}{second}")
    assert visible_digits(masked) == visible_digits(first[:3] + first[-4:] + second[:6] + second[-4:])


def hidden_part_shows(number: str, masked: str) -> bool:
    """Whether ``masked`` shows the part of ``number`` its mask hides, next to a part it keeps."""
    shown, plain = visible_digits(masked), visible_digits(number)
    middle = slice(3, 7) if len(number) == 11 else slice(6, 14)
    return plain[: middle.stop] in shown or plain[middle.start :] in shown


@given(
    first=mobiles | resident_ids,
    second=mobiles | resident_ids,
    between=st.text(SEPARATORS + "\u200b", max_size=2),
)
@example(first="13912345678", second="13987654321", between="")
@example(first="13912345678", second="13987654321", between=" ")
def test_numbers_typed_together_never_show_what_their_masks_hide(first: str, second: str, between: str) -> None:
    """Two numbers run together can be read more than one way (``139 1234 5678 139 8765 4321`` reads as an
    18-digit number and four more digits): no reading may show what another hides."""
    assume(all(len(set(number)) >= 6 for number in (first, second)))  # no digits shown by chance elsewhere
    typed = f"{first}{between}{second}"
    masked = mask_text(typed)
    assert not hidden_part_shows(first, masked), (typed, masked)
    assert not hidden_part_shows(second, masked), (typed, masked)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客户手机１３９１２３４５６７８", "客户手机139****5678"),  # full-width
        ("手机 139.1234.5678 已核实", "手机 139****5678 已核实"),  # dots
        ("电话 139-1234-5678", "电话 139****5678"),
        ("+86 13912345678", "+86 139****5678"),
        ("身份证 110105 19491231 002X 核对", "身份证 110105********002X 核对"),  # an ID with spaces
        ("身份证１１０１０５１９４９１２３１００２Ｘ", "身份证110105********002X"),
        ("卡号 6222 0212 3456 7890 123", "卡号 6222***********0123"),  # a 19-digit card in groups of four
        ("账户 62220212345678901", "账户 6222*********8901"),  # a 17-digit account
        ("13912345678 2次", "139****5678 2次"),  # a number after it is no part of it
        ("座机 010-12345678，2026-11-27 10:00 回电", "座机 010-12345678，2026-11-27 10:00 回电"),  # not secrets
        ("金额 1,234,567.89 元", "金额 1,234,567.89 元"),
        ("手机 139\u200b1234\u200b5678", "手机 139****5678"),  # zero-width spaces inside
        ("1391234567813987654321", "139***************4321"),  # two mobiles typed together
        ("139 1234 5678 139 8765 4321", "139 **** **** *** **** 4321"),  # ... in groups: masked in place
        ("手机1391234567８9", "手机139****567８9"),  # a mobile with a digit too many: masked in place
        ("手机 139/1234/5678", "手机 139****5678"),  # slashes, underscores, commas, brackets between the groups
        ("手机 139_1234_5678", "手机 139****5678"),
        ("手机 (139) 1234-5678", "手机 (139****5678"),
        ("手机 139（1234）5678", "手机 139****5678"),
        ("身份证 110105/19491231/002X", "身份证 110105********002X"),
    ],
)
def test_written_forms_the_bank_sees(text: str, expected: str) -> None:
    assert mask_text(text) == expected
    assert mask_text(expected) == expected  # masking twice changes nothing


def test_the_audit_log_masks_with_the_same_function() -> None:
    note = "客户说手机改为１３９ １２３４ ５６７８，身份证 110105 19491231 002X"
    assert audit.mask("note", note) == mask_text(note) == "客户说手机改为139****5678，身份证 110105********002X"


# --- exports ---------------------------------------------------------------------------------------------------

TYPED = {
    "mobile": "13912345678",
    "id": "11010519491231002X",
}
NOTE = "回电 １３９ １２３４ ５６７８；证件 110105.19491231.002X"
FEEDBACK = "客户留了新号 +86 139-1234-5678，身份证号 11010519491231002X"


def leaked(text: str) -> list[str]:
    """The typed numbers found in ``text``, however their digits are spaced or widened there."""
    flat = unicodedata.normalize("NFKC", text)
    flat = re.sub(rf"[{re.escape(SEPARATORS)}+]", "", flat).upper()
    return [name for name, number in TYPED.items() if number in flat or number[3:7] + number[7:] in flat]


@pytest.fixture
def typed_in(demo_url: str) -> str:
    """csm01's open tasks and contact records with an ID and a mobile typed into their notes and feedback."""
    with Session(make_engine(demo_url)) as session, session.begin():
        own = session.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
        session.execute(update(TaskRow).where(TaskRow.staff_id == own).values(note=NOTE))
        session.execute(update(ContactRow).where(ContactRow.staff_id == own).values(note=NOTE, feedback=FEEDBACK))
    return demo_url


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", [ExportKind.TASKS, ExportKind.CONTACTS])
def test_an_id_or_mobile_typed_into_a_note_or_feedback_is_masked_in_the_export(
    typed_in: str, tmp_path: Path, fmt: str, kind: ExportKind
) -> None:
    path = tmp_path / f"{kind.value}.{fmt}"
    assert export_list(open_desk(typed_in, "csm01"), kind, path, days=400) > 0
    text = file_text(path)
    assert "139****5678" in text and "110105********002X" in text
    assert leaked(text) == []


def test_a_number_in_a_staff_name_is_masked_in_the_scoreboard_export(demo_url: str, tmp_path: Path) -> None:
    with Session(make_engine(demo_url)) as session, session.begin():
        session.execute(update(StaffRow).where(StaffRow.login == "csm01").values(name="王芳 139 1234 5678"))
    _rows, path = export_team(open_desk(demo_url, "sup01"), tmp_path / "team.xlsx")
    text = file_text(path)
    assert "王芳 139****5678" in text and leaked(text) == []


# --- an import's error file --------------------------------------------------------------------------------------


def test_an_id_and_a_mobile_in_another_column_are_masked_in_the_import_error_file(
    demo_url: str, tmp_path: Path
) -> None:
    """The address is refused (too long), so its text is the offending value the error file quotes."""
    address = f"上海市徐汇区 身份证 {TYPED['id']} 手机 １３９-１２３４-５６７８ " + "路" * 200
    path = tmp_path / "clients.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["客户号", "姓名", "身份证号码", "手机号码", "联系地址"], ["C9000001", "张三", TYPED["id"], "", address]]
        )
    report = import_file(open_desk(demo_url, "admin"), ImportKind.CLIENTS, path)
    assert report.rejected == 1 and report.errors_path is not None
    text = report.errors_path.read_text(encoding="utf-8-sig")
    assert "联系地址" in text and "110105********002X" in text and "139****5678" in text
    assert leaked(text) == []
    assert leaked(" ".join(p.value + p.reason for p in report.problems)) == []  # nor on the screen
