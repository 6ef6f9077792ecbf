"""Referrals: those made by and to the signed-in staff member — the home of the lobby manager, tellers and 沃德
client managers.

At the counter (lobby, tellers): type a client's name, mobile, ID, card or client number and Enter; the clients
found show whose they are; Enter on one records the walk-in — to the client's own manager (named), or to a CSM chosen
for a client who has none. The receiving manager accepts (a) or returns (x, with a reason) what was referred to
them; the client's need stays as referred, the decision's note beside it. A 沃德 client manager releases (u, with a
reason) a client they accepted, who leaves their book.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from csm_tui.domain.enums import ReferralKind
from csm_tui.domain.models import Referral, Staff
from csm_tui.domain.roles import offered
from csm_tui.i18n import label, t
from csm_tui.services.clients import referrals
from csm_tui.services.clients.referrals import WalkInClient, WalkInSent
from csm_tui.services.phrase_check import PhrasesConfirmed
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from screens.base import Destination
from screens.dialogs import CheckedTextDialog, WalkInDialog, release_dialog
from screens.referral_words import released_said, returned_said
from widgets.empty_note import EmptyNote
from widgets.table import KeyTable
from widgets.text_fields import SEARCH_MAX, BoundedInput

# Enter's meaning on each list: the referral whole, or the client found recorded as a walk-in.
_ENTER_ON = {"open_row": "referrals", "refer_found": "walk-in-found"}


class ReferralsScreen(Destination[tuple[list[Referral], referrals.Names]]):
    TITLE_KEY = "nav.referrals"
    LIVE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        # What Enter does on the list focused, said in the key bar (the list's own Enter does it)
        Binding("enter", "open_row", "key.row_detail", id="referrals.row"),
        Binding("enter", "refer_found", "key.refer_walk_in", id="referrals.refer_found"),
        Binding("a", "decide(True)", "key.accept", id="referrals.accept"),
        Binding("x", "decide(False)", "key.return", id="referrals.return"),
        Binding("u", "release", "key.release_wode", id="referrals.release"),
        Binding("n", "walk_in", "key.walk_in", id="referrals.walk_in"),
        Binding("slash", "walk_in", "key.find_walk_in", show=False, id="referrals.find"),
        Binding("escape", "to_list", "key.to_list", id="referrals.to_list"),
    ]
    DEFAULT_CSS = """
    ReferralsScreen #walk-in-found { height: auto; max-height: 8; }
    """

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)
        self.rows: list[Referral] = []
        self.names = referrals.Names({}, {})
        self.found: list[WalkInClient] = []
        self.csms: list[Staff] = []
        self.counter = offered(ws.staff.role, "walk_in")  # records walk-ins (the service decides it the same way)

    def compose_body(self) -> ComposeResult:
        if self.counter:
            yield BoundedInput(placeholder=t("walk_in.search"), max_length=SEARCH_MAX, id="walk-in-search")
            yield KeyTable(id="walk-in-found")
        yield EmptyNote("referrals", "empty.referrals")
        yield KeyTable(id="referrals", enter_opens_row=True)

    def on_mount(self) -> None:
        if self.counter:
            self.query_one("#walk-in-found", KeyTable).display = False  # no room taken until someone is found
        self.query_one("#referrals", KeyTable).focus()  # the digits still go to the destinations; n to search

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape goes back to the list from the walk-in search (its box or what it found), and only from there; the
        walk-in keys are the counter's, accept and return those of whoever is referred clients (``WORK_ROLES``), on a
        row open to them."""
        focused = self.focused.id if self.focused is not None else None
        if action == "to_list":
            return focused in ("walk-in-search", "walk-in-found")
        if action in _ENTER_ON:
            return focused == _ENTER_ON[action]
        if action == "walk_in":
            return self.counter
        if action == "decide":
            selected = self._selected()
            return selected is not None and self._may_decide(selected, accept=parameters == (True,))
        if action == "release":  # on a row the service lets the reader release (``referrals.release``)
            selected = self._selected()
            return selected is not None and selected.id in self.names.releasable
        return True

    def on_data_table_row_highlighted(self, event: KeyTable.RowHighlighted) -> None:
        if event.data_table.id == "referrals":
            self.refresh_bindings()  # a, x and u on the row highlighted, or not

    def action_open_row(self) -> None:
        self.query_one("#referrals", KeyTable).action_open_row()

    def action_refer_found(self) -> None:
        self.query_one("#walk-in-found", KeyTable).action_select_cursor()

    def action_to_list(self) -> None:
        self.query_one("#referrals", KeyTable).focus()

    def fetch(self) -> tuple[list[Referral], referrals.Names]:
        return referrals.mine(self.ws)

    def show(self, data: tuple[list[Referral], referrals.Names]) -> None:
        found, names = data
        self.rows, self.names = found, names
        self.refresh_bindings()
        headers = [t(f"detail.col.{n}") for n in ("date", "kind", "client", "from", "to", "status", "need", "decision")]
        rows = [
            (
                self.ws.time.local(r.created_at).format("YYYY-MM-DD"),
                label(r.kind),
                names.clients.get(r.client_id, ""),
                names.staff.get(r.from_staff_id, ""),
                names.staff.get(r.to_staff_id, ""),
                t("referrals.held_by", name=names.held_elsewhere[r.id])
                if r.id in names.held_elsewhere
                else label(r.status),
                r.reason,
                r.decision_note,
            )
            for r in found
        ]
        self.query_one("#referrals", KeyTable).show_rows(headers, rows)
        waiting = sum(1 for r in found if referrals.decidable(r, self.ws.staff.id))
        self.set_status(t("referrals.count", count=len(found), open=waiting))

    # --- the counter: find the walk-in, send them to their manager --------------------------------------------

    def action_walk_in(self) -> None:
        if not self.counter:
            self.notify(t("access.referral_counter"), severity="warning")
            return
        self.query_one("#walk-in-search", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "walk-in-search":
            return
        event.stop()
        text = event.value

        def search() -> tuple[list[WalkInClient], list[Staff]]:
            found = referrals.find_walk_in(self.ws, text)
            return found, referrals.csms(self.ws) if any(c.manager_id is None for c in found) else []

        in_background(self, search, self._found, group="walk-in-search", load=True)

    def _found(self, result: tuple[list[WalkInClient], list[Staff]]) -> None:
        self.found, self.csms = result
        headers = [t(f"walk_in.col.{c}") for c in ("name", "number", "mobile", "id", "manager")]
        rows = [
            (
                c.row.name,
                c.row.number,
                c.row.masked_mobile,
                c.row.masked_id,
                c.manager_name if c.manager_id is not None else t("walk_in.no_manager"),
            )
            for c in self.found
        ]
        table = self.query_one("#walk-in-found", KeyTable)
        table.show_rows(headers, rows)
        table.display = bool(self.found)
        if self.found:
            table.focus()
        else:
            self.notify(t("walk_in.none_found"), severity="warning")

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        if event.data_table.id != "walk-in-found":
            return
        event.stop()
        if 0 <= event.cursor_row < len(self.found):
            client = self.found[event.cursor_row]
            self.app.push_screen(WalkInDialog(self.ws, client, self.csms), self._sent)

    def _sent(self, sent: WalkInSent | None) -> None:
        if sent is None:
            return
        key = "walk_in.sent_assigned" if sent.assigned else "walk_in.sent"
        self.notify(t(key, name=sent.to_name), timeout=6)
        self.query_one("#walk-in-search", Input).value = ""
        found = self.query_one("#walk-in-found", KeyTable)
        found.clear(columns=True)
        found.display = False
        self.found = []
        self.reload()

    # --- the receiving manager ---------------------------------------------------------------------------------

    def _selected(self) -> Referral | None:
        table = self.query_one("#referrals", KeyTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _may_decide(self, referral: Referral, *, accept: bool) -> bool:
        """On a row still open to the reader (``referrals.decidable``): accepted unless another 沃德 client manager
        holds the client already, returned; or returned on its manager's behalf (a supervisor's team's)."""
        if accept:
            return self._decides(referral) and referral.id not in self.names.held_elsewhere
        return self._decides(referral) or referral.id in self.names.returnable

    def _decides(self, referral: Referral) -> bool:
        decides = offered(self.ws.staff.role, "decide_referral")
        return decides and referrals.decidable(referral, self.ws.staff.id)

    def action_decide(self, accept: bool) -> None:
        referral = self._selected()
        if referral is None or not self._may_decide(referral, accept=accept):
            self.notify(t("referrals.not_yours"), severity="warning")
            return

        def save(note: str, confirmed: PhrasesConfirmed | None) -> referrals.Released:
            return referrals.decide(self.ws, referral, accept, note, confirmed)

        need = t("referrals.need", need=referral.reason or "—")  # the client's need, which stays as referred
        if accept:
            dialog = CheckedTextDialog(
                t("referrals.accept_title"), need, t("referrals.accept_note"), save, required=False
            )
        else:
            if referral.kind is ReferralKind.WODE:  # said before it is done (``referrals.decide``)
                need = f"{need}\n{t('referrals.return_releases')}"
            dialog = CheckedTextDialog(t("referrals.return_title"), need, t("referrals.return_reason"), save)
        self.app.push_screen(dialog, partial(self._done, on_behalf=referral.to_staff_id != self.ws.staff.id))

    def action_release(self) -> None:
        referral = self._selected()
        if referral is not None:
            client = self.names.clients.get(referral.client_id, "")
            self.app.push_screen(release_dialog(self.ws, referral, client), self._released)

    def _released(self, saved: referrals.Released | None) -> None:
        if saved is not None:
            self.notify(released_said(saved))
            self.reload()

    def _done(self, saved: referrals.Released | None, *, on_behalf: bool) -> None:
        if saved is None:
            return
        if saved.calls or saved.meetings:
            self.notify(returned_said(saved, on_behalf=on_behalf))
        else:
            self.notify(t("call.saved"), timeout=2)
        self.reload()
