"""Every dialog of the workstation: a modal form that saves through the function it is given, off the UI thread
(``SavingDialog``); a refused or failed save says why and keeps every field as typed, Escape leaves without saving.

Shared forms (a line of text, contact details, a date and time, a staff member), the call session's (an outcome's
details, why a client is skipped, when a snoozed one is called again), a contact logged by hand, the day summary,
an export, a walk-in referral and the appraisal's forms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import arrow
import platformdirs
from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea
from textual.widgets.input import Selection
from textual.widgets.text_area import Selection as AreaSelection

from csm_tui.domain.enums import (
    AmlSign,
    AmlStatus,
    Channel,
    Disposition,
    EventKind,
    LeaveKind,
    MysteryItem,
    ProspectOutcome,
    QualificationKind,
    Role,
    SkipReason,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Client, DaySummary, Event, Leave, Prospect, Referral, Staff
from csm_tui.i18n import label, listed, t
from csm_tui.policy import LeaveCalls
from csm_tui.rules import kyc
from csm_tui.rules.cadence import MAY_BOOK, NEEDS_TIME
from csm_tui.services import leave as leave_service
from csm_tui.services.calls import prospect_calls
from csm_tui.services.calls.outcomes import (
    Outcome,
    Receipt,
    checked,
    mark_sms_sent,
    record,
    service_callback_open,
)
from csm_tui.services.checklist import day_list
from csm_tui.services.clients import aml, referrals
from csm_tui.services.clients.referrals import WalkInClient, WalkInSent
from csm_tui.services.events import planning as event_planning
from csm_tui.services.events import prospects as event_prospects
from csm_tui.services.events.planning import EventDraft
from csm_tui.services.file_exports import export_target
from csm_tui.services.imports.exports import ExportKind, default_path, export_list
from csm_tui.services.phrase_check import (
    REASON_MAX,
    ForbiddenPhrases,
    PhraseHit,
    PhrasesConfirmed,
    find_phrases,
)
from csm_tui.services.rows import ClientListRow, CsmRow, SmsRow
from csm_tui.services.scoreboard import appraisal_entries
from csm_tui.services.workstation import Workstation
from screens.background import Failure, in_background
from widgets.choices import BoundText, numbered, together
from widgets.failures import describe
from widgets.line_breaks import Wrapped
from widgets.phrase_panel import PhrasePanel
from widgets.said_checkbox import FormCheckbox, SaidCheckbox
from widgets.table import KeyTable
from widgets.text_fields import DATE_MAX, PATH_MAX, SEARCH_MAX, TIME_MAX, BoundedInput, BoundedTextArea

R = TypeVar("R")


def typed_time(date: str, time: str, tz: Any) -> dt.datetime:
    """A date and time typed in the branch's zone (YYYY-MM-DD, HH:MM), as an aware UTC instant."""
    try:
        local = arrow.get(f"{date.strip()} {time.strip()}", "YYYY-MM-DD HH:mm", tzinfo=tz)
    except (arrow.parser.ParserError, ValueError):
        raise DomainError("bad_time") from None
    return local.to("UTC").datetime


def typed_date(text: str) -> dt.date:
    try:
        return arrow.get(text.strip(), "YYYY-MM-DD").date()
    except (arrow.parser.ParserError, ValueError):
        raise DomainError("bad_date") from None


def _location(text: str, index: int) -> tuple[int, int]:
    """The (row, column) of ``index`` in ``text``, as a text area counts them."""
    before = text[:index]
    return before.count("\n"), len(before) - (before.rfind("\n") + 1)


class SavingDialog(ModalScreen[R | None], Generic[R]):
    """A modal form: Enter saves (in a worker), Escape leaves without saving anything.

    A save refused by the phrase check (``ForbiddenPhrases``) shows the phrases in place (``PhrasePanel``, the
    first selected in its field) with a field for the reason to keep them: the next save passes ``confirmed()``.
    ``PHRASE_FIELDS`` names the widget holding each text the service checks."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "key.cancel", id="dialog.cancel"),
        Binding("f1", "app.help", "key.help", show=False, id="dialog.help"),  # a modal screen hides the app's F1
    ]
    DEFAULT_CSS = """
    SavingDialog { align: center middle; }
    SavingDialog > Vertical { width: 64; max-width: 100%; height: auto; border: round $accent; background: $surface;
                              padding: 0 1; }
    SavingDialog .error { color: $error; height: auto; }
    SavingDialog Input { margin: 0; }
    """

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"note": "note", "feedback": "feedback"}
    ENTER_HELP = "enter.save"
    HINT_KEY: ClassVar[str] = "dialog.hint"  # what Enter and Escape do, under the form

    def __init__(self) -> None:
        super().__init__()
        self.saving = False
        self.hits: list[PhraseHit] = []

    def footer(self) -> ComposeResult:
        """Where a refused save says why, and how to save or leave."""
        yield Static("", id="dialog-error", classes="error")
        yield Static(t(self.HINT_KEY), classes="hint")

    def on_mount(self) -> None:
        for box in self.query(Input):  # a field keeps its name in its border once something is typed
            box.border_title = str(box.placeholder)

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _form_changed(self, event: Input.Changed | TextArea.Changed | Checkbox.Changed | Select.Changed) -> None:
        """The last refusal ("nothing was changed", a field's error) spoke of the form as it was: a change clears it
        (not while saving, nor for the reason typed to keep a phrase the refusal named)."""
        if not self.saving and getattr(event.control, "id", None) != "phrase-reason":
            self.show_error("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        if self.saving:
            return
        try:
            job = self.build()
        except (DomainError, ValueError) as exc:
            self.show_error(
                describe(exc) if isinstance(exc, DomainError | ValidationError) else t("field_error.invalid")
            )
            return
        self.saving = True
        self.show_error(t("dialog.saving"))
        in_background(self, job, self.dismiss, group="save", failed=self._failed)

    def build(self) -> Callable[[], R]:
        """Check the fields and return the save to run; raise DomainError with what is wrong."""
        raise NotImplementedError

    def _failed(self, failure: Failure) -> None:
        if isinstance(failure.error, ForbiddenPhrases):
            self._phrases_found(failure.error.hits, failure.message)
            return
        self.saving = False
        self.show_error(failure.message)

    def confirmed(self) -> PhrasesConfirmed | None:
        """The phrases the check found and shown, kept for the reason typed beside them (None before any, or while
        no reason is typed: the service then refuses again)."""
        if not self.hits:
            return None
        reason = self.query_one("#phrase-reason", Input).value.strip()
        return PhrasesConfirmed(frozenset(h.phrase for h in self.hits), reason) if reason else None

    def _text_of(self, field: str) -> str:
        found = self.query(f"#{self.PHRASE_FIELDS.get(field, field)}")
        if not found:
            return ""
        widget = found.first()
        return widget.text if isinstance(widget, TextArea) else widget.value if isinstance(widget, Input) else ""

    def _phrases_found(self, hits: list[PhraseHit], message: str) -> None:
        self.saving = False
        self.hits = hits
        self.show_error(message)
        texts = {hit.field: self._text_of(hit.field) for hit in hits}
        # Where each phrase stands in the field as typed (the service read it without outer spaces).
        phrases = {hit.phrase for hit in hits}
        shown = [h for field, text in texts.items() for h in find_phrases(text, phrases, field)] or hits
        if not self.query(PhrasePanel):
            error = self.query_one("#dialog-error", Static)
            reason = BoundedInput(placeholder=t("phrases.reason"), max_length=REASON_MAX, id="phrase-reason")
            reason.border_title = t("phrases.reason")
            if isinstance(error.parent, Widget):
                error.parent.mount(PhrasePanel(id="phrases"), reason, before=error)
        self.query_one(PhrasePanel).show_hits(shown, texts)
        self._select(shown[0])
        self.query_one("#phrase-reason", Input).focus()

    def _select(self, hit: PhraseHit) -> None:
        """The first phrase selected in its own field, where the staff member would change it."""
        found = self.query(f"#{self.PHRASE_FIELDS.get(hit.field, hit.field)}")
        if not found:
            return
        widget = found.first()
        if isinstance(widget, Input):
            widget.selection = Selection(hit.start, hit.end)
        elif isinstance(widget, TextArea):
            text = widget.text
            widget.selection = AreaSelection(_location(text, hit.start), _location(text, hit.end))

    def show_error(self, message: str) -> None:
        self.query_one("#dialog-error", Static).update(message)


# -- the shared forms: reveal with a reason, edit contact details, book or move a meeting, add a follow-up, refer ---


class TextDialog(SavingDialog[R]):
    """One line of text: the reason for a reveal or for returning a referral (required), a note (may be cleared)."""

    def __init__(
        self, title: str, explain: str, placeholder: str, save: Callable[[str], R], *, value: str = "",
        required: bool = True, max_length: int = 200,
    ) -> None:  # fmt: skip
        super().__init__()
        self.texts = (title, explain, placeholder, value)
        self.required = required
        self.max_length = max_length
        self.save = save

    def compose(self) -> ComposeResult:
        title, explain, placeholder, value = self.texts
        with Vertical():
            yield Label(title, classes="screen-title")
            if explain:
                yield Static(Wrapped(explain))  # broken where a reader expects (禁则), not mid-phrase
            yield BoundedInput(value, placeholder=placeholder, max_length=self.max_length, id="reason")
            yield from self.footer()

    def build(self) -> Callable[[], R]:
        reason = self.query_one("#reason", Input).value.strip()
        if self.required and not reason:
            raise DomainError("reason_required")
        return lambda: self.save(reason)


class CheckedTextDialog(TextDialog[R]):
    """A ``TextDialog`` for a note the phrase check reads: the save is given the confirmation of any phrases."""

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"note": "reason"}

    def __init__(
        self, title: str, explain: str, placeholder: str, save: Callable[[str, PhrasesConfirmed | None], R], *,
        value: str = "", required: bool = True, max_length: int = 200,
    ) -> None:  # fmt: skip
        super().__init__(
            title, explain, placeholder, lambda text: save(text, None), value=value, required=required,
            max_length=max_length,
        )  # fmt: skip
        self.checked_save = save

    def build(self) -> Callable[[], R]:
        super().build()  # the same checks of the text
        reason, confirmed = self.query_one("#reason", Input).value.strip(), self.confirmed()
        return lambda: self.checked_save(reason, confirmed)


def release_dialog(ws: Workstation, referral: Referral, client: str) -> CheckedTextDialog[referrals.Released]:
    """Releasing a 沃德 client (``referrals.release``): the client named (as the reader sees them), their need as
    referred, what releasing cancels said before it is done, a reason required (phrase-checked)."""

    def save(note: str, confirmed: PhrasesConfirmed | None) -> referrals.Released:
        return referrals.release(ws, referral, note, confirmed)

    need = t("referrals.need", need=referral.reason or "—")
    said = f"{t('referrals.release_client', client=client)}\n{need}\n{t('referrals.release_cancels')}"
    return CheckedTextDialog(t("referrals.release_title"), said, t("referrals.release_reason"), save)


def id_expiry_text(client: Client) -> str:
    """The ID's expiry as the edit dialog shows it: a date, 长期 (long-term), or blank when not known."""
    if client.id_long_term:
        return t("kyc.long_term")
    return client.id_expiry.isoformat() if client.id_expiry else ""


Reveal = Callable[[str, PhrasesConfirmed | None], tuple[str, str]]  # a reason → the full ID and mobile (audited)


class RevealDialog(CheckedTextDialog[tuple[str, str]]):
    """The reason for a reveal: Enter shows the numbers (and the service audits the read); nothing is saved."""

    HINT_KEY = "dialog.reveal_hint"
    ENTER_HELP = "enter.reveal"


def reveal_dialog(reveal: Reveal) -> RevealDialog:
    """The one way a full identity is shown: a reason asked (phrase-checked), then ``reveal`` — the service's
    ``client_detail.reveal``, which audits the read — returns the numbers."""
    return RevealDialog(t("detail.reveal_title"), t("detail.reveal_explain"), t("detail.reveal_reason"), reveal)


class EditClientDialog(SavingDialog[R]):
    """Contact details and opt-outs. Every field keeps what was typed if the save is refused.

    The mobile shows masked, as on the page: a new number is typed over it (the old one need not be seen), or
    ``ctrl+r`` reveals it through the page's own reveal (a reason asked, the read audited by the service). Left as
    shown, it is no change: the masked text is never saved over the number (nor would the service take it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "reveal", "key.reveal", id="edit.reveal", priority=True),
        Binding("enter", "submit", "key.save", show=False, id="edit.save"),  # on an opt-out box: the fields' Enter
    ]
    TEXT_FIELDS = ("address", "occupation", "note")
    FLAGS = ("phone_opt_out", "sms_opt_out")
    DEFAULT_CSS = """
    EditClientDialog Horizontal.pair { height: auto; }
    EditClientDialog Horizontal.pair > * { width: 1fr; }
    EditClientDialog > Vertical { max-height: 100%; }
    EditClientDialog .hint { dock: bottom; }  /* in view even when refused phrases are shown above it */
    """

    def __init__(
        self,
        client: Client,
        save: Callable[[dict[str, Any], PhrasesConfirmed | None], R],
        reveal: Reveal | None = None,
        revealed: str | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.save = save
        self.reveal = reveal
        # The mobile as the field first shows it: masked, unless already revealed on the page (and audited there).
        fresh = revealed is not None and revealed == client.mobile  # not a number since changed
        self.mobile_shown = revealed if fresh and revealed else (client.mobile.masked() if client.mobile else "")

    def compose(self) -> ComposeResult:
        c = self.client

        def field(name: str) -> BoundedInput:
            return BoundedInput(str(getattr(c, name) or ""), placeholder=t(f"field.{name}"), max_length=200, id=name)

        with Vertical():
            yield Label(t("detail.edit_title", client=c.name), classes="screen-title")
            with Horizontal(classes="pair"):  # two short fields side by side: the whole form fits 80×24
                # masked, its name says how to see it in full (the name is the field's border title)
                named = t("detail.edit_mobile_masked") if self._masked() else t("field.mobile")
                yield BoundedInput(self.mobile_shown, placeholder=named, max_length=200, id="mobile")
                yield field("occupation")
            yield field("address")
            yield field("note")
            yield BoundedInput(
                id_expiry_text(c), placeholder=t("field.id_expiry"), max_length=DATE_MAX + 2, id="id_expiry"
            )
            for name in self.FLAGS:  # a line each (compact: the label is the focus mark); unticked: not opted out
                not_out = t(f"field.{name.replace('opt_out', 'not_opted_out')}")
                yield FormCheckbox(t(f"field.{name}"), not_out, value=getattr(c, name), id=name, compact=True)
            yield from self.footer()

    def action_submit(self) -> None:
        self.submit()

    def _masked(self) -> bool:
        return bool(self.client.mobile) and self.mobile_shown != self.client.mobile

    def action_reveal(self) -> None:
        """The full mobile in its field, through the reveal the page uses (reason, phrase check, audit)."""
        if self.saving or self.reveal is None or not self._masked():
            return
        self.app.push_screen(reveal_dialog(self.reveal), self._revealed)

    def _revealed(self, numbers: tuple[str, str] | None) -> None:
        if numbers is None:
            return
        box = self.query_one("#mobile", Input)
        box.value = self.mobile_shown = numbers[1]  # asked for (and audited): shown, whatever was typed over it
        box.placeholder = box.border_title = t("field.mobile")
        box.focus()

    def build(self) -> Callable[[], R]:
        changes: dict[str, Any] = {}
        typed = self.query_one("#id_expiry", Input).value.strip()
        if typed != id_expiry_text(self.client):
            if not typed:
                raise DomainError("id_expiry_required")  # an expiry known is not forgotten: type the new one
            long_term = kyc.is_long_term_word(typed)
            changes["id_long_term"] = long_term
            changes["id_expiry"] = None if long_term else typed_date(typed)
        mobile = self.query_one("#mobile", Input).value.strip()
        if mobile != self.mobile_shown:  # left as shown (masked or revealed), the number stays as stored
            changes["mobile"] = mobile or None
        for name in self.TEXT_FIELDS:
            value = self.query_one(f"#{name}", Input).value.strip()
            if value != (getattr(self.client, name) or ""):
                changes[name] = value
        for name in self.FLAGS:
            ticked = self.query_one(f"#{name}", Checkbox).value
            if ticked != getattr(self.client, name):
                changes[name] = ticked
        if not changes:
            raise DomainError("nothing_changed")
        confirmed = self.confirmed()
        return lambda: self.save(changes, confirmed)


class WhenDialog(SavingDialog[R]):
    """A date (and a time where it matters) in the branch's time zone, and a note (phrase-checked where saved)."""

    def __init__(
        self, title: str, suggested: arrow.Arrow, save: Callable[[dt.datetime, str, PhrasesConfirmed | None], R], *,
        with_time: bool = True, note: str = "",
    ) -> None:  # fmt: skip
        super().__init__()
        self.title_text = title
        self.note_label = note or t("outcome.note")  # what the note is (a meeting's purpose), as the title says
        self.suggested = suggested
        self.with_time = with_time
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="screen-title")
            yield BoundedInput(
                self.suggested.format("YYYY-MM-DD"), placeholder="YYYY-MM-DD", max_length=DATE_MAX, id="date"
            )
            if self.with_time:
                yield BoundedInput(self.suggested.format("HH:mm"), placeholder="HH:MM", max_length=TIME_MAX, id="time")
            yield BoundedInput(placeholder=self.note_label, max_length=200, id="note")
            yield from self.footer()

    def build(self) -> Callable[[], R]:
        date = self.query_one("#date", Input).value
        time = self.query_one("#time", Input).value if self.with_time else "00:00"
        at = typed_time(date, time, self.suggested.tzinfo)
        note = self.query_one("#note", Input).value.strip()
        confirmed = self.confirmed()
        return lambda: self.save(at, note, confirmed)


OVERLAPS = frozenset({"meeting_overlap_staff", "meeting_overlap_client"})


class MeetingDialog(WhenDialog[R]):
    """A meeting's date, time and purpose. A time over another meeting (the CSM's or the client's) is refused with
    the other meeting named; Enter again on the same date and time books it anyway (an override, audited by the
    service); changing either asks again."""

    def __init__(
        self,
        title: str,
        suggested: arrow.Arrow,
        save: Callable[[dt.datetime, str, PhrasesConfirmed | None, bool], R],
        *,
        note: str = "",
    ) -> None:
        super().__init__(title, suggested, lambda at, note, confirmed: save(at, note, confirmed, False), note=note)
        self.save_meeting = save
        self.overlap_at: tuple[str, str] | None = None  # the date and time the user was warned of

    def _when(self) -> tuple[str, str]:
        return self.query_one("#date", Input).value, self.query_one("#time", Input).value

    def build(self) -> Callable[[], R]:
        date, time = self._when()
        at = typed_time(date, time, self.suggested.tzinfo)
        note = self.query_one("#note", Input).value.strip()
        confirmed = self.confirmed()
        override = self.overlap_at == (date, time)
        return lambda: self.save_meeting(at, note, confirmed, override)

    def _failed(self, failure: Failure) -> None:
        if isinstance(failure.error, DomainError) and failure.error.code in OVERLAPS:
            self.overlap_at = self._when()
        super()._failed(failure)


class ChooseStaffDialog(SavingDialog[R]):
    """Pick a colleague by number (a 沃德 client manager, a CSM), with a note."""

    def __init__(
        self, title: str, staff: list[Staff], save: Callable[[Staff, str, PhrasesConfirmed | None], R]
    ) -> None:
        super().__init__()
        self.title_text = title
        self.staff = staff
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="screen-title")
            for number, person in enumerate(self.staff[:9], start=1):
                yield Static(f"{number}  {t('list.named', name=person.name, detail=person.login)}")
            yield BoundedInput(placeholder=t("detail.choose_staff"), restrict="[1-9]", max_length=1, id="who")
            yield BoundedInput(placeholder=t("outcome.note"), max_length=200, id="note")
            yield from self.footer()

    def build(self) -> Callable[[], R]:
        choice = self.query_one("#who", Input).value
        if not choice or int(choice) > min(len(self.staff), 9):
            raise DomainError("choose_staff")
        person = self.staff[int(choice) - 1]
        note = self.query_one("#note", Input).value.strip()
        confirmed = self.confirmed()
        return lambda: self.save(person, note, confirmed)


# -- the call session's: an outcome's details, why a client is skipped, when a snoozed one is called -------------


class OutcomeDialog(SavingDialog[R]):
    """The details of one outcome: the agreed time where one is needed (for a client who agreed to buy, only if they
    will come in: ticked, the visit is booked), satisfaction for a 回访, a note.

    Agreed to buy opens on its first decision, the box "will come in": Space ticks it, Enter saves (without a visit
    while it is not ticked)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "key.save", show=False, id="outcome.save"),  # on the box: the fields' own Enter
    ]
    DEFAULT_CSS = """
    OutcomeDialog Input.unused { text-opacity: 50%; }
    """

    def __init__(
        self, disposition: Disposition, save: Callable[[Outcome], R], tz: str, suggested: arrow.Arrow,
        channel: Channel = Channel.PHONE,
    ) -> None:  # fmt: skip
        super().__init__()
        self.disposition = disposition
        self.save = save
        self.tz = tz
        self.suggested = suggested.to(tz)
        self.channel = channel

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("outcome.title", outcome=label(self.disposition)), classes="screen-title")
            if self.disposition in MAY_BOOK:  # a visit only if the client will come in
                yield FormCheckbox(t("outcome.will_visit"), t("outcome.no_visit"), False, id="visit")
            if self.disposition in NEEDS_TIME | MAY_BOOK:
                yield BoundedInput(
                    self.suggested.format("YYYY-MM-DD"), placeholder="YYYY-MM-DD", max_length=DATE_MAX, id="date"
                )
                yield BoundedInput(self.suggested.format("HH:mm"), placeholder="HH:MM", max_length=TIME_MAX, id="time")
            if self.disposition is Disposition.SERVICE_DONE:
                yield BoundedInput(
                    placeholder=t("outcome.satisfaction"), restrict="[1-5]", max_length=1, id="satisfaction"
                )
                yield BoundedInput(placeholder=t("outcome.feedback"), max_length=2000, id="feedback")
            yield BoundedInput(placeholder=t("outcome.note"), max_length=2000, id="note")
            yield from self.footer()

    def on_mount(self) -> None:
        super().on_mount()
        if self.disposition in MAY_BOOK:  # the first decision: will the client come in (Space ticks, Enter saves)
            self.query_one("#visit", Checkbox).focus()
            self._visit_time(False)

    def action_save(self) -> None:
        self.submit()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "visit":
            self._visit_time(event.value)

    def _visit_time(self, visit: bool) -> None:
        """The visit's date and time count only for a client who will come in: dimmed while the box is not ticked
        (still typed into, in the same order of fields)."""
        for field in ("#date", "#time"):
            self.query_one(field, Input).set_class(not visit, "unused")

    def _value(self, field: str) -> str:
        found = self.query(f"#{field}")
        return found.first(Input).value.strip() if found else ""

    def agreed_time(self) -> dt.datetime | None:
        if self.disposition in MAY_BOOK and not self.query_one("#visit", Checkbox).value:
            return None
        if self.disposition not in NEEDS_TIME | MAY_BOOK:
            return None
        return typed_time(self._value("date"), self._value("time"), self.tz)

    def build(self) -> Callable[[], R]:
        satisfaction = self._value("satisfaction")
        if self.disposition is Disposition.SERVICE_DONE and not satisfaction:
            raise DomainError("satisfaction_required")
        outcome = Outcome(
            disposition=self.disposition,
            channel=self.channel,
            note=self._value("note"),
            feedback=self._value("feedback"),
            satisfaction=int(satisfaction) if satisfaction else None,
            confirmed=self.confirmed(),
            at=self.agreed_time(),
        )
        return lambda: self.save(outcome)


class ReasonDialog(SavingDialog[R]):
    """Why a client is skipped: a reason by its number key, and a note."""

    def __init__(self, title: str, save: Callable[[SkipReason, str, PhrasesConfirmed | None], R]) -> None:
        super().__init__()
        self.title_text = title
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="screen-title")
            for number, reason in enumerate(SkipReason, start=1):
                yield Static(f"{number}  {label(reason)}")
            yield BoundedInput(placeholder=t("skip.choose"), restrict="[1-9]", max_length=1, id="reason")
            yield BoundedInput(placeholder=t("outcome.note"), max_length=500, id="note")
            yield from self.footer()

    def build(self) -> Callable[[], R]:
        choice = self.query_one("#reason", Input).value
        reasons = list(SkipReason)
        if not choice or not 1 <= int(choice) <= len(reasons):
            raise DomainError("choose_reason")
        reason = reasons[int(choice) - 1]
        note = self.query_one("#note", Input).value.strip()
        confirmed = self.confirmed()
        return lambda: self.save(reason, note, confirmed)


class SnoozeDialog(SavingDialog[R]):
    """When to call a client again: a quick choice by its number (in an hour, this afternoon, the next working
    morning — those the rules still accept), or a date and time typed, and a note. The service checks the time."""

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"note": "note"}

    def __init__(
        self, client: str, choices: dict[str, dt.datetime], tz: str,
        save: Callable[[dt.datetime, str, PhrasesConfirmed | None], R],
    ) -> None:  # fmt: skip
        super().__init__()
        self.client = client
        self.choices = [(name, arrow.get(at).to(tz)) for name, at in choices.items()]
        self.tz = tz
        self.save = save

    def compose(self) -> ComposeResult:
        first = self.choices[0][1] if self.choices else None
        with Vertical():
            yield Label(t("snooze.title", client=self.client), classes="screen-title")
            for number, (name, at) in enumerate(self.choices, start=1):
                yield Static(f"{number}  {t(f'snooze.{name}')} · {at.format('YYYY-MM-DD HH:mm')}")
            if self.choices:
                yield BoundedInput(
                    placeholder=t("snooze.choose"), restrict=f"[1-{len(self.choices)}]", max_length=1, id="quick"
                )
            yield BoundedInput(
                first.format("YYYY-MM-DD") if first else "", placeholder=t("snooze.date"), max_length=DATE_MAX,
                id="date",
            )  # fmt: skip
            yield BoundedInput(
                first.format("HH:mm") if first else "", placeholder=t("snooze.time"), max_length=TIME_MAX, id="time"
            )
            yield BoundedInput(placeholder=t("outcome.note"), max_length=500, id="note")
            yield from self.footer()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "quick" and event.value:
            at = self.choices[int(event.value) - 1][1]
            self.query_one("#date", Input).value = at.format("YYYY-MM-DD")
            self.query_one("#time", Input).value = at.format("HH:mm")

    def build(self) -> Callable[[], R]:
        at = typed_time(self.query_one("#date", Input).value, self.query_one("#time", Input).value, self.tz)
        note = self.query_one("#note", Input).value.strip()
        confirmed = self.confirmed()
        return lambda: self.save(at, note, confirmed)


# -- a contact logged by hand: a call outside a session, a visit, an SMS, a letter, WeChat, an email ---------------

# What a hand-logged contact can end in (the time-bound outcomes are booked from the call session).
LOGGED_OUTCOMES = (
    Disposition.INFORMED,
    Disposition.INTERESTED,
    Disposition.SERVICE_DONE,
    Disposition.POLITE_DECLINE,
    Disposition.FIRM_DECLINE,
    Disposition.DO_NOT_CALL,
)


class LogContactDialog(SavingDialog[Receipt]):
    def __init__(self, ws: Workstation, client_id: int, client_name: str) -> None:
        super().__init__()
        self.ws = ws
        self.client_id = client_id
        self.client_name = client_name
        service_due = service_callback_open(ws, client_id)  # 回访完成 answers a 回访 due, and nothing else
        self.outcomes = [d for d in LOGGED_OUTCOMES if service_due or d is not Disposition.SERVICE_DONE]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("log.title", client=self.client_name), classes="screen-title")
            yield Select[Channel]([(label(c), c) for c in Channel], prompt=t("log.channel"), id="channel")
            yield Select[Disposition]([(label(d), d) for d in self.outcomes], prompt=t("log.outcome"), id="outcome")
            yield BoundedInput(placeholder=t("outcome.satisfaction"), restrict="[1-5]", max_length=1, id="satisfaction")
            yield BoundedInput(placeholder=t("outcome.feedback"), max_length=2000, id="feedback")
            yield BoundedInput(placeholder=t("outcome.note"), max_length=2000, id="note")
            yield from self.footer()

    def _selected(self, widget_id: str) -> Any:
        select = self.query_one(f"#{widget_id}", Select)
        return None if select.is_blank() else select.value

    def build(self) -> Callable[[], Receipt]:
        satisfaction = self.query_one("#satisfaction", Input).value
        outcome = Outcome(  # a choice left open is refused by ``record``'s check, before anything runs
            disposition=self._selected("outcome"),
            channel=self._selected("channel"),
            note=self.query_one("#note", Input).value.strip(),
            feedback=self.query_one("#feedback", Input).value.strip(),
            satisfaction=int(satisfaction) if satisfaction else None,
            confirmed=self.confirmed(),
        )
        checked(outcome)
        started = self.ws.time.now().datetime
        return lambda: record(self.ws, self.client_id, outcome, started_at=started)


# -- the day summary (班后): a short text, saved with the day's figures as they stand --------------------------------


class DaySummaryDialog(SavingDialog[DaySummary]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "key.save", id="summary.save", priority=True),
        Binding("f2", "save", "key.save", show=False, id="summary.save_f2", priority=True),
    ]
    DEFAULT_CSS = """
    DaySummaryDialog TextArea { height: 8; }
    """

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"summary": "text"}

    def __init__(self, ws: Workstation, figures: dict[str, int], saved: DaySummary | None) -> None:
        super().__init__()
        self.ws = ws
        self.figures = figures
        self.saved = saved

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("summary.title", day=self.ws.time.today().isoformat()), classes="screen-title")
            yield Static(" · ".join(f"{t(f'summary.{k}')} {v}" for k, v in self.figures.items()), id="figures")
            yield BoundedTextArea(
                self.saved.text if self.saved else "", max_length=day_list.SUMMARY_MAX, id="text", soft_wrap=True
            )
            yield Static("", id="dialog-error", classes="error")
            yield Static(t("summary.hint"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.submit()

    def build(self) -> Callable[[], DaySummary]:
        text = self.query_one("#text", TextArea).text
        confirmed = self.confirmed()
        return lambda: day_list.save_summary(self.ws, text, confirmed)


# -- an export of one's own task list or contact records, identities masked ----------------------------------------


class ExportDialog(SavingDialog[tuple[int, Path]]):
    """Enter saves the list to the path shown (an XLSX in the documents folder unless changed)."""

    def __init__(self, ws: Workstation, kind: ExportKind) -> None:
        super().__init__()
        self.ws = ws
        self.kind = kind

    def compose(self) -> ComposeResult:
        over_ssh = self.ws.exports is not None  # a bare name, kept in the server's export folder
        suggested = default_path(self.ws, self.kind, Path() if over_ssh else platformdirs.user_documents_path())
        with Vertical():
            yield Label(t(f"export.{self.kind.value}"), classes="screen-title")
            if over_ssh:
                yield Static(t("export.server_folder", folder=str(self.ws.exports)))
            yield BoundedInput(str(suggested), placeholder=t("export.path"), max_length=PATH_MAX, id="path")
            yield from self.footer()

    def build(self) -> Callable[[], tuple[int, Path]]:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            raise ValueError(t("import.no_file"))
        typed = Path(text).expanduser()
        target = export_target(self.ws, typed)  # a refusal shows in the dialog before anything runs
        return lambda: (export_list(self.ws, self.kind, typed), target)


# -- a walk-in with a product interest, referred to a CSM by a teller or the lobby manager -------------------------


class WalkInDialog(SavingDialog[WalkInSent]):
    """A walk-in found at the counter: to the client's own manager (named), or to a CSM chosen for a client without
    one; the client's need is required."""

    def __init__(self, ws: Workstation, client: WalkInClient, csms: list[Staff]) -> None:
        super().__init__()
        self.ws = ws
        self.client = client
        self.csms = csms

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("walk_in.title"), classes="screen-title")
            row = self.client.row
            yield Static(t("walk_in.client", name=row.name, number=row.number, mobile=row.masked_mobile or "—"))
            if self.client.manager_id is not None:
                yield Static(t("walk_in.to_manager", name=self.client.manager_name), id="to-manager")
            else:
                csms = [(t("list.named", name=s.name, detail=s.login), s.id) for s in self.csms if s.id]
                yield Select[int](csms, prompt=t("walk_in.to"), id="to")
            yield BoundedInput(placeholder=t("walk_in.interest"), max_length=200, id="note")
            yield from self.footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#note" if self.client.manager_id is not None else "#to").focus()

    def build(self) -> Callable[[], WalkInSent]:
        note = self.query_one("#note", Input).value.strip()
        to: int | None = self.client.manager_id
        if to is None:
            chosen = self.query_one("#to", Select).value
            to = chosen if isinstance(chosen, int) else None
        if to is None or not note:
            raise DomainError("walk_in_incomplete")
        confirmed = self.confirmed()
        client_id, manager = self.client.row.id, self.client.manager_id
        # Sent to the manager as the service finds them (None): one named here who has just changed is not forced.
        return lambda: referrals.refer_walk_in(self.ws, client_id, None if manager else to, note, confirmed)


# -- the appraisal's: a supervisor's mystery-shopper check, the admin's training hours and qualifications ----------


class _Form(SavingDialog[object]):
    def __init__(self, ws: Workstation, csm: CsmRow) -> None:
        super().__init__()
        self.ws = ws
        self.csm = csm

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()


class MysteryCheckDialog(_Form):
    """The checklist by number: type the numbers of the items the CSM did (e.g. 123568), a note, Enter."""

    def compose(self) -> ComposeResult:
        points = self.ws.policy.scorecard.mystery_points
        with Vertical():
            yield Label(t("mystery.title", name=self.csm.name), classes="screen-title")
            for number, item in enumerate(points, start=1):
                yield Static(f"{number}  {t('list.named', name=label(item), detail=points[item])}")
            yield BoundedInput(
                placeholder=t("mystery.items"), restrict=f"[1-{len(points)}]*", max_length=len(points), id="items"
            )
            yield BoundedInput(placeholder=t("outcome.note"), max_length=500, id="note")
            yield from self.footer()

    def build(self) -> Callable[[], object]:
        items = list(self.ws.policy.scorecard.mystery_points)
        passed: set[MysteryItem] = {items[int(d) - 1] for d in self.value("items")}
        note = self.value("note")
        return lambda: appraisal_entries.record_mystery_check(self.ws, self.csm.id, passed, note)


class TrainingDialog(_Form):
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("training.title", name=self.csm.name), classes="screen-title")
            yield BoundedInput(
                self.ws.time.today().isoformat(), placeholder="YYYY-MM-DD", max_length=DATE_MAX, id="day"
            )
            yield BoundedInput(placeholder=t("training.hours"), restrict=r"[0-9.]*", max_length=5, id="hours")
            yield BoundedInput(placeholder=t("training.topic"), max_length=100, id="topic")
            yield from self.footer()

    def build(self) -> Callable[[], object]:
        day = typed_date(self.value("day"))
        try:
            hours = Decimal(self.value("hours"))
        except InvalidOperation:
            raise DomainError("bad_hours") from None
        topic = self.value("topic")
        if not topic:
            raise DomainError("topic_required")
        return lambda: appraisal_entries.record_training(self.ws, self.csm.id, day, hours, topic)


class QualificationDialog(_Form):
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("qualification.title", name=self.csm.name), classes="screen-title")
            yield BoundText(numbered(label(k) for k in QualificationKind))
            yield BoundedInput(
                placeholder=t("qualification.kind"), restrict=f"[1-{len(QualificationKind)}]", max_length=1, id="kind"
            )
            yield BoundedInput(placeholder=t("qualification.number"), max_length=32, id="number")
            yield BoundedInput(placeholder=t("qualification.obtained"), max_length=DATE_MAX, id="obtained")
            yield BoundedInput(placeholder=t("qualification.expires"), max_length=DATE_MAX, id="expires")
            yield from self.footer()

    def build(self) -> Callable[[], object]:
        choice = self.value("kind")
        if not choice:
            raise DomainError("kind_required")
        kind = list(QualificationKind)[int(choice) - 1]
        obtained = typed_date(self.value("obtained"))
        expires = typed_date(self.value("expires")) if self.value("expires") else None
        number = self.value("number")
        return lambda: appraisal_entries.record_qualification(self.ws, self.csm.id, kind, number, obtained, expires)


# -- an SMS sent by hand ----------------------------------------------------------------------------------------------

SMS_MAX = 500  # characters of an SMS text kept with its record (a long SMS is several of 70)


class SmsSentDialog(SavingDialog[Receipt]):
    """An SMS sent by hand: its text as sent (may be left empty), saved as the SMS contact's note."""

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"note": "sms-text"}

    def __init__(self, ws: Workstation, row: SmsRow) -> None:
        super().__init__()
        self.ws = ws
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("sms.sent_title", client=self.row.client_name), classes="screen-title")
            yield BoundedInput(placeholder=t("sms.text"), max_length=SMS_MAX, id="sms-text")
            yield from self.footer()

    def build(self) -> Callable[[], Receipt]:
        text = self.query_one("#sms-text", Input).value.strip()
        confirmed = self.confirmed()
        row = self.row
        return lambda: mark_sms_sent(self.ws, row.client_id, row.task_id, text, confirmed)


# -- leave (请假) and who covers: a CSM for themselves, a supervisor or the admin for a team member ----------------
# The leave already recorded and the colleagues who could cover are read when the dialog opens; the leave service
# checks every rule again when it saves.


@dataclass(frozen=True)
class _KnownLeave:
    recorded: list[leave_service.LeaveEntry]
    colleagues: list[Staff]


def leave_text(row: leave_service.LeaveEntry) -> str:
    """One leave in a line: its days, its kind and who covers."""
    leave = row.leave
    cover = t("leave.entry_cover", name=row.cover_name) if row.cover_name else ""
    return t(
        "leave.entry", first=leave.first_day.isoformat(), last=leave.last_day.isoformat(), kind=label(leave.kind),
        cover=cover,
    )  # fmt: skip


@dataclass(frozen=True)
class LeaveChange:
    """What the leave dialog saved, and what the screen that opened it says."""

    leave: Leave
    said: str


def _withdrawn(leave: Leave) -> LeaveChange:
    if leave.cancelled_at is not None:
        return LeaveChange(leave, t("leave.cancelled"))
    return LeaveChange(leave, t("leave.ended", last=leave.last_day.isoformat()))


class LeaveDialog(SavingDialog[LeaveChange]):
    """Leave for ``staff``: kind and days by number and date, the colleague by number (when the policy has cover).
    ``ctrl+r`` takes back the recorded leave whose first day is typed in the first day's field: one entered wrong
    is cancelled, one under way ends early (the CSM is back today). ``ctrl+o`` names the colleague typed to cover the
    leave under way from today (the one named was deactivated, say)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "withdraw", "leave.withdraw_key", id="leave.withdraw", priority=True),
        Binding("ctrl+o", "change_cover", "leave.change_cover_key", id="leave.change_cover", priority=True),
    ]
    DEFAULT_CSS = """
    LeaveDialog Horizontal { height: auto; }
    LeaveDialog Horizontal Input { width: 1fr; }
    """

    def __init__(self, ws: Workstation, staff: Staff) -> None:
        super().__init__()
        self.ws = ws
        self.staff = staff
        self.colleagues: list[Staff] = []
        self.recorded: list[leave_service.LeaveEntry] = []
        # a supervisor's leave names no cover (no calls of their own); a CSM's as the policy says
        self.covered = ws.policy.leave.calls is LeaveCalls.COVER and staff.role is Role.CSM

    def compose(self) -> ComposeResult:
        today = self.ws.time.today().isoformat()
        with Vertical():
            yield Label(t("leave.title", name=self.staff.name), classes="screen-title")
            yield BoundText(t("leave.loading"), id="leave-recorded")
            withdraw = Static(t("leave.withdraw_hint"), id="leave-withdraw", classes="hint")
            withdraw.display = False  # shown once there is a recorded leave to cancel
            yield withdraw
            yield BoundText(numbered(label(k) for k in LeaveKind))
            yield BoundedInput(
                "1", placeholder=t("leave.kind"), restrict=f"[1-{len(LeaveKind)}]", max_length=1, id="kind"
            )
            with Horizontal():
                yield BoundedInput(today, placeholder=t("leave.first"), max_length=DATE_MAX, id="first")
                yield BoundedInput(today, placeholder=t("leave.last"), max_length=DATE_MAX, id="last")
            uncovered = t("leave.waits") if self.staff.role is Role.CSM else t("leave.supervisor_no_cover")
            yield BoundText("" if self.covered else uncovered, id="leave-colleagues")
            cover = BoundedInput(placeholder=t("leave.cover"), restrict=r"[0-9]*", max_length=2, id="cover")
            cover.display = self.covered
            yield cover
            yield BoundedInput(placeholder=t("leave.note"), max_length=leave_service.NOTE_MAX, id="note")
            yield from self.footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#first", Input).focus()
        self.load()

    def load(self) -> None:
        staff_id, covered = self.staff.id, self.covered

        def known() -> _KnownLeave:
            return _KnownLeave(
                leave_service.upcoming(self.ws, staff_id),
                leave_service.colleagues(self.ws, staff_id) if covered else [],
            )

        in_background(
            self, known, self._show, group="load", load=True, failed=lambda failure: self.show_error(failure.message)
        )

    def _show(self, known: _KnownLeave) -> None:
        self.colleagues, self.recorded = known.colleagues, known.recorded
        self.query_one("#leave-withdraw", Static).display = bool(known.recorded)
        recorded = together(leave_text(row) for row in known.recorded)  # a leave each whole on a line
        self.query_one("#leave-recorded", BoundText).update(
            t("leave.recorded", list=recorded) if recorded else t("leave.none_recorded")
        )
        if self.covered:
            names = numbered(s.name for s in self.colleagues)
            self.query_one("#leave-colleagues", BoundText).update(
                t("leave.colleagues", list=names) if names else t("leave.no_colleagues")
            )

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def build(self) -> Callable[[], LeaveChange]:
        choice = self.value("kind")
        if not choice:
            raise DomainError("leave_kind_required")
        kind = list(LeaveKind)[int(choice) - 1]
        first, last = typed_date(self.value("first")), typed_date(self.value("last"))
        cover_id = self._chosen_colleague().id if self.covered else None
        note = self.value("note")
        staff_id = self.staff.id
        return lambda: LeaveChange(
            leave_service.record_leave(self.ws, staff_id, first, last, kind, cover_id, note), t("leave.saved")
        )

    def _chosen_colleague(self) -> Staff:
        """The colleague chosen by number."""
        number = self.value("cover")
        if not number.isdigit() or not 1 <= int(number) <= len(self.colleagues):
            raise DomainError("leave_cover_choice")
        return self.colleagues[int(number) - 1]

    def action_change_cover(self) -> None:
        """Name the colleague typed to cover the leave under way today (the service decides who may, and checks the
        colleague as when leave is recorded)."""
        if self.saving:
            return
        today = self.ws.time.today()
        leave_id = next((r.leave.id for r in self.recorded if r.leave.first_day <= today <= r.leave.last_day), None)
        if leave_id is None:
            self.show_error(t("leave.change_cover_none"))
            return
        try:
            cover = self._chosen_colleague()
        except DomainError as exc:
            self.show_error(describe(exc))
            return
        self.saving = True
        self.show_error(t("dialog.saving"))
        in_background(
            self,
            lambda: LeaveChange(
                leave_service.change_cover(self.ws, leave_id, cover.id), t("leave.cover_changed", name=cover.name)
            ),
            self.dismiss,
            group="save",
            failed=self._failed,
        )

    def action_withdraw(self) -> None:
        """Take back the recorded leave starting on the first day typed (the service decides who may, and how)."""
        if self.saving:
            return
        try:
            first = typed_date(self.value("first"))
        except DomainError as exc:
            self.show_error(describe(exc))
            return
        leave_id = next((r.leave.id for r in self.recorded if r.leave.first_day == first), None)
        if leave_id is None:
            self.show_error(t("leave.withdraw_none", first=first.isoformat()))
            return
        self.saving = True
        self.show_error(t("dialog.saving"))
        in_background(
            self,
            lambda: _withdrawn(leave_service.cancel_leave(self.ws, leave_id)),
            self.dismiss,
            group="save",
            failed=self._failed,
        )


# -- anti-money-laundering: a suspicion report filed, and the reviewer's decision --------------------------------


class AmlReportDialog(SavingDialog[R]):
    """File a suspicion report on the client (反洗钱可疑交易报告): what was seen (one or more), and what happened.
    It goes to the outlet's AML reviewer only; nothing of it shows on the client's page, card or lists."""

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"text": "text"}

    def __init__(self, ws: Workstation, client_id: int, client_name: str) -> None:
        super().__init__()
        self.ws = ws
        self.client_id = client_id
        self.client_name = client_name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("aml.file_title", client=self.client_name), classes="screen-title")
            yield Static(t("aml.file_explain"))
            for sign in AmlSign:
                seen, not_seen = t("aml.sign_seen", sign=label(sign)), t("aml.sign_not_seen", sign=label(sign))
                yield SaidCheckbox(seen, not_seen, id=f"sign-{sign.value}")
            yield BoundedInput(placeholder=t("aml.text"), max_length=aml.TEXT_MAX, id="text")
            yield from self.footer()

    def build(self) -> Callable[[], R]:
        signs = [s for s in AmlSign if self.query_one(f"#sign-{s.value}", Checkbox).value]
        text = self.query_one("#text", Input).value.strip()
        if not signs:
            raise DomainError("aml_signs_required")
        if not text:
            raise DomainError("aml_text_required")
        confirmed = self.confirmed()
        client_id = self.client_id
        return lambda: aml.file_report(self.ws, client_id, signs, text, confirmed)  # type: ignore[return-value]


class AmlDecisionDialog(SavingDialog[R]):
    """The reviewer's one decision on a suspicion report: 1 reported, 2 dismissed, with a reason."""

    CHOICES = (AmlStatus.REPORTED, AmlStatus.DISMISSED)

    def __init__(self, ws: Workstation, report_id: int) -> None:
        super().__init__()
        self.ws = ws
        self.report_id = report_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("aml.decide_title", id=self.report_id), classes="screen-title")
            yield BoundText(numbered(label(s) for s in self.CHOICES))
            yield BoundedInput(placeholder=t("aml.decision"), restrict="[12]", max_length=1, id="choice")
            yield BoundedInput(placeholder=t("aml.reason"), max_length=aml.REASON_MAX, id="reason")
            yield from self.footer()

    def build(self) -> Callable[[], R]:
        choice = self.query_one("#choice", Input).value.strip()
        if choice not in ("1", "2"):
            raise DomainError("aml_decision")
        status = self.CHOICES[int(choice) - 1]
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            raise DomainError("aml_reason_required")
        report_id = self.report_id
        return lambda: aml.decide(self.ws, report_id, status, reason)  # type: ignore[return-value]


# -- someone at an event's door who is not a client: a prospect, with consent --------------------------------------


class ProspectDialog(SavingDialog[Prospect]):
    """Name, mobile, the resident ID if they give it, and the person's consent to be contacted (without it nothing
    is kept); Enter saves. At an event's door; ``IntroductionDialog`` for someone a client introduced."""

    NOTE = False  # a note field (what the introducing client said of them)

    def __init__(self, ws: Workstation, event_id: int) -> None:
        super().__init__()
        self.ws = ws
        self.event_id = event_id

    def heading(self) -> str:
        return t("prospect.title")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.heading(), classes="screen-title")
            yield BoundedInput(placeholder=t("prospect.name"), max_length=32, id="name")
            yield BoundedInput(placeholder=t("prospect.mobile"), max_length=20, id="mobile")
            yield BoundedInput(placeholder=t("prospect.resident_id"), max_length=20, id="resident_id")
            if self.NOTE:
                yield BoundedInput(placeholder=t("prospect.note"), max_length=event_prospects.NOTE_MAX, id="note")
            yield SaidCheckbox(t("prospect.consent"), t("prospect.no_consent"), id="consent")
            yield from self.footer()

    def build(self) -> Callable[[], Prospect]:
        name = self.query_one("#name", Input).value.strip()
        mobile = self.query_one("#mobile", Input).value
        resident_id = self.query_one("#resident_id", Input).value
        consent = self.query_one("#consent", Checkbox).value
        if not name or not mobile.strip():
            raise ValueError(t("prospect.incomplete"))
        return self.save(name, mobile, resident_id, consent)

    def save(self, name: str, mobile: str, resident_id: str, consent: bool) -> Callable[[], Prospect]:
        return lambda: event_prospects.meet_at_event(self.ws, self.event_id, name, mobile, consent, resident_id)


class IntroductionDialog(ProspectDialog):
    """Someone the client introduced (通过老客户的介绍), with a note: a prospect of the client's own CSM."""

    NOTE = True
    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"note": "note"}

    def __init__(self, ws: Workstation, client_id: int, client_name: str) -> None:
        super().__init__(ws, 0)
        self.client_id = client_id
        self.client_name = client_name

    def heading(self) -> str:
        return t("prospect.introduce_title", client=self.client_name)

    def save(self, name: str, mobile: str, resident_id: str, consent: bool) -> Callable[[], Prospect]:
        note = self.query_one("#note", Input).value
        confirmed, client_id = self.confirmed(), self.client_id
        return lambda: event_prospects.introduced(
            self.ws, client_id, name, mobile, consent, resident_id, note, confirmed
        )


class ProspectCallDialog(SavingDialog[int]):
    """What came of a call to a prospect: the note (phrase-checked) for the outcome chosen by its key."""

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"note": "note"}

    def __init__(
        self, ws: Workstation, prospect_id: int, name: str, outcome: ProspectOutcome, task_id: int | None
    ) -> None:
        super().__init__()
        self.ws = ws
        self.prospect_id = prospect_id
        self.person = name
        self.outcome = outcome
        self.task_id = task_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                t("prospect_call.outcome_title", name=self.person, outcome=label(self.outcome)), classes="screen-title"
            )
            yield BoundedInput(placeholder=t("prospect_call.note"), max_length=prospect_calls.NOTE_MAX, id="note")
            yield from self.footer()

    def build(self) -> Callable[[], int]:
        note = self.query_one("#note", Input).value
        confirmed = self.confirmed()
        prospect_id, outcome, task_id = self.prospect_id, self.outcome, self.task_id
        return lambda: prospect_calls.record(self.ws, prospect_id, outcome, note, task_id=task_id, confirmed=confirmed)


# -- a marketing event planned: kind, title, when, where, how many, the payroll company, the featured products ----


class EventDialog(SavingDialog[Event]):
    """Enter saves the event; the rules (working day, opening hours, capacity, the company) are the service's."""

    DEFAULT_CSS = """
    EventDialog > Vertical { width: 76; }
    EventDialog Horizontal { height: auto; }
    EventDialog Horizontal Input { width: 1fr; }
    """

    def __init__(self, ws: Workstation) -> None:
        super().__init__()
        self.ws = ws

    def compose(self) -> ComposeResult:
        day = self.ws.time.local_now().shift(days=7).format("YYYY-MM-DD")
        with Vertical():
            yield Label(t("event_form.title"), classes="screen-title")
            yield Select[EventKind]([(label(k), k) for k in EventKind], prompt=t("event_form.kind"), id="kind")
            yield BoundedInput(placeholder=t("event_form.name"), max_length=64, id="name")
            with Horizontal():
                yield BoundedInput(day, placeholder="YYYY-MM-DD", max_length=DATE_MAX, id="date")
                yield BoundedInput("14:00", placeholder="HH:MM", max_length=TIME_MAX, id="time")
                yield BoundedInput("90", placeholder=t("event_form.minutes"), max_length=3, id="minutes")
            with Horizontal():
                yield BoundedInput(placeholder=t("event_form.place"), max_length=100, id="place")
                yield BoundedInput("30", placeholder=t("event_form.capacity"), max_length=4, id="capacity")
            with Horizontal():
                yield BoundedInput(placeholder=t("event_form.company"), max_length=64, id="company")
                yield BoundedInput(placeholder=t("event_form.products"), max_length=200, id="products")
            yield from self.footer()

    def build(self) -> Callable[[], Event]:
        kind = self.query_one("#kind", Select).value
        if not isinstance(kind, EventKind):
            raise ValueError(t("event_form.kind_required"))
        value = {name: self.query_one(f"#{name}", Input).value.strip() for name in (
            "name", "date", "time", "minutes", "place", "capacity", "company", "products")}  # fmt: skip
        if not value["name"] or not value["place"]:
            raise ValueError(t("event_form.incomplete"))
        if not value["minutes"].isdigit() or not value["capacity"].isdigit():
            raise ValueError(t("event_form.numbers"))
        codes = tuple(c for c in value["products"].replace("，", ",").split(",") if c.strip())
        draft = EventDraft(
            kind=kind, title=value["name"], starts_at=typed_time(value["date"], value["time"], self.ws.time.tz),
            minutes=int(value["minutes"]), place=value["place"], capacity=int(value["capacity"]),
            company=value["company"], product_codes=codes,
        )  # fmt: skip
        return lambda: event_planning.create_event(self.ws, draft)


# -- clients invited by hand to an event: found as one types, Enter on a row picks (or drops) one ---------------


class InviteDialog(SavingDialog[int]):
    """Type a name, pinyin initials or a client number; Enter moves to the clients found (never sends), Enter on one
    picks it (or drops it) and goes back to the search; Enter on an empty search invites those picked. Who may be
    picked and invited is the service's (``planning.invitable``, ``planning.invite_clients``)."""

    ENTER_HELP_BY_FIELD: ClassVar[dict[str, str]] = {"who": "enter.invite_search", "found": "enter.invite_pick"}
    HINT_KEY = "invite.hint"
    DEFAULT_CSS = """
    InviteDialog > Vertical { width: 76; }
    InviteDialog KeyTable { height: 8; }
    """

    def __init__(self, ws: Workstation, event_id: int) -> None:
        super().__init__()
        self.ws = ws
        self.event_id = event_id
        self.search_text = ""
        self.found_for: str | None = None  # the search text the clients found answer
        self.to_found = False  # Enter came before the search's answer: move to the clients found once it is in
        self.found: list[ClientListRow] = []
        self.picked: dict[int, str] = {}  # client id: name, in the order picked

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("invite.title"), classes="screen-title")
            yield BoundedInput(placeholder=t("invite.search"), max_length=SEARCH_MAX, id="who")
            yield KeyTable(id="found")
            yield Static(t("invite.picked", count=0, names=""), id="picked")
            yield from self.footer()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "who":
            return
        text = self.search_text = event.value
        self.to_found = False
        in_background(
            self, lambda: event_planning.invitable(self.ws, text), lambda rows: self._found(text, rows),
            group="search", load=True,
        )  # fmt: skip

    def _found(self, text: str, rows: list[ClientListRow]) -> None:
        if text != self.search_text:
            return  # an older search arriving late
        self.found, self.found_for = rows, text
        self._show_found()
        if self.to_found:
            self._to_found()

    def _show_found(self) -> None:
        headers = ["", t("clients.number"), t("clients.name"), t("clients.id")]
        shown = [("✓" if r.id in self.picked else "", r.number, r.name, r.masked_id) for r in self.found]
        self.query_one("#found", KeyTable).show_rows(headers, shown, keys=[str(r.id) for r in self.found])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search: to the clients found; only on an empty search are those picked invited (the
        default, ``SavingDialog``'s, is prevented: it would send them whatever was typed)."""
        event.prevent_default()
        event.stop()
        if not event.input.value.strip():
            self.submit()
        elif self.found_for == self.search_text:
            self._to_found()
        else:
            self.to_found = True

    def _to_found(self) -> None:
        self.to_found = False
        if self.found:
            self.query_one("#found", KeyTable).focus()
        else:
            self.show_error(t("invite.none_found"))

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        event.stop()
        row = next((r for r in self.found if str(r.id) == event.row_key.value), None)
        if row is None:
            return
        if self.picked.pop(row.id, None) is None:
            self.picked[row.id] = row.name
        if not self.saving:
            self.show_error("")  # a refusal spoke of the clients picked before
        names = listed(self.picked.values())
        self.query_one("#picked", Static).update(t("invite.picked", count=len(self.picked), names=names))
        self._show_found()
        self.query_one("#who", Input).focus()

    def build(self) -> Callable[[], int]:
        if not self.picked:
            raise DomainError("invite_none")
        picked = list(self.picked)
        return lambda: event_planning.invite_clients(self.ws, self.event_id, picked)
