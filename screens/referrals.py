"""Referrals: those made by and to the signed-in staff member.

A 沃德 client manager accepts (a) or returns (x, with a reason) what was referred to them; tellers and the lobby
manager record a walk-in referral to a CSM (n), which lands in that CSM's call queue.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from csm_tui.domain.enums import ReferralStatus
from csm_tui.domain.models import Referral, Staff
from csm_tui.i18n import label, t
from csm_tui.services.clients import referrals
from csm_tui.services.phrase_check import PhrasesConfirmed
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from screens.base import Destination
from screens.dialogs import CheckedTextDialog, WalkInDialog
from widgets.empty_note import EmptyNote
from widgets.table import KeyTable


class ReferralsScreen(Destination[tuple[list[Referral], referrals.Names]]):
    TITLE_KEY = "nav.referrals"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "decide(True)", "key.accept", id="referrals.accept"),
        Binding("x", "decide(False)", "key.return", id="referrals.return"),
        Binding("n", "walk_in", "key.walk_in", id="referrals.walk_in"),
    ]

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)
        self.rows: list[Referral] = []

    def compose_body(self) -> ComposeResult:
        yield EmptyNote("referrals", "empty.referrals")
        yield KeyTable(id="referrals")

    def fetch(self) -> tuple[list[Referral], referrals.Names]:
        return referrals.mine(self.ws)

    def show(self, data: tuple[list[Referral], referrals.Names]) -> None:
        found, names = data
        self.rows = found
        headers = [t(f"detail.col.{n}") for n in ("date", "kind", "client", "from", "to", "status", "reason")]
        rows = [
            (
                self.ws.time.local(r.created_at).format("YYYY-MM-DD"),
                label(r.kind),
                names.clients.get(r.client_id, ""),
                names.staff.get(r.from_staff_id, ""),
                names.staff.get(r.to_staff_id, ""),
                label(r.status),
                r.reason,
            )
            for r in found
        ]
        self.query_one(KeyTable).show_rows(headers, rows)
        waiting = sum(1 for r in found if r.status is ReferralStatus.OPEN and r.to_staff_id == self.ws.staff.id)
        self.set_status(t("referrals.count", count=len(found), open=waiting))

    def _selected(self) -> Referral | None:
        table = self.query_one(KeyTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_decide(self, accept: bool) -> None:
        referral = self._selected()
        if referral is None or referral.status is not ReferralStatus.OPEN or referral.to_staff_id != self.ws.staff.id:
            self.notify(t("referrals.not_yours"), severity="warning")
            return

        def save(reason: str, confirmed: PhrasesConfirmed | None) -> bool:
            referrals.decide(self.ws, referral, accept, reason, confirmed)
            return True

        if accept:
            self.decide_now(referral)
        else:
            dialog = CheckedTextDialog(t("referrals.return_title"), "", t("referrals.return_reason"), save)
            self.app.push_screen(dialog, self._done)

    def decide_now(self, referral: Referral) -> None:
        in_background(self, lambda: referrals.decide(self.ws, referral, True), lambda _: self._done(True), group="save")

    def _done(self, saved: object) -> None:
        if saved:
            self.notify(t("call.saved"), timeout=2)
            self.reload()

    def action_walk_in(self) -> None:
        self.load_csms()

    def load_csms(self) -> None:
        in_background(self, lambda: referrals.csms(self.ws), self._walk_in, group="load-staff", load=True)

    def _walk_in(self, csms: list[Staff]) -> None:
        self.app.push_screen(WalkInDialog(self.ws, csms), self._done)
