"""Issue 18: the edit-client dialog (e) showed the full mobile with no reason asked and no audit, while r asks for
one and audits it. Now the dialog shows the mobile masked; a save that leaves it keeps the stored number; Ctrl+R
reveals it through the page's reveal (reason, audit by the service); a new number typed over the masked one is
saved. In both languages, at 80×24, on the demo branch (csm01's first own client)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from textual.pilot import Pilot
from textual.widgets import Input

from csm_tui.domain.values import mask_mobile
from csm_tui.i18n import catalog
from screens.dialogs import CheckedTextDialog, EditClientDialog
from storage.engine import make_engine
from storage.orm import AuditRow, ClientRow
from tests.support.pilot import first_own_client, make_app, open_client_page, press_settled, settle


def _stored(url: str, client_id: int) -> tuple[str | None, str]:
    with Session(make_engine(url)) as session:
        row = session.get(ClientRow, client_id)
        assert row is not None
        return row.mobile, row.address


def _reveals(url: str, client_id: int) -> list[AuditRow]:
    with Session(make_engine(url)) as session:
        query = select(AuditRow).where(AuditRow.action == "reveal", AuditRow.entity_id == str(client_id))
        return list(session.scalars(query))


async def _edit(pilot: Pilot[None], client_id: int, *keys: str) -> None:
    """The edit dialog (e) of the client's page, then ``keys``."""
    await open_client_page(pilot, client_id)
    await press_settled(pilot, "e", *keys)


async def _dialog(pilot: Pilot[None], client_id: int) -> EditClientDialog[object]:
    """The edit dialog, open on the client's page."""
    await _edit(pilot, client_id)
    dialog = pilot.app.screen
    assert isinstance(dialog, EditClientDialog)
    return dialog


def _own_mobile(url: str) -> tuple[int, str]:
    """csm01's first own client and the mobile stored for them."""
    client_id = first_own_client(url).client_id
    mobile, _ = _stored(url, client_id)
    assert mobile
    return client_id, mobile


def _screen_text(svg: str) -> str:
    """The screen as exported, its characters run together (no markup, no spaces): a number reads whole."""
    text = re.sub(r"<[^>]+>", "", svg).replace("&#160;", "")
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_edit_dialog_shows_the_mobile_masked_and_a_save_keeps_the_number(demo_url: str, lang: str) -> None:
    client_id, mobile = _own_mobile(demo_url)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _dialog(pilot, client_id)
        assert dialog.query_one("#mobile", Input).value == mask_mobile(mobile)
        shown = _screen_text(app.export_screenshot())
        assert mobile not in shown and mask_mobile(mobile) in shown
        dialog.query_one("#address", Input).value = "上海市新华路1号"
        await press_settled(pilot, "enter")
        assert not isinstance(app.screen, EditClientDialog)
    assert _stored(demo_url, client_id) == (mobile, "上海市新华路1号")
    assert _reveals(demo_url, client_id) == []


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_ctrl_r_reveals_the_mobile_in_the_dialog_with_a_reason_and_an_audit(demo_url: str, lang: str) -> None:
    client_id, mobile = _own_mobile(demo_url)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit(pilot, client_id, "ctrl+r")
        assert isinstance(app.screen, CheckedTextDialog)  # the reveal's reason first
        await press_settled(pilot, "enter")
        assert isinstance(app.screen, CheckedTextDialog)  # refused without a reason, nothing read
        assert _reveals(demo_url, client_id) == []
        app.screen.query_one("#reason", Input).value = "客户来电更换手机号"
        await press_settled(pilot, "enter")
        dialog = app.screen
        assert isinstance(dialog, EditClientDialog)
        assert dialog.query_one("#mobile", Input).value == mobile
        [entry] = _reveals(demo_url, client_id)
        assert entry.staff_id == app.ws.staff.id and mobile not in str(entry.detail)
        dialog.query_one("#mobile", Input).value = "13700001111"
        await press_settled(pilot, "enter")
        await settle(pilot)
        assert not isinstance(app.screen, EditClientDialog)
    assert _stored(demo_url, client_id)[0] == "13700001111"


async def test_a_new_mobile_typed_over_the_masked_one_is_saved_without_a_reveal(demo_url: str) -> None:
    client_id, _ = _own_mobile(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit(pilot, client_id)
        assert isinstance(app.screen, EditClientDialog)
        app.screen.query_one("#mobile", Input).value = "13700002222"
        await press_settled(pilot, "enter")
        assert not isinstance(app.screen, EditClientDialog)
    assert _stored(demo_url, client_id)[0] == "13700002222"
    assert _reveals(demo_url, client_id) == []


async def test_a_number_revealed_on_the_page_shows_in_the_dialog_until_it_is_changed(demo_url: str) -> None:
    """Revealed with r (reason, audit), the dialog shows it without a second reason; once a new number is saved the
    page and the dialog show the new one masked again, never the old one in full."""
    client_id, mobile = _own_mobile(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, client_id)
        await press_settled(pilot, "r")
        app.screen.query_one("#reason", Input).value = "核对客户手机号"
        await press_settled(pilot, "enter", "e")
        dialog = app.screen
        assert isinstance(dialog, EditClientDialog) and dialog.query_one("#mobile", Input).value == mobile
        dialog.query_one("#mobile", Input).value = "13700003333"
        await press_settled(pilot, "enter", "e")
        assert isinstance(app.screen, EditClientDialog)
        assert app.screen.query_one("#mobile", Input).value == mask_mobile("13700003333")
        shown = _screen_text(app.export_screenshot())
        assert mobile not in shown and "13700003333" not in shown
    assert len(_reveals(demo_url, client_id)) == 1


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_backspace_over_the_masked_mobile_is_refused_and_the_number_stays(demo_url: str, lang: str) -> None:
    """The field opens with the masked number selected: Backspace, Enter would save no mobile. The service refuses
    to clear a stored number; the dialog stays with the field as typed (empty) and says why."""
    client_id, mobile = _own_mobile(demo_url)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit(pilot, client_id, "backspace", "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EditClientDialog)
        assert dialog.query_one("#mobile", Input).value == ""
        assert str(dialog.query_one("#dialog-error").render()) == catalog(lang)["error.mobile_required"]
    assert _stored(demo_url, client_id)[0] == mobile


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_digit_changed_in_the_masked_mobile_is_refused_in_plain_words(demo_url: str, lang: str) -> None:
    """End, Backspace, 8 leaves another number's mask (the stars kept): no number, refused saying how to keep or
    change it; the text stays."""
    client_id, mobile = _own_mobile(demo_url)
    typed = mask_mobile(mobile)[:-1] + ("8" if mobile[-1] != "8" else "9")
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit(pilot, client_id, "end", "backspace", typed[-1], "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EditClientDialog)
        assert dialog.query_one("#mobile", Input).value == typed
        assert str(dialog.query_one("#dialog-error").render()) == catalog(lang)["error.mobile_masked_other"]
    assert _stored(demo_url, client_id)[0] == mobile


def _full_width(text: str) -> str:
    """``text`` as a Chinese input method types it: full-width digits and ＊."""
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789*"})


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("shape", ["spaced", "pasted", "full-width", "dotted after +86"])
async def test_the_masked_mobile_left_spaced_pasted_or_full_width_keeps_the_number(
    demo_url: str, lang: str, shape: str
) -> None:
    """The masked mobile with spaces around it, pasted with spaces inside, retyped in full-width characters, or with
    other glyphs for the hidden digits after a country code is the number kept: alone it is "nothing was changed"
    (no format error), beside an address the address is saved."""
    client_id, mobile = _own_mobile(demo_url)
    masked = mask_mobile(mobile)
    typed = {
        "spaced": f" {masked} ", "pasted": f"{masked[:3]} {masked[3:7]} {masked[7:]}",
        "full-width": _full_width(masked), "dotted after +86": f"+86 {masked[:3]}••••{masked[7:]}",
    }[shape]  # fmt: skip
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _dialog(pilot, client_id)
        dialog.query_one("#mobile", Input).value = typed
        await press_settled(pilot, "enter")
        assert app.screen is dialog
        assert str(dialog.query_one("#dialog-error").render()) == catalog(lang)["error.nothing_changed"]
        dialog.query_one("#address", Input).value = "上海市新华路1号"
        await press_settled(pilot, "enter")
        await settle(pilot)
        assert not isinstance(app.screen, EditClientDialog)
    assert _stored(demo_url, client_id) == (mobile, "上海市新华路1号")


async def test_ctrl_r_after_typing_over_the_mask_shows_the_number_it_audited(demo_url: str) -> None:
    """A reveal asked for (and audited) shows the number, even when something was typed over the mask first."""
    client_id, mobile = _own_mobile(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit(pilot, client_id, "end", "x", "ctrl+r")
        app.screen.query_one("#reason", Input).value = "客户核对号码"
        await press_settled(pilot, "enter")
        dialog = app.screen
        assert isinstance(dialog, EditClientDialog)
        assert dialog.query_one("#mobile", Input).value == mobile
        assert len(_reveals(demo_url, client_id)) == 1


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_enter_on_an_opt_out_box_saves_the_form_and_never_flips_the_box(demo_url: str, lang: str) -> None:
    """Space ticks a box; Enter is the form's, as the footer says: both opt-outs ticked, Enter saves them."""
    client_id, mobile = _own_mobile(demo_url)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _dialog(pilot, client_id)
        for name in dialog.FLAGS:
            dialog.query_one(f"#{name}").focus()
            await press_settled(pilot, "space")
        await press_settled(pilot, "enter")
        await settle(pilot)
        assert not isinstance(app.screen, EditClientDialog)
    with Session(make_engine(demo_url)) as session:
        row = session.get(ClientRow, client_id)
        assert row is not None and row.phone_opt_out and row.sms_opt_out and row.mobile == mobile


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("typed", ["139-1234-567", "手机号不变"])
async def test_a_mobile_that_is_no_number_is_refused_in_plain_words_and_the_text_stays(
    demo_url: str, lang: str, typed: str
) -> None:
    """Neither a mainland mobile nor the mask kept: the dialog stays, with what was typed, and says in the user's
    language what to type and how to keep the number; nothing is saved."""
    client_id, mobile = _own_mobile(demo_url)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _dialog(pilot, client_id)
        dialog.query_one("#mobile", Input).value = typed
        dialog.query_one("#address", Input).value = "上海市新华路1号"
        await press_settled(pilot, "enter")
        await settle(pilot)
        assert app.screen is dialog and dialog.query_one("#mobile", Input).value == typed
        assert str(dialog.query_one("#dialog-error").render()) == catalog(lang)["error.mobile_not_valid"]
    assert _stored(demo_url, client_id)[0] == mobile
