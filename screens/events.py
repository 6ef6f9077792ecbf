"""Marketing events: the branch's events (7), one event's results and list (Enter), and the check-in at the door
(c): one line finds an invitee by name, pinyin initials, client number or mobile; Enter checks in the one found
(or the row chosen); a client number of someone not on the list checks them in as a walk-in. The room left shows
live, refreshed from the database as other doors check people in."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from csm_tui.config import data_dir
from csm_tui.domain.enums import InviteStatus
from csm_tui.domain.models import Event, Prospect
from csm_tui.domain.roles import offered
from csm_tui.i18n import label, t
from csm_tui.services.events import day, planning, results
from csm_tui.services.events.day import DoorList
from csm_tui.services.events.results import EventResults
from csm_tui.services.rows import Invitee
from csm_tui.services.workstation import Workstation
from screens.background import Failure, in_background
from screens.base import Destination
from screens.dialogs import EventDialog, InviteDialog, ProspectDialog
from widgets.choices import BoundText
from widgets.empty_note import EmptyNote
from widgets.key_bar import KeyBar
from widgets.table import KeyTable
from widgets.text_fields import SEARCH_MAX, BoundedInput

REFRESH_SECONDS = 5  # the door list re-read for other doors' check-ins


def _when(ws: Workstation, event: Event) -> str:
    return ws.time.local(event.starts_at).format("MM-DD HH:mm")


# The keys of the events' screens that plan rather than check people in: a planner's (``roles.WORK_ROLES``), not
# offered to the lobby, who opens events to meet people at the door.
PLANNING = frozenset({"new", "invite", "export", "answer", "undo_answer"})


def planning_offered(ws: Workstation, action: str) -> bool:
    """``action`` is one the signed-in role may do here (a planning key for a planner; any other key)."""
    return action not in PLANNING or offered(ws.staff.role, "plan_events")


class EventsScreen(Destination[list[Event]]):
    TITLE_KEY = "nav.events"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "key.open_event", id="events.open"),
        Binding("c", "check_in", "key.check_in", id="events.check_in"),
        Binding("n", "new", "key.new_event", id="events.new"),
        Binding("r", "invite", "key.invite_by_rule", id="events.invite"),
    ]

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)
        self.rows: list[Event] = []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return planning_offered(self.ws, action)

    def compose_body(self) -> ComposeResult:
        yield EmptyNote("events", "empty.events")
        # At 80 columns the place gives way first; a long title keeps its start and its end (第二期, 第三期).
        yield KeyTable(id="events", give=(3,), middle=(2,))

    def fetch(self) -> list[Event]:
        return results.around(self.ws)

    def show(self, data: list[Event]) -> None:
        self.rows = data
        headers = [t(f"event.col.{n}") for n in ("when", "kind", "title", "place", "capacity")]
        rows = [(_when(self.ws, e), label(e.kind), e.title, e.place, str(e.capacity)) for e in data]
        self.query_one(KeyTable).show_rows(headers, rows)
        self.set_status(t("event.count", count=len(data)))

    def _selected(self) -> Event | None:
        table = self.query_one(KeyTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_selected(self, _: KeyTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        event = self._selected()
        if event is not None:
            self.app.push_screen(EventScreen(self.ws, event.id))

    def action_check_in(self) -> None:
        event = self._selected()
        if event is not None:
            self.app.push_screen(CheckInScreen(self.ws, event.id))

    def action_new(self) -> None:
        def saved(event: Event | None) -> None:
            if event is not None:
                self.notify(t("event.saved", title=event.title), timeout=3)
                self.reload()

        self.app.push_screen(EventDialog(self.ws), saved)

    def action_invite(self) -> None:
        """r: invite by the event's rule (a payroll company's employees, the securities clients, else the precision
        prospects), each into their own manager's queue."""
        event = self._selected()
        if event is None:
            return
        rule = planning.rule_for(event.kind)
        in_background(
            self, lambda: planning.invite_by_rule(self.ws, event.id, rule),
            lambda count: self.notify(t("event.invited", count=count, rule=label(rule)), timeout=4), group="save",
        )  # fmt: skip


class EventScreen(Destination[tuple[EventResults, DoorList]]):
    """One event afterwards: invited, accepted, attended, followed up, featured sales; and its list."""

    TITLE_KEY = "event.title"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "key.back", id="event.back"),
        Binding("c", "check_in", "key.check_in", id="event.check_in"),
        Binding("x", "export", "key.export_event", id="event.export"),
        Binding("a", "answer('accepted')", "key.invite_accepted", id="event.accepted"),
        Binding("d", "answer('declined')", "key.invite_declined", id="event.declined"),
        Binding("0", "answer('no_answer')", "key.invite_no_answer", id="event.no_answer"),
        Binding("i", "invite", "key.invite_by_hand", id="event.invite"),
        Binding("u", "undo_answer", "key.undo_answer", id="event.undo_answer"),
    ]

    def __init__(self, ws: Workstation, event_id: int) -> None:
        super().__init__(ws)
        self.event_id = event_id

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return planning_offered(self.ws, action)

    def compose_body(self) -> ComposeResult:
        yield BoundText(id="event-results")  # its figures each whole on a line
        yield EmptyNote("event-list", "empty.event_list")
        yield KeyTable(id="event-list", enter_opens_row=True)

    def on_mount(self) -> None:
        self.rows: list[Invitee] = []

    def _row(self) -> Invitee | None:
        table = self.query_one(KeyTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_answer(self, status: str) -> None:
        """The invitation call's answer for the client on the cursor (one's own, or a colleague's covered: the
        service refuses others'), refused if another session answered since the list was read."""
        row = self._row()
        if row is None:
            return
        at = self.ws.time.now().datetime
        self.save_in_background(
            lambda: planning.answer(self.ws, row.invitation_id, InviteStatus(status), started_at=at, was=row.status)
        )

    def action_undo_answer(self) -> None:
        """u: take back the last answer of the invitation on the cursor, on the day it was given (by whoever gave it
        or their supervisor; the service decides), the results recounted."""
        row = self._row()
        if row is not None:
            self.save_in_background(lambda: planning.undo_answer(self.ws, row.invitation_id))

    def action_invite(self) -> None:
        """i: clients picked by hand (found by name, initials or number; a CSM's own, a supervisor's team's), each
        into their own manager's queue."""

        def invited(count: int | None) -> None:
            if count is not None:
                self.notify(t("invite.done", count=count), timeout=3)
                self.reload()

        self.app.push_screen(InviteDialog(self.ws, self.event_id), invited)

    def fetch(self) -> tuple[EventResults, DoorList]:
        return results.results(self.ws, self.event_id), day.door_list(self.ws, self.event_id)

    def show(self, data: tuple[EventResults, DoorList]) -> None:
        got, listing = data
        e = got.event
        self.set_status(f"{_when(self.ws, e)} {e.title}")
        self.query_one("#event-results", BoundText).update(
            t(
                "event.results", kind=label(e.kind), place=e.place, invited=got.invited, accepted=got.accepted,
                attended=got.attended, capacity=e.capacity, followed=got.followed_up, sales=got.sales,
                amount=f"{got.sales_amount:,.2f}", new=got.new_clients,
            )
        )  # fmt: skip
        self.rows = list(listing.invitees)
        _show_list(self.query_one(KeyTable), self.rows)

    def action_check_in(self) -> None:
        self.app.push_screen(CheckInScreen(self.ws, self.event_id))

    def action_export(self) -> None:
        """The list with its results to an XLSX beside the other exports (mobiles masked, the export audited)."""

        def write() -> Path:
            folder = Path() if self.ws.exports is not None else data_dir() / "exports"
            stamp = self.ws.time.local_now().format("YYYYMMDD-HHmmss")
            return results.export_results(self.ws, self.event_id, folder / f"event-{self.event_id}-{stamp}.xlsx")[1]

        in_background(
            self, write, lambda path: self.notify(t("event.exported", path=str(path)), timeout=6), group="export"
        )


def _show_list(table: KeyTable, rows: list[Invitee]) -> None:
    headers = [t(f"event.col.{n}") for n in ("in", "number", "name", "mobile", "status", "manager")]
    table.show_rows(
        headers,
        [
            ("✓" if r.attended else "", r.number, r.name, r.mobile or r.masked_mobile, label(r.status), r.staff_name)
            for r in rows
        ],
        keys=[str(r.invitation_id) for r in rows],
    )


class CheckInScreen(Screen[None]):
    """The door: type, Enter, next."""

    ENTER_HELP_BY_FIELD: ClassVar[dict[str, str]] = {
        "check-in-text": "enter.check_in_text", "check-in-list": "enter.check_in_row"
    }  # fmt: skip

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "key.back", id="check_in.back"),
        Binding("down", "to_list", "key.down", show=False, id="check_in.list"),
        Binding("f2", "prospect", "key.prospect", id="check_in.prospect"),
    ]

    def __init__(self, ws: Workstation, event_id: int) -> None:
        super().__init__()
        self.ws = ws
        self.event_id = event_id
        self.listing: DoorList | None = None
        self.found: list[Invitee] = []
        self.text = ""

    def compose(self) -> ComposeResult:
        yield Header()  # who is signed in, where, the date: as on every screen
        with Vertical():
            yield Static(t("check_in.title"), id="check-in-title", classes="screen-title")
            yield BoundedInput(placeholder=t("check_in.hint"), max_length=SEARCH_MAX, id="check-in-text")
            yield Static("", id="check-in-progress", classes="hint")
            yield KeyTable(id="check-in-list")
            yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.reload)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_to_list(self) -> None:
        self.query_one(KeyTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F2 on the event's day only (the service takes prospects then only): not offered before the list is read,
        nor at the door of an event past or ahead, in the key bar, in F1 or taken."""
        if action == "prospect":
            return self.listing is not None and self.listing.on_its_day
        return True

    def action_prospect(self) -> None:
        """F2: someone who is not a client, taken as a prospect (name, mobile, consent)."""

        def saved(prospect: Prospect | None) -> None:
            if prospect is not None:
                self.notify(t("prospect.saved", name=prospect.name), timeout=3)
            self.query_one(Input).focus()

        self.app.push_screen(ProspectDialog(self.ws, self.event_id), saved)

    def reload(self) -> None:
        in_background(self, lambda: day.door_list(self.ws, self.event_id), self._listed, group="load", load=True)

    def _listed(self, listing: DoorList) -> None:
        if self.listing is None or self.listing.on_its_day != listing.on_its_day:
            self.call_after_refresh(self.refresh_bindings)  # F2 offered on the event's day only (``check_action``)
        self.listing = listing
        e = listing.event
        self.query_one("#check-in-title", Static).update(f"{t('check_in.title')} · {_when(self.ws, e)} {e.title}")
        progress = t("check_in.progress", attended=listing.attended, capacity=e.capacity, room=listing.room,
                     listed=len(listing.invitees))  # fmt: skip
        if not listing.on_its_day:  # the list to read: the service checks in and takes prospects on the day only
            progress = f"{progress} · {t('check_in.not_today')}"
        self.query_one("#check-in-progress", Static).update(progress)
        self._filter(self.text)

    def _filter(self, text: str) -> None:
        if self.listing is None:
            return
        listing = self.listing
        in_background(
            self, lambda: day.find(self.ws, listing, text), lambda found: self._found(text, found), group="find",
            load=True,
        )  # fmt: skip

    def _found(self, text: str, found: list[Invitee]) -> None:
        if text != self.text:
            return  # an older keystroke's answer
        self.found = found
        _show_list(self.query_one(KeyTable), found)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.text = event.value
        if not day.looks_like_whole_mobile(self.text):  # a whole mobile is looked up (and audited) on Enter only
            self._filter(self.text)

    def on_input_submitted(self, _: Input.Submitted) -> None:
        """Enter: the one found is checked in; a whole mobile is looked up first; a client number not on the list
        is a walk-in; several found: choose in the list."""
        text = self.text.strip()
        if not text:
            return
        if day.looks_like_whole_mobile(text) and not self.found:
            self._filter(text)
            return
        waiting = [f for f in self.found if not f.attended]
        if len(waiting) == 1:
            self._check_in(waiting[0])
        elif not self.found:
            self._save(lambda: day.walk_in(self.ws, self.event_id, text), t("check_in.walked_in"))
        else:
            self.action_to_list()

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        chosen = next((f for f in self.found if str(f.invitation_id) == event.row_key.value), None)
        if chosen is not None:
            self._check_in(chosen)

    def _check_in(self, invitee: Invitee) -> None:
        self._save(
            lambda: day.check_in(self.ws, self.event_id, invitee.invitation_id), t("check_in.done", name=invitee.name)
        )

    def _save(self, job: object, said: str) -> None:
        def done(_: object) -> None:
            self.notify(said, timeout=3)
            self.query_one(Input).value = ""
            self.query_one(Input).focus()
            self.reload()

        def failed(failure: Failure) -> None:
            self.notify(failure.message, severity="error", timeout=6)

        in_background(self, job, done, group="save", failed=failed)  # type: ignore[arg-type]
