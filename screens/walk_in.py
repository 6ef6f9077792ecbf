"""A teller or the lobby manager records a walk-in with a product interest for a CSM."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select

from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Referral, Staff
from csm_tui.i18n import t
from csm_tui.services import referrals
from csm_tui.services.workstation import Workstation
from screens.outcome import SavingDialog
from widgets.text_fields import BoundedInput


class WalkInDialog(SavingDialog[Referral]):
    def __init__(self, ws: Workstation, csms: list[Staff]) -> None:
        super().__init__()
        self.ws = ws
        self.csms = csms

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("walk_in.title"), classes="screen-title")
            yield BoundedInput(placeholder=t("clients.number"), max_length=20, id="number")
            yield Select[int](
                [(f"{s.name} ({s.login})", s.id) for s in self.csms if s.id], prompt=t("walk_in.to"), id="to"
            )
            yield BoundedInput(placeholder=t("walk_in.interest"), max_length=200, id="note")
            yield from self.footer()

    def build(self) -> Callable[[], Referral]:
        number = self.query_one("#number", Input).value.strip()
        to = self.query_one("#to", Select).value
        note = self.query_one("#note", Input).value.strip()
        if not number or not isinstance(to, int) or not note:
            raise DomainError("walk_in_incomplete")
        confirmed = self.confirmed()

        def save() -> Referral:
            client = referrals.client_by_number(self.ws, number)
            return referrals.refer_walk_in(self.ws, client.id, to, note, confirmed)

        return save
