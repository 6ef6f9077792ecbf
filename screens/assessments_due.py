"""Suitability: own clients whose risk assessment has expired, expires soon, or was never taken."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from csm_tui.i18n import counted, t
from csm_tui.services.rows import AssessmentDue
from csm_tui.services.selling.assessments_due import assessments_due
from screens.base import Destination, offered_action
from screens.suitability_wizard import SuitabilityWizard
from widgets.empty_note import own_book_note
from widgets.table import KeyTable

_SOON = ("suitability.expiring_today", "suitability.expiring_tomorrow")  # by days left


class SuitabilityScreen(Destination[list[AssessmentDue]]):
    TITLE_KEY = "nav.suitability"
    ENTER_HELP = "enter.assess"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "wizard", "key.new_sale", id="suitability.new"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``n`` (a new sale) for a role that sells only: another is told so by the wizard, and not offered it."""
        return offered_action(self.ws, action, "suitability")

    def compose_body(self) -> ComposeResult:
        yield own_book_note(self.ws.staff.role, "assessments", "empty.assessments")
        yield KeyTable(id="assessments")

    def fetch(self) -> list[AssessmentDue]:
        return assessments_due(self.ws)

    def show(self, data: list[AssessmentDue]) -> None:
        headers = [t(f"suitability.{c}") for c in ("client", "level", "valid_until", "status")]
        rows = [
            (
                row.client_name,
                row.level.code if row.level else "",
                row.valid_until.isoformat() if row.valid_until else "",
                self._status(row),
            )
            for row in data
        ]
        self.query_one(KeyTable).show_rows(headers, rows, keys=[str(row.client_id) for row in data])
        self.set_status(counted("suitability.count", count=len(data)))

    def _status(self, row: AssessmentDue) -> str:
        today = self.ws.time.today()
        if row.valid_until is None:
            return t("suitability.none")
        if row.valid_until < today:
            return t("suitability.expired")
        days = (row.valid_until - today).days
        if days < len(_SOON):
            return t(_SOON[days])  # "today", "tomorrow": not "in 0 days"
        return t("suitability.expiring", days=days)

    def action_wizard(self) -> None:
        self.app.push_screen(SuitabilityWizard(self.ws))

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(SuitabilityWizard(self.ws, int(event.row_key.value)))
