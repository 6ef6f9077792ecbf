"""The call script's lines wrap where a reader expects a line to end (``widgets.line_breaks``), at any width: a
bracketed unit (``（1–5 分）``, ``(1–5)``) and a number with its unit stay on one line, no line starts with closing
punctuation or ends with opening punctuation (Chinese typesetting's 禁则), a Chinese sentence breaks between its
characters, an English one between words; nothing is lost. The painted script is proved at 80×24 in
``tests/screens/test_readable_screens.py``."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from csm_tui.i18n import catalog
from widgets.line_breaks import NO_LINE_END, NO_LINE_START, Wrapped, wrap

SERVICE = {lang: catalog(lang)["script.questions.service"] for lang in ("zh_CN", "en")}
UNITS = {"zh_CN": "（1–5 分）", "en": "(1–5)?"}
WIDTHS = range(12, 121)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_score_range_is_never_split(lang: str, width: int) -> None:
    lines = wrap(SERVICE[lang], width)
    assert any(UNITS[lang] in line for line in lines), lines
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == SERVICE[lang].replace(" ", "")  # nothing lost but the line-end spaces


@pytest.mark.parametrize("width", range(16, 121))  # the widest unit, "（¥80,000.00），", fits
def test_chinese_lines_keep_the_line_breaking_rules(width: int) -> None:
    text = "您近期购买的私银尊享·权益精选1号(私募)（¥80,000.00），想了解一下您的感受：还满意吗？有问题吗？"
    lines = wrap(text, width)
    assert all(line[0] not in NO_LINE_START and line[-1] not in NO_LINE_END for line in lines), lines
    assert all("(私募)" in line or "私募" not in line for line in lines)
    assert all("（¥80,000.00）" in line or "80,000" not in line for line in lines)
    assert "".join(lines) == text


def test_a_number_keeps_its_unit_and_english_breaks_between_words() -> None:
    assert wrap("Call me again in 3 days please", 18) == ["Call me again in", "3 days please"]
    assert wrap("客户打分 5 分，很满意", 8) == ["客户打分", "5 分，很", "满意"]


def test_a_unit_wider_than_the_line_is_cut_by_cells() -> None:
    assert wrap("（1–5 分）", 6) == ["（1–5", "分）"]


@pytest.mark.parametrize("width", range(8, 21))
def test_a_bracketed_unit_wider_than_the_line_breaks_inside_and_no_line_starts_with_its_closing_bracket(
    width: int,
) -> None:
    text = "首次电话（在客户页按 n 记下）会列在这里"
    lines = wrap(text, width)
    assert all(line[0] not in NO_LINE_START and cell_len(line) <= width for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("width", range(12, 61))
def test_a_styled_line_of_the_call_card_breaks_as_its_text_and_keeps_its_styles(width: int) -> None:
    """The client card's lines carry styles (a bold label, a dim feedback): cut where ``wrap`` cuts the plain text."""
    note = "客户问满意度怎么打（1–5 分），下周三再谈"
    line = Text.assemble(("备注：", "bold"), note, ("  客户反馈：担心有风险", "dim"))
    console = Console(width=width, color_system=None, legacy_windows=False)
    drawn = [[(s.text, s.style) for s in row if s.text] for row in console.render_lines(Wrapped(line), pad=False)]
    assert ["".join(text for text, _ in row) for row in drawn] == wrap(line.plain, width)
    assert all(style and style.bold for row in drawn for text, style in row if "备注" in text)
    assert all(style and style.dim for row in drawn for text, style in row if "担心" in text)


TEXTS = st.text(st.sampled_from("客户满意（1–5 分），。Call me 3 days (ok)\n ¥8"), max_size=60)


@given(TEXTS, st.integers(min_value=2, max_value=40))
def test_a_newline_is_a_hard_break_and_nothing_else_is_lost(text: str, width: int) -> None:
    """A "\\n" ends a line wherever it stands and is never inside one; every other character is kept, in order
    (only the spaces a line ends with are dropped)."""
    lines = wrap(text, width)
    assert not any("\n" in line for line in lines)
    assert len(lines) >= text.count("\n") + 1
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace("\n", "").replace(" ", "")
    kept = iter(text)
    assert all(char in kept for char in "".join(lines))  # in order: a subsequence of the text


@given(TEXTS, st.integers(min_value=2, max_value=40))
def test_a_wrapped_renderable_draws_the_lines_wrap_gives(text: str, width: int) -> None:
    console = Console(width=width, color_system=None, legacy_windows=False)
    drawn = ["".join(s.text for s in row) for row in console.render_lines(Wrapped(text), pad=False)]
    assert drawn == wrap(text, width)


WORDS = st.sampled_from(["dissatisfied", "5 分", "客户", "满意", "（", "）", "(1–5)", "，", "。", "：", "?", " ", "a"])
TEXTS = (
    st.lists(WORDS, max_size=30)
    .map(lambda words: "".join(words).strip())
    .filter(lambda text: not any(a in NO_LINE_START and b in NO_LINE_START for a, b in itertools.pairwise(text)))
)  # (a run of closing marks wider than the line has nowhere to go)


@given(TEXTS, st.integers(min_value=12, max_value=40))
def test_at_any_width_lines_fit_lose_nothing_and_a_closing_mark_starts_a_line_only_after_a_lone_character(
    text: str, width: int
) -> None:
    """Even a word wider than the line, cut by cells, hands its closing mark the character before it."""
    lines = wrap(text, width)
    assert all(cell_len(line) <= width for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for before, line in itertools.pairwise(lines):
        assert line[:1] not in NO_LINE_START or len(before) == 1 or before[-1] in NO_LINE_START, lines
