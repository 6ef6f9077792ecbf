"""Clients: own clients in full; typing searches the branch, others' clients masked (the OCRM rule)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from csm_tui.i18n import label, money, t
from csm_tui.services.clients import find_clients, tier_of
from csm_tui.services.views import ClientListRow
from screens.base import Destination
from widgets.table import KeyTable


class ClientsScreen(Destination[list[ClientListRow]]):
    TITLE_KEY = "nav.clients"

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=t("clients.search_hint"), id="client-search", classes="filter")
        yield KeyTable(id="clients")

    def on_mount(self) -> None:
        self.query_one(KeyTable).add_columns(
            t("clients.number"),
            t("clients.name"),
            t("clients.id"),
            t("clients.mobile"),
            t("clients.tier"),
            t("clients.avg_3m"),
            t("clients.as_of"),
        )

    def fetch(self) -> list[ClientListRow]:
        return find_clients(self.ws, self.query_one(Input).value)

    def show(self, data: list[ClientListRow]) -> None:
        table = self.query_one(KeyTable)
        table.clear()
        for row in data:
            mine = row.own
            table.add_row(
                row.number,
                row.name,
                row.masked_id,
                row.masked_mobile,
                label(tier_of(row.avg_3m, self.ws.policy.tiers)) if mine else "",
                money(row.avg_3m) if mine else "—",
                row.assets_as_of.isoformat() if mine and row.assets_as_of else "",
                key=str(row.id),
            )
        self.set_status(t("clients.count", count=len(data)))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(KeyTable).focus()
