"""The Textual application: six destinations, each one key away (1–6), a command palette and F1 help.

This module imports Textual and the thin start path alone: opened with an ``Opening`` (``csm_tui.start``), the app
paints the checklist read thin, signs in and loads the rest in a worker behind it, and keeps the keys typed
meanwhile to act on them once the workstation is ready (``ready``).
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.actions import parse as parse_action
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.keys import _normalize_key_list  # the key names textual gives a keymap ("/" → "slash")
from textual.message import Message
from textual.screen import Screen
from textual.signal import Signal

from csm_tui import gc_pause
from csm_tui.domain.enums import Role
from csm_tui.domain.roles import offered
from csm_tui.i18n import listed, set_language, t
from csm_tui.start import Opening, SignInRefused
from widgets.clipboard import send
from widgets.line_breaks import wrap

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from csm_tui.services.checklist.day_list import DayList
    from csm_tui.services.workstation import Workstation
    from screens.dialogs import LeaveChange

# Destination → its screen class, as "module:Class": each but the first screen is imported when first shown, which
# keeps the start-up to the first paint short.
DESTINATIONS: dict[str, str] = {
    "checklist": "screens.checklist:ChecklistScreen",
    "queue": "screens.queue:QueueScreen",
    "clients": "screens.clients:ClientsScreen",
    "suitability": "screens.assessments_due:SuitabilityScreen",
    "scoreboard": "screens.scoreboard:ScoreboardScreen",
    "referrals": "screens.referrals:ReferralsScreen",
    "events": "screens.events:EventsScreen",
}


def _binding_classes() -> list[type[DOMNode]]:
    """The app, its screens and its widgets. Imports every screen and widget module (the app imports most screens
    only when first shown)."""
    import screens
    import widgets

    classes: list[type[DOMNode]] = [CsmApp]
    for package in (screens, widgets):
        for found in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(found.name)
            classes += [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, DOMNode)]
    return classes


def binding_ids() -> frozenset[str]:
    """Every id of a binding of the app, its screens and its widgets: what a keymap in the settings may remap."""
    return frozenset(
        b.id
        for c in _binding_classes()
        for b in c.__dict__.get("BINDINGS", ())
        if isinstance(b, Binding) and b.id is not None
    )


def keymap_clashes(keymap: Mapping[str, str]) -> list[str]:
    """``"f3 (app.search, nav.queue)"`` for each key the keymap gives to a binding while another binding of the same
    screen or widget keeps it: textual then drops the other binding silently (F3 would no longer search). Keys are
    named as textual names them when it applies a keymap ("/" is "slash")."""
    clashes: set[str] = set()
    for cls in _binding_classes():
        holders: dict[str, set[str]] = {}
        remapped: set[str] = set()
        for key, bindings in cls._merge_bindings().key_to_bindings.items():
            for binding in bindings:
                mapped = binding.id is not None and binding.id in keymap
                keys = _normalize_key_list(keymap[binding.id]).split(",") if mapped and binding.id else [key]
                for k in keys:
                    holders.setdefault(k, set()).add(binding.id or binding.action)
                remapped |= set(keys) if mapped else set()
        clashes |= {f"{k} ({', '.join(sorted(holders[k]))})" for k in remapped if len(holders[k]) > 1}
    return sorted(clashes)


class Commands(Provider):
    """The palette's commands (``CsmApp.get_system_commands``), matched on their names and what they do; a search
    that matches none says so in the user's language (Textual's own palette would say "No matches found")."""

    async def discover(self) -> Hits:
        for name, help_text, callback, discover in self.app.get_system_commands(self.screen):
            if discover:
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        found = False
        for name, help_text, callback, *_ in self.app.get_system_commands(self.screen):
            score = max(matcher.match(name), matcher.match(help_text) * 0.5)
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        if not found:
            yield Hit(0.001, t("palette.no_matches"), _nothing, help=t("palette.no_matches_help"))


def _nothing() -> None:
    """The "no command matches" line of the palette: choosing it only closes the palette."""


class DataCommitted(Message):
    """This workstation committed a write (posted from whichever thread committed it)."""


class SessionEnded(Message):
    """The signed-in staff member was deactivated or removed: a unit of work refused to act for them."""


# Where a role's day starts (the checklist for anyone else); supervisors and the admin have a screen on top of it.
HOME_MODES: dict[Role, str] = {Role.LOBBY: "referrals", Role.TELLER: "referrals", Role.WEALTH_MANAGER: "referrals"}

ALERT_CHECK_SECONDS = 60  # how often a supervisor's app looks for refused look-ups of the team
WALK_IN_CHECK_SECONDS = 10  # how often a CSM's app looks for walk-ins sent to them (the client is waiting)

# What a session that has ended may still do: read why, and leave.
_AFTER_SESSION_END = frozenset({"quit"})
# The app's actions that are a kind of work only some roles may do (``roles.WORK_ROLES``; ``go`` by its destination):
# a key, a palette entry or a screen's ``app.`` binding for work the role is not offered is neither shown nor acted on.
_WORK_OF_ACTION = {
    "aml_list": "aml", "search": "search", "prospects": "prospects", "new_sale": "new_sale", "agenda": "agenda",
    "shelf": "shelf", "leave": "leave", "export": "export", "import": "import", "data_state": "data_state",
}  # fmt: skip
# How many destination keys (1–9) the key bar names, the role's first ones it is offered; F1 lists all of them.
KEY_BAR_DESTINATIONS = 5
# What ``1`` leads to where a role's day starts on a screen over its own checklist (``open_home``), by that name.
HOME_NAMES: dict[Role, str] = {Role.SUPERVISOR: "team_day", Role.ADMIN: "data_state"}  # ``nav.`` and ``palette.``


def notice_width(screen_width: int) -> int:
    """The cells a line of a notice has, by Textual's CSS: the toasts' rack is the screen less its scrollbar (two
    cells), a toast 60 cells wide at most half the rack, less its padding (a cell each side) and its coloured edge."""
    return max(1, min(60, (screen_width - 2) // 2) - 3)


class CsmApp(App[None]):
    ws: Workstation  # signed in: at once, or behind the first frame (an ``Opening``)
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {Commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "go('checklist')", "nav.checklist", id="nav.checklist"),
        Binding("2", "go('queue')", "nav.queue", id="nav.queue"),
        Binding("3", "go('clients')", "nav.clients", id="nav.clients"),
        Binding("4", "go('suitability')", "nav.suitability", id="nav.suitability"),
        Binding("5", "go('scoreboard')", "nav.scoreboard", id="nav.scoreboard"),
        Binding("6", "go('referrals')", "nav.referrals", show=False, id="nav.referrals"),
        Binding("8", "aml_list", "nav.aml", show=False, id="nav.aml"),
        Binding("9", "prospects", "nav.prospects", show=False, id="nav.prospects"),
        Binding("7", "go('events')", "nav.events", show=False, id="nav.events"),
        Binding("f3", "search", "key.search", id="app.search"),
        Binding("f1", "help", "key.help", id="app.help"),
        Binding("ctrl+p", "command_palette", "key.palette", show=False, id="app.palette", priority=True),
        Binding("ctrl+q", "quit", "key.quit", show=False, id="app.quit", priority=True),
    ]

    def __init__(self, ws: Workstation | Opening, *, lang: str = "zh_CN", keymap: dict[str, str] | None = None) -> None:
        set_language(lang)
        super().__init__()
        self.data_changed: Signal[None] = Signal(self, "data-changed")  # live screens reload on it
        self.ready = asyncio.Event()  # set once the workstation is signed in and every key does what it does
        self.session_over = False
        self._alerted: set[tuple[str, object]] = set()  # refused look-ups already shown: (login, last refusal)
        self._told_walk_ins: set[int] = set()  # walk-ins a CSM was told of
        self._warned_uncovered = False  # the admin is told once a session of a year the calendar lacks
        self._opening = ws if isinstance(ws, Opening) else None
        self._early_keys: list[events.Key] = []  # typed before the workstation was ready, to act on then
        if self._opening is None:
            self._set_workstation(ws)  # type: ignore[arg-type]
            self.ready.set()
        elif self._opening.first is not None:
            first = self._opening.first.staff
            self.title = t("app.title", name=first.name, outlet=first.outlet) if first.outlet else first.name
        if keymap:
            self.set_keymap(keymap)

    def _set_workstation(self, ws: Workstation, checklist: DayList | None = None) -> None:
        """The signed-in workstation: its destinations (the checklist shown with ``checklist`` at once)."""
        self.ws = ws
        ws.uow.on_commit(self._committed)
        ws.uow.on_session_end(self._session_ended)
        self.title = t("app.title", name=ws.staff.name, outlet=ws.outlet.name) if ws.outlet else ws.staff.name
        for name, screen in DESTINATIONS.items():
            self.add_mode(name, self._screen_maker(screen, checklist if name == "checklist" else None))
        self._bindings_for_role()

    def _bindings_for_role(self) -> None:
        """The app's keys as this role's key bar and F1 say them: the first ``KEY_BAR_DESTINATIONS`` destination keys
        the role is offered are in the key bar (a CSM's 1–5, the lobby's checklist, referrals and events' door), and
        ``1`` is named for what it leads to (a supervisor's team's day, the admin's data state)."""
        home = HOME_NAMES.get(self.ws.staff.role)
        destinations = sorted(
            (b for bs in self._bindings.key_to_bindings.values() for b in bs if b.id and b.id.startswith("nav.")),
            key=lambda b: b.key,
        )
        offered_ids = [b.id for b in destinations if self._offered(*parse_action(b.action)[1:])]
        shown = set(offered_ids[:KEY_BAR_DESTINATIONS])

        def for_role(binding: Binding) -> Binding:
            if binding not in destinations:
                return binding
            named = f"nav.{home}" if home and binding.id == "nav.checklist" else binding.description
            return replace(binding, show=binding.id in shown, description=named)

        # A new list per key: until now the instance's map shares its lists with the class's.
        self._bindings.key_to_bindings = {
            key: [for_role(b) for b in bindings] for key, bindings in self._bindings.key_to_bindings.items()
        }

    async def on_event(self, event: events.Event) -> None:
        """Until the workstation is ready, keys are kept (ctrl+q still quits) to be acted on once it is."""
        if isinstance(event, events.Key) and not self.ready.is_set() and event.key != "ctrl+q":
            self._early_keys.append(event)
            event.stop()
            return
        await super().on_event(event)

    def copy_to_clipboard(self, text: str) -> None:
        """Whatever a screen copies (a selection, a field) reaches the desk's clipboard masked: an ID, mobile, card or
        account number in it is masked (``mask_text``). The one unmasked copy is ``y``'s own client's mobile
        (``screens.base.copy_client_mobile``, audited). Inside tmux the sequence is wrapped to pass through."""
        from csm_tui.domain.masking import mask_text

        send(self, mask_text(text))

    def _screen_maker(self, path: str, data: object = None) -> Callable[[], Screen[None]]:
        """``data``: what the screen shows at once (the checklist read at the start), when there is any."""

        def make() -> Screen[None]:
            module, name = path.split(":")
            kind = getattr(importlib.import_module(module), name)
            screen: Screen[None] = kind(self.ws) if data is None else kind(self.ws, data=data)
            return screen

        return make

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._covered_once_over)
        if self._opening is None:
            self._open()
            return
        if self._opening.first is not None:
            from screens.first_screen import FirstChecklistScreen

            self.push_screen(FirstChecklistScreen(self._opening.first))
        self.call_after_refresh(self._sign_in_behind)

    def _sign_in_behind(self) -> None:
        """Sign in and load the rest in a worker, behind the first frame."""
        self.run_worker(self._sign_in, thread=True, group="sign-in", exit_on_error=False)

    def _sign_in(self) -> None:
        """In the worker: the full path's sign-in (its rules and audit entry), then the checklist as it reads it."""
        assert self._opening is not None
        try:
            ws = self._opening.sign_in()
            checklist = None
            if self._opening.first is not None and ws.staff.id == self._opening.first.staff.id:
                from csm_tui.services.checklist.day_list import load_list

                checklist = load_list(ws)
        except BaseException as exc:
            self.call_from_thread(self._not_signed_in, exc)
            return
        self.call_from_thread(self._signed_in, ws, checklist)

    def _not_signed_in(self, exc: BaseException) -> None:
        """The sign-in behind the first frame failed or was refused: the app ends, saying why."""
        from csm_tui.services.ports import SessionEnded as Ended  # deactivated between the sign-in and its reads

        gc_pause.resume()
        if isinstance(exc, SignInRefused):
            self.exit(return_code=exc.code, message=exc.message)
        elif isinstance(exc, Ended):
            self.exit(return_code=2, message=t("session.ended"))  # the command line's code for an unknown login
        else:
            self.exit(return_code=2, message=f"{type(exc).__name__}: {exc}")

    def _signed_in(self, ws: Workstation, checklist: DayList | None) -> None:
        self._set_workstation(ws, checklist)
        self._open()
        self.call_after_refresh(self._replay_keys)

    def _replay_keys(self) -> None:
        """Ready: the keys typed meanwhile are acted on, in order."""
        self.ready.set()
        keys, self._early_keys = self._early_keys, []
        for key in keys:
            self.post_message(events.Key(key.key, key.character))

    def _open(self) -> None:
        self.refresh_subtitle()
        self.open_home()
        if self.ws.staff.role in (Role.SUPERVISOR, Role.ADMIN):
            self.check_lookup_alerts()
            self.set_interval(ALERT_CHECK_SECONDS, self.check_lookup_alerts)
        if self.ws.staff.role in (Role.CSM, Role.WEALTH_MANAGER):  # a 沃德 client manager: told of releases
            self.check_walk_ins()
            self.set_interval(WALK_IN_CHECK_SECONDS, self.check_walk_ins)

    def check_walk_ins(self) -> None:
        """A CSM is told of each walk-in sent to them today and still open, once, as soon as it arrives: the client
        is waiting in the branch (and first in the queue); and of each client of theirs a 沃德 client manager
        returned or released, with what it cancelled of the manager's calls and meetings, once across sessions
        (told when they next sign in when away that day); a 沃德 client manager, likewise, of each client of theirs
        released on their behalf."""
        if not self.session_over:
            from screens.background import in_background

            def news() -> list[str]:
                return self._new_walk_ins() + self._wode_endings()

            in_background(self, news, self._show_alerts, group="walk-ins", load=True)

    def _wode_endings(self) -> list[str]:
        """In the worker: the 沃德 returns and releases of the CSM's clients (the 沃德 client manager's releases on
        their behalf) not told yet (in any session), as the lines to show, told from now on
        (``referrals.tell_wode_endings``)."""
        from csm_tui.services.clients.referrals import tell_wode_endings
        from screens.referral_words import ending_said

        endings = tell_wode_endings(self.ws)
        return [ending_said(ended) for ended in endings]

    def _new_walk_ins(self) -> list[str]:
        """In the worker: today's open walk-ins not told yet, as the lines to show."""
        from csm_tui.services.clients.referrals import walk_ins_since

        since, _ = self.ws.time.day_bounds(self.ws.time.today())
        texts = []
        for referral, client, sender in walk_ins_since(self.ws, since):
            if referral.id not in self._told_walk_ins:
                self._told_walk_ins.add(referral.id)
                texts.append(t("walk_in.alert", client=client, sender=sender, need=referral.reason))
        if texts:
            self.call_from_thread(self.data_changed.publish, None)  # the queue shown now puts the walk-in first
        return texts

    def open_home(self) -> None:
        """Each role opens where its day's work is: the lobby, tellers and 沃德 managers on referrals; a supervisor on
        the team's day (their own list behind it, Escape); the admin on the branch's data state; a CSM on the
        checklist."""
        self.switch_mode(HOME_MODES.get(self.ws.staff.role, "checklist"))
        self._show_home_screen()

    def _show_home_screen(self) -> None:
        """A supervisor's team's day, the admin's data state: over their own checklist, unless already there."""
        from screens.data_state import DataStateScreen
        from screens.team_checklist import TeamChecklistScreen

        role = self.ws.staff.role
        if role is Role.SUPERVISOR and not any(isinstance(s, TeamChecklistScreen) for s in self.screen_stack):
            from screens.checklist import team_day

            self.push_screen(team_day(self.ws, self.ws.time.today()))
        elif role is Role.ADMIN and not any(isinstance(s, DataStateScreen) for s in self.screen_stack):
            self.action_data_state()

    def action_data_state(self) -> None:
        from screens.data_state import DataStateScreen

        if offered(self.ws.staff.role, "data_state") and not isinstance(self.screen, DataStateScreen):
            self.push_screen(DataStateScreen(self.ws))

    def check_lookup_alerts(self) -> None:
        """A supervisor (an admin: everyone) is told when someone of the team is refused look-ups of others'
        clients by whole number, the sign of someone trying to uncover masked numbers."""
        if not self.session_over:
            from screens.background import in_background

            in_background(self, self._new_alerts, self._show_alerts, group="alerts", load=True)

    def _new_alerts(self) -> list[str]:
        """In the worker: the refused look-ups not told yet, as the lines to show."""
        from csm_tui.services.clients.finding import lookup_alerts

        texts = []
        for alert in lookup_alerts(self.ws):
            if (alert.login, alert.last_at) not in self._alerted:
                self._alerted.add((alert.login, alert.last_at))
                at = self.ws.time.local(alert.last_at).format("HH:mm")
                texts.append(
                    t("search.lookup_alert", name=alert.name, login=alert.login, count=alert.refusals, time=at)
                )
        return texts

    def _show_alerts(self, texts: list[str]) -> None:
        for text in texts:
            self.notify(text, severity="warning", timeout=30)

    def _uncovered_years(self) -> str:
        """For the admin: the years (this one, and from 1 December the next) whose public holidays the installed
        calendar package lacks, so they are updated in time; "" when there are none or for anyone else."""
        if self.ws.staff.role is not Role.ADMIN:
            return ""
        return listed(str(y) for y in self.ws.policy.calendar.uncovered_years(self.ws.time.today()))

    def _committed(self) -> None:
        self.post_message(DataCommitted())  # thread-safe: commits happen in workers

    def on_data_committed(self, _: DataCommitted) -> None:
        self.data_changed.publish(None)

    def _session_ended(self) -> None:
        """In the worker whose unit found the session over, before that unit's refusal reaches the screen that asked:
        from here on no action is taken and the refusal is not said but by the session-ended screen, whichever of
        the two the UI thread handles first."""
        self.session_over = True
        self.post_message(SessionEnded())  # thread-safe: units of work run in workers

    def on_session_ended(self, _: SessionEnded) -> None:
        """Say why, and allow nothing but leaving: the session of a deactivated staff member is over."""
        self._end_on_top()

    def _covered_once_over(self, _: Screen[object]) -> None:
        """Once the session is over, whatever opens after (a dialog a late result opens, a mode switched to) is
        covered by the session-ended screen again."""
        if self.session_over:
            self.call_later(self._end_on_top)

    def _end_on_top(self) -> None:
        from screens.session_ended import SessionEndedScreen

        if not isinstance(self.screen, SessionEndedScreen):
            self.push_screen(SessionEndedScreen())

    def pop_screen(self) -> AwaitComplete:
        """Textual's ``dismiss`` pops the top screen whichever screen asks: a dialog whose save ends after the session
        did (its result still handled) leaves the session-ended screen up, not itself behind with no key leaving."""
        if self.session_over:
            from screens.session_ended import SessionEndedScreen

            if isinstance(self.screen, SessionEndedScreen):
                return AwaitComplete.nothing()  # type: ignore[no-untyped-call,no-any-return]
        return super().pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (self.session_over or not self.ready.is_set()) and action not in _AFTER_SESSION_END:
            return False  # ended; or not signed in yet (a click on the key bar: its keys are kept until then)
        if not self._offered(action, parameters):
            return False  # what the services would refuse the role: not in the key bar or F1, the key does nothing
        return super().check_action(action, parameters)

    def _offered(self, action: str, parameters: tuple[object, ...]) -> bool:
        """The app's ``action`` is work the signed-in role is offered (or no kind of work: help, the palette)."""
        work = str(parameters[0]) if action == "go" and parameters else _WORK_OF_ACTION.get(action)
        return work is None or offered(self.ws.staff.role, work)

    def refresh_subtitle(self) -> None:
        """Today's date in the branch, and the date the bank's data is as of (T+2)."""
        from screens.background import in_background

        in_background(self, self._subtitle, self._show_subtitle, group="as_of", load=True)

    def _subtitle(self) -> tuple[str, str]:
        """In the worker: the subtitle, and the years the calendar lacks (for the admin)."""
        with self.ws.uow() as tx:
            as_of = tx.views.data_as_of()
        text = t("app.subtitle", today=self.ws.time.today().isoformat(), as_of=as_of.isoformat() if as_of else "—")
        years = self._uncovered_years()
        return (t("app.subtitle_uncovered", subtitle=text, years=years) if years else text), years

    def _show_subtitle(self, found: tuple[str, str]) -> None:
        self.sub_title, years = found
        if years and not self._warned_uncovered:
            self._warned_uncovered = True
            # Not markup: the policy's section "[calendar]" in the words would vanish as a tag.
            self.notify(t("app.calendar_uncovered", years=years), severity="warning", timeout=60, markup=False)

    def action_go(self, destination: str) -> None:
        """To the destination; ``1`` (the checklist) to where the role's day starts, its home screen over its own
        checklist put back if it was left (Escape)."""
        if self.current_mode != destination:
            self.switch_mode(destination)
        else:
            self._back_to_list()
        if destination == "checklist":
            self._show_home_screen()

    def _back_to_list(self) -> None:
        """The key of the destination shown, pressed on a client's page opened from its list: back to the list (the
        client list, to its search), as from any page the key leads there. Nothing typed is lost: a dialog open
        over the page stays (its own keys take the digit). The list's search is emptied for the next client."""
        from screens.client_detail import ClientDetailScreen
        from screens.clients import ClientsScreen

        while len(self.screen_stack) > 1 and isinstance(self.screen, ClientDetailScreen):
            self.pop_screen()
        if isinstance(self.screen, ClientsScreen):
            self.screen.call_after_refresh(self.screen.search_anew)

    # Screens pushed over the destinations are imported when first asked for (see DESTINATIONS).
    def action_search(self) -> None:
        from screens.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen(self.ws))

    def action_new_sale(self) -> None:
        from screens.suitability_wizard import SuitabilityWizard

        self.push_screen(SuitabilityWizard(self.ws))

    def action_agenda(self) -> None:
        from screens.agenda import AgendaScreen

        self.push_screen(AgendaScreen(self.ws, self.ws.time.today()))

    def action_shelf(self) -> None:
        from screens.shelf import ShelfScreen

        self.push_screen(ShelfScreen(self.ws))

    def action_leave(self) -> None:
        """A CSM's own leave and who covers (a supervisor records the team's from the team's checklists)."""
        from screens.dialogs import LeaveDialog

        if offered(self.ws.staff.role, "leave"):
            self.push_screen(LeaveDialog(self.ws, self.ws.staff), self._leave_saved)

    def _leave_saved(self, change: LeaveChange | None) -> None:
        if change:
            self.notify(change.said, timeout=3)

    def action_export(self, kind: str) -> None:
        """Export the signed-in staff member's own list (tasks or contacts), identities masked."""
        from csm_tui.services.imports.exports import ExportKind
        from screens.dialogs import ExportDialog

        self.push_screen(ExportDialog(self.ws, ExportKind(kind)), self._exported)

    def _exported(self, result: tuple[int, Path] | None) -> None:
        if result is not None:
            rows, path = result
            self.notify(t("export.done", rows=rows, path=path), timeout=6)

    def action_import(self) -> None:
        from screens.imports import ImportScreen

        if offered(self.ws.staff.role, "import") and not isinstance(self.screen, ImportScreen):
            self.push_screen(ImportScreen(self.ws))

    def action_aml_list(self) -> None:
        """Suspicion reports: the reviewer's list (the outlet's supervisors or the admin, by policy), or a CSM's own."""
        from screens.aml_reviews import AmlReviewsScreen

        if offered(self.ws.staff.role, "aml") and not isinstance(self.screen, AmlReviewsScreen):
            self.push_screen(AmlReviewsScreen(self.ws))

    def action_prospects(self) -> None:
        """Prospects: a CSM's own, a supervisor's team's (``screens.prospects``)."""
        from screens.prospects import ProspectsScreen

        if offered(self.ws.staff.role, "prospects") and not isinstance(self.screen, ProspectsScreen):
            self.push_screen(ProspectsScreen(self.ws))

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_help_quit(self) -> None:
        """ctrl+c (which copies in a text field) anywhere else: how to quit, in the user's language (Textual's own
        notice is in English)."""
        quit_key = next((k for k, a in self.active_bindings.items() if a.binding.action in ("quit", "app.quit")), "")
        if quit_key:
            self.notify(t("app.quit_how", key=quit_key), title=t("app.quit_title"))

    def notify(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information", timeout: float | None = None,
        markup: bool = False,
    ) -> None:  # fmt: skip
        """A notice, its lines broken where a reader expects (禁则: none starts with a closing mark) to the width of
        Textual's toast. Plain text whatever ``markup`` says (a screen's ``notify`` asks for markup by default): no
        notice is markup, and one may quote a note holding ``[``. Once the session is over its refusals are not said
        again: its own screen says it (what else is said, an export written, a save done, still is)."""
        if self.session_over and message == t("error.session_ended"):
            return
        lines = "\n".join(wrap(message, notice_width(self.size.width)))
        super().notify(lines, title=title, severity=severity, timeout=timeout, markup=False)

    def action_command_palette(self) -> None:
        if not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(placeholder=t("palette.search"), id="--command-palette"))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette's entries the signed-in role may use (``roles.WORK_ROLES``)."""
        role = self.ws.staff.role
        for entry, command in self._palette_entries():
            if offered(role, entry):
                yield command

    def _palette_entries(self) -> Iterable[tuple[str, SystemCommand]]:
        home = HOME_NAMES.get(self.ws.staff.role)  # where 1 leads: its entry is named so
        for name in DESTINATIONS:
            said = home if home and name == "checklist" else name
            yield name, SystemCommand(t(f"nav.{said}"), t(f"palette.{said}"), self._goer(name))
        yield "search", SystemCommand(t("key.search"), t("palette.search_clients"), self.action_search)
        yield "new_sale", SystemCommand(t("key.new_sale"), t("palette.new_sale"), self.action_new_sale)
        yield "agenda", SystemCommand(t("agenda.title"), t("palette.agenda"), self.action_agenda)
        yield "shelf", SystemCommand(t("shelf.title"), t("palette.shelf"), self.action_shelf)
        yield "leave", SystemCommand(t("key.leave"), t("palette.leave"), self.action_leave)
        export_tasks, export_contacts = (lambda: self.action_export("tasks")), (lambda: self.action_export("contacts"))
        yield "export", SystemCommand(t("export.tasks"), t("export.palette_tasks"), export_tasks)
        yield "export", SystemCommand(t("export.contacts"), t("export.palette_contacts"), export_contacts)
        yield "import", SystemCommand(t("import.title"), t("import.palette"), self.action_import)
        yield "aml", SystemCommand(t("aml.title"), t("aml.palette"), self.action_aml_list)
        yield "prospects", SystemCommand(t("nav.prospects"), t("palette.prospects"), self.action_prospects)
        yield "help", SystemCommand(t("key.help"), t("palette.help"), self.action_help)
        yield "quit", SystemCommand(t("key.quit"), t("palette.quit"), self.exit)

    def _goer(self, destination: str) -> Callable[[], None]:
        return lambda: self.action_go(destination)
