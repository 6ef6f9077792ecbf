"""The phrase check on the screens: a save whose text holds a forbidden phrase stays in its dialog with the phrase
named and highlighted in place and a field for the reason; changed or confirmed, it saves. Driven through the real
app: a call's outcome note, the day summary, an SMS marked sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.widgets import Input, TextArea

from csm_tui.i18n import catalog
from csm_tui.services.phrase_check import PHRASES_CONFIRMED, PHRASES_REFUSED
from screens.call_session import CallSession
from screens.checklist import ChecklistScreen
from screens.client_detail import ClientDetailScreen
from screens.dialogs import CheckedTextDialog, DaySummaryDialog, OutcomeDialog, ReasonDialog, SmsSentDialog
from screens.sms import SmsScreen
from storage.engine import make_engine
from storage.orm import AuditRow, ContactRow
from tests.support.calls_branch import build_calls_branch
from tests.support.pilot import make_app, open_own_client, open_session, press_settled, settle
from widgets.phrase_panel import PhrasePanel

ZH = catalog("zh_CN")


def _audit(url: str) -> list[tuple[str, dict[str, Any]]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = [(r.action, r.detail) for r in conn.execute(select(AuditRow).order_by(AuditRow.id))]
    engine.dispose()
    return [(a, d) for a, d in found if a.startswith("phrases.")]


def _contacts(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = len(conn.execute(select(ContactRow.id)).all())
    engine.dispose()
    return count


async def test_an_outcome_note_with_a_forbidden_phrase_is_shown_in_place_and_saved_only_with_a_reason(
    tmp_path: Any,
) -> None:
    url = build_calls_branch(tmp_path).url
    app = make_app(url)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_session(pilot)
        assert isinstance(app.screen, CallSession)
        await pilot.press("p")  # politely declined: only a note
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        await pilot.press(*"我说这款稳 赚", "enter")
        await settle(pilot)
        assert app.screen is dialog  # refused: the dialog stays, the note as typed
        panel = str(dialog.query_one(PhrasePanel).render())
        assert "稳赚" in panel and "稳 赚" in panel and ZH["phrases.field.note"] in panel
        note = dialog.query_one("#note", Input)
        assert note.value == "我说这款稳 赚" and sorted(note.selection) == [4, 7]  # the phrase selected in place
        assert "稳赚" in str(dialog.query_one("#dialog-error").render())
        assert dialog.query_one("#phrase-reason", Input).has_focus
        assert _contacts(url) == 0
        await pilot.press(*"客户原话已纠正", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CallSession)
    assert _contacts(url) == 1
    assert [(a, d["phrases"]) for a, d in _audit(url)] == [(PHRASES_REFUSED, ["稳赚"]), (PHRASES_CONFIRMED, ["稳赚"])]
    assert _audit(url)[1][1]["reason"] == "客户原话已纠正"


async def test_a_day_summary_changed_to_drop_the_phrase_saves_without_a_confirmation(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DaySummaryDialog)
        await pilot.press(*"推荐了保本产品", "ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "保本" in str(dialog.query_one(PhrasePanel).render())
        area = dialog.query_one("#text", TextArea)
        assert area.selected_text == "保本"
        area.text = "推荐了稳健产品"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen)
        assert "稳健产品" in str(app.screen.query_one("#summary").render())
    assert [a for a, _ in _audit(demo_url)] == [PHRASES_REFUSED]


async def test_an_sms_text_is_checked_before_it_is_marked_sent(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(SmsScreen(app.ws))
        await settle(pilot)
        assert app.screen.rows  # type: ignore[attr-defined]  # the demo has SMS due for csm01 today
        before = _contacts(demo_url)
        await pilot.press("space")
        await pilot.pause()
        assert isinstance(app.screen, SmsSentDialog)
        await pilot.press(*"【交通银行】新品包赚", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SmsSentDialog) and "包赚" in str(app.screen.query_one(PhrasePanel).render())
        assert _contacts(demo_url) == before
        await pilot.press(*"测试", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SmsScreen)
        assert _contacts(demo_url) == before + 1


async def test_a_skip_note_with_a_forbidden_phrase_is_shown_in_place_and_saved_only_with_a_reason(
    tmp_path: Any,
) -> None:
    url = build_calls_branch(tmp_path).url
    app = make_app(url)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_session(pilot)
        assert isinstance(app.screen, CallSession)
        first = app.screen.item.client_id
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        await pilot.press("1", "tab", *"客户等穩賺的", "enter")
        await settle(pilot)
        assert app.screen is dialog and "稳赚" in str(dialog.query_one(PhrasePanel).render())
        assert sorted(dialog.query_one("#note", Input).selection) == [3, 5]
        await pilot.press(*"客户原话", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CallSession) and app.screen.item.client_id != first
    assert [(a, d["phrases"]) for a, d in _audit(url)] == [(PHRASES_REFUSED, ["稳赚"]), (PHRASES_CONFIRMED, ["稳赚"])]


def test_a_phrase_found_many_times_in_one_field_is_listed_once_with_its_count() -> None:
    from csm_tui.regulation import FORBIDDEN_PHRASES
    from csm_tui.services.phrase_check import find_phrases
    from widgets.phrase_panel import hit_lines

    text = "保本" * 8 + "稳赚"
    shown = hit_lines(find_phrases(text, FORBIDDEN_PHRASES, "note"), {"note": text}).plain.splitlines()
    assert len(shown) == 3  # the heading, 保本 (×8) and 稳赚: an 80×24 dialog keeps its reason field and hint
    assert "“保本”" in shown[1] and "×8" in shown[1] and "“稳赚”" in shown[2]


async def test_a_reveal_reason_with_a_forbidden_phrase_is_shown_in_place_and_the_numbers_only_with_a_reason(
    demo_url: str,
) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen)
        await press_settled(pilot, "r", *"客户问保本产品", "enter")
        dialog = app.screen
        assert isinstance(dialog, CheckedTextDialog) and "保本" in str(dialog.query_one(PhrasePanel).render())
        assert sorted(dialog.query_one("#reason", Input).selection) == [3, 5]  # in place, in the reason typed
        assert screen.revealed is None
        await press_settled(pilot, *"客户原话", "enter")
        assert app.screen is screen and screen.revealed is not None
    expected = [(PHRASES_REFUSED, ["保本"]), (PHRASES_CONFIRMED, ["保本"])]
    assert [(a, d["phrases"]) for a, d in _audit(demo_url)] == expected
