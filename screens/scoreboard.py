"""The scoreboard: this quarter's figures so far."""

from __future__ import annotations

from textual.app import ComposeResult

from csm_tui.domain.enums import ProductCategory
from csm_tui.i18n import label, money, t
from csm_tui.services.scoring import Quarter, quarter_to_date
from csm_tui.services.views import QuarterFigures
from screens.base import Destination
from widgets.cells import figure
from widgets.table import KeyTable


class ScoreboardScreen(Destination[tuple[Quarter, QuarterFigures]]):
    TITLE_KEY = "nav.scoreboard"

    def compose_body(self) -> ComposeResult:
        yield KeyTable(id="figures")

    def on_mount(self) -> None:
        self.query_one(KeyTable).add_columns(t("scoreboard.indicator"), t("scoreboard.actual"))

    def fetch(self) -> tuple[Quarter, QuarterFigures]:
        return quarter_to_date(self.ws)

    def show(self, data: tuple[Quarter, QuarterFigures]) -> None:
        quarter, figures = data
        table = self.query_one(KeyTable)
        table.clear()
        table.add_row(t("scoreboard.calls"), figure(str(figures.calls)))
        table.add_row(t("scoreboard.contacts"), figure(str(figures.contacts)))
        table.add_row(t("scoreboard.service_callbacks"), figure(str(figures.service_callbacks_done)))
        for category in ProductCategory:
            amount = figures.sales_by_category.get(category)
            if amount is not None:
                table.add_row(t("scoreboard.sales", category=label(category)), figure(money(amount)))
        self.set_status(t("scoreboard.quarter", year=quarter.year, number=quarter.number))
