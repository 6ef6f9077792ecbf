"""The daily checklist: what today holds, ticked from the data (班前 / 班中 / 班后)."""

from __future__ import annotations

from textual.app import ComposeResult

from csm_tui.i18n import t
from csm_tui.services.checklist import today_figures
from csm_tui.services.views import DayFigures
from screens.base import Destination
from widgets.table import KeyTable


class ChecklistScreen(Destination[DayFigures]):
    TITLE_KEY = "nav.checklist"

    def compose_body(self) -> ComposeResult:
        yield KeyTable(id="checklist")

    def fetch(self) -> DayFigures:
        return today_figures(self.ws)

    def show(self, data: DayFigures) -> None:
        target = self.ws.policy.calls.daily_target
        items = [
            ("before", "appointments", str(data.appointments), None),
            ("before", "callbacks_due", str(data.callbacks_due), data.callbacks_due == 0),
            ("before", "maturing", str(data.maturing_soon), None),
            ("before", "new_products", str(data.new_products), None),
            ("during", "calls", f"{data.calls} / {target}", data.calls >= target),
            ("during", "contacts", str(data.contacts), None),
            ("during", "sales", str(data.sales), None),
            ("after", "service_callbacks_due", str(data.service_callbacks_due), data.service_callbacks_due == 0),
        ]
        headers = [t("checklist.phase"), t("checklist.item"), t("checklist.figure"), t("checklist.done")]
        rows = [
            (t(f"checklist.{phase}"), t(f"checklist.{item}"), figure, "" if done is None else ("✓" if done else "·"))
            for phase, item, figure, done in items
        ]
        self.query_one(KeyTable).show_rows(headers, rows, keys=[item for _, item, _, _ in items])
