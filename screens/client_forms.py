"""The client detail's forms: reveal with a reason, edit contact details, book or move a meeting, add a
follow-up, refer to a 沃德 client manager. Each saves through the function it is given (see SavingDialog)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import arrow
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Static

from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Client, Staff
from csm_tui.i18n import t
from csm_tui.services.phrase_check import PhrasesConfirmed
from screens.outcome import SavingDialog, typed_time
from widgets.text_fields import DATE_MAX, TIME_MAX, BoundedInput

R = TypeVar("R")


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
                yield Static(explain)
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


class EditClientDialog(SavingDialog[R]):
    """Contact details and opt-outs. Every field keeps what was typed if the save is refused."""

    TEXT_FIELDS = ("mobile", "address", "occupation", "note")
    FLAGS = ("phone_opt_out", "sms_opt_out")

    def __init__(self, client: Client, save: Callable[[dict[str, Any], PhrasesConfirmed | None], R]) -> None:
        super().__init__()
        self.client = client
        self.save = save

    def compose(self) -> ComposeResult:
        c = self.client
        with Vertical():
            yield Label(t("detail.edit_title", client=c.name), classes="screen-title")
            for name in self.TEXT_FIELDS:
                value = getattr(c, name) or ""
                yield BoundedInput(str(value), placeholder=t(f"field.{name}"), max_length=200, id=name)
            for name in self.FLAGS:
                yield Checkbox(t(f"field.{name}"), getattr(c, name), id=name)
            yield from self.footer()

    def build(self) -> Callable[[], R]:
        changes: dict[str, Any] = {}
        for name in self.TEXT_FIELDS:
            value = self.query_one(f"#{name}", Input).value.strip()
            if value != (getattr(self.client, name) or ""):
                changes[name] = value or None if name == "mobile" else value
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
        with_time: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        self.title_text = title
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
            yield BoundedInput(placeholder=t("outcome.note"), max_length=200, id="note")
            yield from self.footer()

    def build(self) -> Callable[[], R]:
        date = self.query_one("#date", Input).value
        time = self.query_one("#time", Input).value if self.with_time else "00:00"
        at = typed_time(date, time, self.suggested.tzinfo)
        note = self.query_one("#note", Input).value.strip()
        confirmed = self.confirmed()
        return lambda: self.save(at, note, confirmed)


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
                yield Static(f"{number}  {person.name} ({person.login})")
            yield BoundedInput(placeholder=t("skip.choose"), restrict="[1-9]", max_length=1, id="who")
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
