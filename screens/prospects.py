"""Prospects (潜在客户): a CSM's own — people met at an event's door or introduced by a client, not clients yet — or a
supervisor's team's (mobiles masked: only the prospect's own CSM calls them), and the prospect call session.

The list shows each prospect's name, mobile, where they came from (the event, or the client who introduced them),
whether they may be called, the last call and the next one, and the day they are purged if they never become a
client (the policy's retention). Enter or → opens the row with the calls made; ``c`` calls the prospect under the
cursor (a CSM's own). The call session shows a prospect card — no financial data, no product: the call invites
them to open an account or visit the branch — and takes one key per outcome: r reached (with a note), n no answer
(retried by the cadence), i not interested, x do not call (the consent withdrawn), w wrong number; the last three
end their calls. The rules are the services' (``services.calls.prospect_calls``): the screen offers, they decide.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from csm_tui.domain.enums import ProspectCallKind, ProspectOutcome, Role
from csm_tui.i18n import counted, label, t
from csm_tui.services.calls import prospect_calls
from csm_tui.services.calls.prospect_calls import ProspectCard
from csm_tui.services.events import prospects
from csm_tui.services.events.prospects import ProspectsView
from csm_tui.services.rows import ProspectCallDue, ProspectContactLine, ProspectLine
from csm_tui.services.workstation import Workstation
from screens.background import Failure, in_background
from screens.base import Destination
from screens.dialogs import ProspectCallDialog
from widgets.empty_note import EmptyNote, show_empty_notes
from widgets.key_bar import KeyBar
from widgets.table import KeyTable

COLUMNS = ("name", "mobile", "source", "state", "last", "next", "purge")
SOURCE = 2  # the column that takes the width left over
STATE = 3  # never cut: a converted prospect's client number is read whole


def source(line: ProspectLine, *, short: bool = False) -> str:
    """Where the prospect came from; ``short`` as the list's cell says it at 80 columns (the introducer's name whole
    after a short word, the event by its name alone, which the … may cut), the row's pane in full."""
    if line.introducer is not None:
        return t("prospects.from_client_short" if short else "prospects.from_client", name=line.introducer)
    if line.event_name is not None:
        return line.event_name if short else t("prospects.from_event", name=line.event_name)
    return t("prospects.from_unknown")  # the event or the introducing client gone since


def state(line: ProspectLine) -> str:
    if line.converted_number is not None:  # the client they became, by number
        return t("prospects.converted_number", number=line.converted_number)
    if line.converted_client_id is not None:
        return t("prospects.converted")
    if line.stopped is not None:
        return label(line.stopped)
    return t("prospects.callable")


def history_lines(ws: Workstation, history: list[ProspectContactLine]) -> list[str]:
    return [
        " ".join(
            part
            for part in (ws.time.local(c.started_at).format("MM-DD HH:mm"), c.staff_name, label(c.outcome), c.note)
            if part
        )
        for c in history
    ]


class ProspectsScreen(Destination[ProspectsView]):
    TITLE_KEY = "prospects.title"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "call", "key.call", id="prospects.call"),
        Binding("escape", "back", "key.back", id="prospects.back"),
    ]

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)
        self.view = ProspectsView([], {}, {})

    def compose_body(self) -> ComposeResult:
        wode = self.ws.staff.role is Role.WEALTH_MANAGER  # no event door: only their clients' introductions
        yield EmptyNote("prospects", "empty.prospects_wode" if wode else "empty.prospects")
        least = (8, 11, 8, max(cell_len(t("prospects.callable")), 6), 5, 5, 10)
        yield KeyTable(id="prospects", stretch=SOURCE, min_widths=least, whole=(STATE,), enter_opens_row=True)

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()

    def fetch(self) -> ProspectsView:
        return prospects.view(self.ws)

    def show(self, data: ProspectsView) -> None:
        self.view = data
        rows = []
        details = []
        for line in data.lines:
            purge = "—" if line.converted_client_id is not None else self._purge_on(line)
            rows.append(
                (line.name, line.mobile, source(line, short=True), state(line), self._day(line.last_contact_at),
                 line.next_call_on.strftime("%m-%d") if line.next_call_on else "—", purge)
            )  # fmt: skip
            details.append(self._fields(line, purge))
        headers = [t(f"prospects.col.{c}") for c in COLUMNS]
        self.query_one(KeyTable).show_rows(headers, rows, details=details, title=t("prospects.row_title"))
        show_empty_notes(self)
        callable_ = sum(1 for line in data.lines if line.next_call_on is not None)
        self.set_status(counted("prospects.count", count=len(data.lines), callable=callable_))

    def _purge_on(self, line: ProspectLine) -> str:
        return prospects.purge_on(line.created_at, self.ws.policy).isoformat()

    def _day(self, at: dt.datetime | None) -> str:
        return "—" if at is None else self.ws.time.local(at).format("MM-DD")

    def _fields(self, line: ProspectLine, purge: str) -> list[tuple[str, str]]:
        history = history_lines(self.ws, self.view.histories.get(line.id, [])) or [t("prospects.no_calls")]
        withdrawn = line.stopped is ProspectOutcome.DO_NOT_CALL  # purged at the next nightly purge
        fields = [
            (t("prospects.col.name"), line.name),
            (t("prospects.col.mobile"), line.mobile),
            (t("prospects.col.source"), source(line)),
            (t("prospects.consent"), t("prospects.consent_withdrawn" if withdrawn else "prospects.consent_given")),
            (t("prospects.col.state"), state(line)),
            (t("prospects.client_number"), line.converted_number or "—"),
            (t("prospects.taken"), self.ws.time.local(line.created_at).format("YYYY-MM-DD")),
            (t("prospects.col.next"), line.next_call_on.isoformat() if line.next_call_on else "—"),
            (t("prospects.col.purge"), purge),
            (t("prospects.note"), line.note),
            (t("prospects.calls"), "\n".join(history)),
        ]
        if self.ws.staff.role is Role.SUPERVISOR:  # the team's: whose prospect
            fields.insert(1, (t("prospects.csm"), self.view.managers.get(line.manager_id, "")))
        return fields

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``c`` is the prospect's own CSM's: a supervisor reading the team's list is not offered it."""
        if action == "call" and self.ws.staff.role is not Role.CSM:
            return False
        return super().check_action(action, parameters)

    def action_call(self) -> None:
        table = self.query_one(KeyTable)
        if not self.view.lines or not 0 <= table.cursor_row < len(self.view.lines):
            self.notify(t("prospects.none_to_call"), severity="warning")
            return
        line = self.view.lines[table.cursor_row]
        call = ProspectCallDue(None, line.id, line.name, ProspectCallKind.FOLLOW_UP, self.ws.time.today())
        self.app.push_screen(ProspectCallSession(self.ws, [call]))


OUTCOME_KEYS = {
    "r": ProspectOutcome.REACHED,
    "n": ProspectOutcome.NO_ANSWER,
    "i": ProspectOutcome.NOT_INTERESTED,
    "x": ProspectOutcome.DO_NOT_CALL,
    "w": ProspectOutcome.WRONG_NUMBER,
}
NOTE_FIRST = frozenset({ProspectOutcome.REACHED})  # what was said is noted; the others take one key


class ProspectCallSession(Screen[None]):
    """The prospects' calls, one at a time: the card, one key per outcome, the next straight after."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"outcome('{o.value}')", f"prospect_outcome.{o.value}", id=f"prospect_call.{o.value}")
            for key, o in OUTCOME_KEYS.items()
        ),
        Binding("escape", "leave", "key.back", id="prospect_call.leave"),
    ]
    DEFAULT_CSS = """
    ProspectCallSession #prospect-reason { height: 1; padding: 0 1; text-style: bold; color: $accent; }
    ProspectCallSession #prospect-card { padding: 0 1; }
    ProspectCallSession #prospect-script { padding: 0 1; border-top: solid $primary-darken-2; }
    """

    def __init__(self, ws: Workstation, calls: list[ProspectCallDue], index: int = 0) -> None:
        super().__init__()
        self.ws = ws
        self.calls = calls
        self.index = index
        self.card: ProspectCard | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="prospect-status"):
            yield Static("", id="prospect-reason")
        with VerticalScroll():
            yield Static("", id="prospect-card")
            yield Static(t("prospect_call.script", name=self.ws.staff.name), id="prospect-script")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show_current()

    @property
    def call(self) -> ProspectCallDue:
        return self.calls[self.index]

    def show_current(self) -> None:
        call = self.call
        position = t("call.position", n=self.index + 1, total=len(self.calls))
        self.query_one("#prospect-reason", Static).update(f"{label(call.kind)} · {position}")
        self.card = None
        self.query_one("#prospect-card", Static).update(t("prospect_call.loading"))
        prospect_id = call.prospect_id
        in_background(self, lambda: prospect_calls.card(self.ws, prospect_id), self._show_card, group="card", load=True)

    def _show_card(self, card: ProspectCard) -> None:
        if card.line.id != self.call.prospect_id:
            return  # an older load arriving late
        self.card = card
        line = card.line
        lines = [
            f"{line.name}  {line.mobile}",
            t("prospect_call.source", source=source(line)),
            t("prospect_call.taken", day=self.ws.time.local(line.created_at).format("YYYY-MM-DD")),
        ]
        if line.note:
            lines.append(t("prospect_call.note_line", note=line.note))
        history = history_lines(self.ws, card.history[:3])
        lines.append(t("prospect_call.history", calls="; ".join(history) if history else t("prospects.no_calls")))
        self.query_one("#prospect-card", Static).update("\n".join(lines))

    def action_outcome(self, code: str) -> None:
        outcome = ProspectOutcome(code)
        if self.card is None or self.saving:
            self.notify(t("prospect_call.loading"), timeout=2)
            return
        call = self.call
        if outcome in NOTE_FIRST:
            dialog = ProspectCallDialog(self.ws, call.prospect_id, call.name, outcome, call.task_id)
            self.app.push_screen(dialog, self._saved)
            return
        self.saving = True
        in_background(
            self,
            lambda: prospect_calls.record(self.ws, call.prospect_id, outcome, task_id=call.task_id),
            self._saved,
            group="save",
            failed=self._failed,
        )

    def _failed(self, failure: Failure) -> None:
        self.saving = False
        self.notify(failure.message, severity="error")

    def _saved(self, saved: object) -> None:
        self.saving = False
        if saved is None or saved is False:
            return
        self.notify(t("call.saved"), timeout=2)
        if self.index + 1 < len(self.calls):
            self.index += 1
            self.show_current()
        else:
            self.notify(t("prospect_call.done"), timeout=3)
            self.dismiss()

    def action_leave(self) -> None:
        self.dismiss()
