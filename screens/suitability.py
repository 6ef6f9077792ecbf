"""Suitability: own clients whose risk assessment has expired, expires soon, or was never taken."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from csm_tui.i18n import t
from csm_tui.services.suitability import assessments_due
from csm_tui.services.views import AssessmentDue
from screens.base import Destination
from screens.suitability_wizard import SuitabilityWizard
from widgets.table import KeyTable


class SuitabilityScreen(Destination[list[AssessmentDue]]):
    TITLE_KEY = "nav.suitability"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "wizard", "key.new_sale", id="suitability.new"),
    ]

    def compose_body(self) -> ComposeResult:
        yield KeyTable(id="assessments")

    def on_mount(self) -> None:
        self.query_one(KeyTable).add_columns(
            t("suitability.client"), t("suitability.level"), t("suitability.valid_until"), t("suitability.status")
        )

    def fetch(self) -> list[AssessmentDue]:
        return assessments_due(self.ws)

    def show(self, data: list[AssessmentDue]) -> None:
        today = self.ws.time.today()
        table = self.query_one(KeyTable)
        table.clear()
        for row in data:
            if row.valid_until is None:
                status = t("suitability.none")
            elif row.valid_until < today:
                status = t("suitability.expired")
            else:
                status = t("suitability.expiring", days=(row.valid_until - today).days)
            table.add_row(
                row.client_name,
                row.level.code if row.level else "",
                row.valid_until.isoformat() if row.valid_until else "",
                status,
                key=str(row.client_id),
            )
        self.set_status(t("suitability.count", count=len(data)))

    def action_wizard(self) -> None:
        self.app.push_screen(SuitabilityWizard(self.ws))

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(SuitabilityWizard(self.ws, int(event.row_key.value)))
