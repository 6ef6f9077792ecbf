"""Today's call queue for the signed-in CSM: who to phone, why, in the documented order.

Keys: / filter · j/k move · Enter the client's detail · c start the call session here (back from it, the cursor
on the top row) · s skip · z snooze ·
l log a visit, SMS, letter or WeChat contact · m the SMS list · e export my task list · p the calls due to one's
prospects (people not clients yet, read with the queue; their count in the title), in the prospect call session.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from csm_tui.domain.enums import QueueReason, SkipReason
from csm_tui.i18n import counted, label, listed, t, wan
from csm_tui.services.calls.outcomes import skip, snooze, snooze_choices
from csm_tui.services.calls.queue import QueueItem, today_calls
from csm_tui.services.leave import LeaveEntry, away_today, calls_covered
from csm_tui.services.phrase_check import PhrasesConfirmed
from csm_tui.services.rows import ProspectCallDue
from csm_tui.services.task_notes import said_note
from csm_tui.services.workstation import Workstation
from screens.base import Destination, offered_action
from screens.call_session import CallSession
from screens.client_detail import ClientDetailScreen
from screens.dialogs import LogContactDialog, ReasonDialog, SnoozeDialog
from screens.sms import SmsScreen
from screens.suitability_wizard import SuitabilityWizard
from widgets.cells import figure, reason_detail, said_when
from widgets.empty_note import own_book_note, show_empty_notes
from widgets.queue_legend import queue_legend
from widgets.table import KeyTable
from widgets.text_fields import SEARCH_MAX, BoundedInput

CLIENT_WIDTH = 8  # cells: four Chinese characters
DETAIL = 3  # the detail column takes the terminal's width left over; → shows the whole row
DETAIL_WIDTH = 22  # cells: the least it has, at 80 columns too (a day and a sum, whole)


# The queue, the signed-in CSM's leave today, and their prospects' calls due.
QueueView = tuple[list[QueueItem], LeaveEntry | None, list[ProspectCallDue]]


class QueueScreen(Destination[QueueView]):
    TITLE_KEY = "nav.queue"
    ENTER_HELP = "enter.open_client"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "call", "key.call", id="queue.call"),
        Binding("enter", "open", "key.open", show=False, id="queue.open"),
        Binding("slash", "filter", "key.filter", id="queue.filter"),
        Binding("s", "skip", "key.skip", show=False, id="queue.skip"),
        Binding("z", "snooze", "key.snooze", show=False, id="queue.snooze"),
        Binding("l", "log", "key.log", id="queue.log"),
        Binding("b", "sell", "key.sell", show=False, id="queue.sell"),
        Binding("m", "sms", "key.sms", id="queue.sms"),
        Binding("p", "prospect_calls", "key.prospect_calls", show=False, id="queue.prospect_calls"),
        Binding("e", "app.export('tasks')", "export.key", show=False, id="queue.export"),
        Binding("escape", "clear_filter", "key.clear_filter", show=False, id="queue.clear_filter"),
    ]

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)
        self.items: list[QueueItem] = []
        self.shown: list[QueueItem] = []
        self.away: LeaveEntry | None = None
        self.prospect_calls: list[ProspectCallDue] = []
        self.loaded = False  # the first list has arrived: until then a key on a row has no row, yet none is missing

    def compose_body(self) -> ComposeResult:
        yield BoundedInput(
            placeholder=t("queue.filter_hint"), max_length=SEARCH_MAX, id="queue-filter", classes="filter"
        )
        yield own_book_note(self.ws.staff.role, "queue", "empty.queue", wode=True)
        # Steady widths, from what the columns can hold: the table does not shift as rows arrive.
        due = max(cell_len(text) for text in (t("queue.due"), t("queue.overdue"), t("queue.today"), "HH:mm"))
        reason = max(cell_len(f"{label(r)} +9") for r in QueueReason)
        least = (due, CLIENT_WIDTH, reason, DETAIL_WIDTH, cell_len(t("queue.avg_3m")))
        yield KeyTable(id="queue", stretch=DETAIL, min_widths=least, whole=(0,))  # when is never cut: the detail gives

    def on_mount(self) -> None:
        self._show_table([], [])
        self._hide_filter()

    def _show_table(self, rows: list[tuple[RenderableType, ...]], details: list[list[tuple[str, str]]]) -> None:
        headers = [t(f"queue.{c}") for c in ("due", "client", "reason", "detail", "avg_3m")]
        self.query_one(KeyTable).show_rows(headers, rows, details=details, title=t("queue.row_title"))

    def help_legend(self) -> list[tuple[str, str]]:
        """F1: what the queue's reasons, "+N" and due words mean."""
        return queue_legend()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Each key the role is offered (``base.ACTION_WORK``), and no other: a supervisor or the admin, who do not
        sell, are not offered ``b``; the admin, who lists no prospects, not ``p``. Calling, skipping and snoozing
        one's own queue stay (a supervisor may keep a book until it is given out)."""
        return offered_action(self.ws, action, "queue")

    def fetch(self) -> QueueView:
        items, prospect_calls = today_calls(self.ws)
        return items, away_today(self.ws), prospect_calls

    def show(self, data: QueueView) -> None:
        self.items, self.away, self.prospect_calls = data
        self.loaded = True
        self._fill(self.query_one(Input).value)

    def _fill(self, text: str) -> None:
        today = self.ws.time.today()
        needle = text.strip().lower()
        self.shown = []
        rows: list[tuple[RenderableType, ...]] = []
        details: list[list[tuple[str, str]]] = []
        for item in self.items:
            main = item.main
            reason = label(item.reason) + (f" +{len(item.also)}" if item.also else "")
            if needle and needle not in main.client_name.lower() and needle not in reason.lower():
                continue
            if main.due_at is not None and item.reason is QueueReason.CALLBACK:  # the time the client asked for
                due = said_when(self.ws.time.local(main.due_at), today)  # a past day's with its day
            else:
                due = t("queue.overdue") if main.due_on < today else t("queue.today")
            detail = reason_detail(main, self._local)
            if item.cover_for:  # a colleague's client, called for them while they are on leave
                detail = " · ".join(part for part in (t("queue.cover_for", name=item.cover_for), detail) if part)
            if item.referral_pending:  # a 沃德 client manager's: not their client yet
                detail = " · ".join(part for part in (t("referrals.pending"), detail) if part)
            rows.append((due, main.client_name, reason, detail, figure(wan(main.avg_3m))))
            details.append(self._row_fields(item, due, detail))
            self.shown.append(item)
        self._show_table(rows, details)
        show_empty_notes(self)
        if self.away is not None:  # on leave: why the queue is empty, and where the calls are
            last = f"{self.away.leave.last_day:%m-%d}"
            if calls_covered(self.ws, self.away):
                self.set_status(t("queue.away_covered", last=last, name=self.away.cover_name))
            else:
                self.set_status(t("queue.away_waiting", last=last))
            return
        if self.ws.policy.checklist.counts_calls(self.ws.staff.role):  # a CSM's: the day's call target beside
            status = t("queue.count", count=len(self.shown), target=self.ws.policy.calls.daily_target)
        else:
            status = t("queue.count_only", count=len(self.shown))
        covering = list(dict.fromkeys(item.cover_for for item in self.items if item.cover_for))
        if covering:
            status += " · " + t("queue.covering", names=listed(covering))
        if self.prospect_calls:
            status += " · " + counted("prospect_call.queue_count", count=len(self.prospect_calls))
        self.set_status(status)

    def _row_fields(self, item: QueueItem, due: str, detail: str) -> list[tuple[str, str]]:
        """The whole row for the detail pane: every reason, the detail and the task's note in full."""
        reasons = listed(label(r) for r in (item.reason, *item.also))
        return [
            (t("queue.client"), item.main.client_name),
            (t("queue.due"), due),
            (t("queue.reason"), reasons),
            (t("queue.detail"), detail),
            (t("queue.note"), said_note(item.main.note)),
            (t("queue.avg_3m"), wan(item.main.avg_3m)),
        ]

    def _local(self, at: dt.datetime) -> str:
        return self.ws.time.local(at).format("MM-DD HH:mm")

    def _current(self) -> int | None:
        table = self.query_one(KeyTable)
        if not self.loaded:
            self.notify(t("queue.loading"), timeout=2)
            return None
        if not self.shown or table.cursor_row < 0:
            self.notify(t("queue.empty"), severity="warning")
            return None
        return table.cursor_row

    def action_call(self) -> None:
        """The call session from the row under the cursor (on from there, then round to the rows above)."""
        index = self._current()
        if index is not None:
            self.app.push_screen(CallSession(self.ws, list(self.shown), index), self._calls_ended)

    def _calls_ended(self, _: None) -> None:
        """Back from the calls, the queue as it now stands (the clients reached gone, a walk-in perhaps on top): the
        cursor on its top row, the most urgent call, so that c goes on from there — never on whatever row took the
        place of the one the session started on."""
        self.query_one(KeyTable).move_cursor(row=0)

    def action_open(self) -> None:
        index = self._current()
        if index is not None:
            self.app.push_screen(ClientDetailScreen(self.ws, self.shown[index].client_id))

    def action_skip(self) -> None:
        index = self._current()
        if index is None:
            return
        item = self.shown[index]

        def save(reason: SkipReason, note: str, confirmed: PhrasesConfirmed | None) -> bool:
            skip(self.ws, item, reason, note, confirmed)
            return True

        self.app.push_screen(ReasonDialog(t("skip.title"), save), self._logged)

    def action_snooze(self) -> None:
        """When to call the client again: quick choices (in an hour, this afternoon, the next working morning) or a
        time typed; the service refuses a time past or outside the calling hours."""
        index = self._current()
        if index is None:
            return
        item = self.shown[index]

        def save(at: dt.datetime, note: str, confirmed: PhrasesConfirmed | None) -> bool:
            snooze(self.ws, item, at, note, confirmed)
            return True

        choices = snooze_choices(self.ws)
        self.app.push_screen(SnoozeDialog(item.main.client_name, choices, self.ws.time.tz, save), self._logged)

    def action_log(self) -> None:
        index = self._current()
        if index is not None:
            item = self.shown[index]
            self.app.push_screen(LogContactDialog(self.ws, item.client_id, item.main.client_name), self._logged)

    def _logged(self, saved: object) -> None:
        """After a dialog: what it saved is in the database; show the queue as it now stands."""
        if saved:
            self.notify(t("call.saved"), timeout=2)
            self.reload()

    def action_sell(self) -> None:
        index = self._current()
        if index is not None:
            self.app.push_screen(SuitabilityWizard(self.ws, self.shown[index].client_id))

    def action_prospect_calls(self) -> None:
        """The calls due to one's prospects, in the prospect call session."""
        if not self.prospect_calls:
            self.notify(t("prospects.none_to_call"), severity="warning")
            return
        from screens.prospects import ProspectCallSession

        self.app.push_screen(ProspectCallSession(self.ws, list(self.prospect_calls)), lambda _: self.reload())

    def action_sms(self) -> None:
        self.app.push_screen(SmsScreen(self.ws))

    def _hide_filter(self) -> None:
        box = self.query_one(Input)
        box.display = False
        box.disabled = True  # out of the focus chain while hidden
        self.query_one(KeyTable).focus()

    def action_filter(self) -> None:
        box = self.query_one(Input)
        box.disabled = False
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        self.query_one(Input).value = ""
        self._hide_filter()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(KeyTable).focus()

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        self.action_open()
