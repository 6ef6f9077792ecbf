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

    def fetch(self) -> tuple[Quarter, QuarterFigures]:
        return quarter_to_date(self.ws)

    def show(self, data: tuple[Quarter, QuarterFigures]) -> None:
        quarter, figures = data
        rows = [
            (t("scoreboard.calls"), figure(str(figures.calls))),
            (t("scoreboard.contacts"), figure(str(figures.contacts))),
            (t("scoreboard.service_callbacks"), figure(str(figures.service_callbacks_done))),
            *(
                (t("scoreboard.sales", category=label(category)), figure(money(amount)))
                for category in ProductCategory
                if (amount := figures.sales_by_category.get(category)) is not None
            ),
        ]
        self.query_one(KeyTable).show_rows([t("scoreboard.indicator"), t("scoreboard.actual")], rows)
        self.set_status(t("scoreboard.quarter", year=quarter.year, number=quarter.number))
