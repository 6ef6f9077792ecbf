"""The appraisal's forms: a supervisor's mystery-shopper check; the admin's training hours and qualifications.
Each saves through the appraisal service (which checks the role) in one transaction; a refused save keeps what
was typed and says why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import arrow
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from csm_tui.domain.enums import MysteryItem, QualificationKind
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import label, t
from csm_tui.services.rows import CsmRow
from csm_tui.services.scoreboard import appraisal_entries
from csm_tui.services.workstation import Workstation
from screens.outcome import SavingDialog
from widgets.text_fields import DATE_MAX, BoundedInput


def typed_date(text: str) -> dt.date:
    try:
        return arrow.get(text.strip(), "YYYY-MM-DD").date()
    except (arrow.parser.ParserError, ValueError):
        raise DomainError("bad_date") from None


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
                yield Static(f"{number}  {label(item)} ({points[item]})")
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
            yield Static("  ".join(f"{n} {label(k)}" for n, k in enumerate(QualificationKind, start=1)))
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
