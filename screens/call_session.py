"""The call session: one client at a time, one key per outcome, the next client straight after.

Outcome keys (each a documented code): i interested · a appointment · b agreed to buy (to the suitability wizard
on the product pitched; a visit booked only if the client will come in) ·
p politely declined · f firmly declined · n no answer · t busy, call back at a time · w wrong number ·
x do not call · d 回访 done (on a 回访's card only, a retry of one included). On an event's invitation or reminder
call every outcome key is the invitation's answer (``rules.events.CALL_ANSWERS``, through the events service): i, p
and n in one key, no dialog; f, w, x and t (with the time to call back) through the outcome's dialog; a, b and d (a
meeting, a purchase, a 回访: no answer to an invitation) are neither shown in the panel nor taken there. Also: s
skip (with a reason), z snooze (at a time: quick choices or typed) — on an event's call both keep the invitation
as it is and move its call, never past the event's day —, u undo the last save (an invitation's answer too), Escape
back. The outcome keys, s and z are shown in a panel of their own (all in view at 80×24).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

import arrow
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from csm_tui.domain.enums import Disposition, QueueReason, SkipReason
from csm_tui.domain.roles import offered
from csm_tui.i18n import label, t
from csm_tui.rules import events as event_rules
from csm_tui.services.calls.outcomes import Outcome, Receipt, record, skip, snooze, snooze_choices, undo
from csm_tui.services.calls.preparation import CallCard, prepare
from csm_tui.services.calls.queue import QueueItem
from csm_tui.services.days import next_working_morning
from csm_tui.services.events import planning
from csm_tui.services.phrase_check import PhrasesConfirmed
from csm_tui.services.workstation import Workstation
from screens.background import Failure, in_background, log_failure
from screens.base import copy_client_mobile
from screens.client_detail import NOT_COVERED
from screens.dialogs import AmlReportDialog, OutcomeDialog, ReasonDialog, SnoozeDialog
from screens.suitability_wizard import SuitabilityWizard
from widgets.call_timer import CallTimer
from widgets.cells import reason_detail
from widgets.client_card import ClientCard
from widgets.key_bar import KeyBar
from widgets.outcome_panel import OutcomePanel
from widgets.queue_legend import queue_legend
from widgets.script_panel import ScriptPanel

OUTCOME_KEYS = {
    "i": Disposition.INTERESTED,
    "a": Disposition.APPOINTMENT,
    "b": Disposition.AGREED_TO_BUY,
    "p": Disposition.POLITE_DECLINE,
    "f": Disposition.FIRM_DECLINE,
    "n": Disposition.NO_ANSWER,
    "t": Disposition.BUSY,
    "w": Disposition.WRONG_NUMBER,
    "x": Disposition.DO_NOT_CALL,
    "d": Disposition.SERVICE_DONE,
}

# On an event's invitation or reminder call, the outcome keys are the invitation's answers only
# (``rules.events.CALL_ANSWERS``, through the events service, so the reminder and the cadence of calls follow; the
# others are hidden there); these need no dialog (the others the outcome's).
EVENT_CALLS = frozenset({QueueReason.EVENT_INVITE, QueueReason.EVENT_REMINDER})
EVENT_ONE_KEY = frozenset({Disposition.INTERESTED, Disposition.POLITE_DECLINE, Disposition.NO_ANSWER})

# The keys the outcome panel shows, in its order (the key bar shows the others).
PANEL_KEYS = [*(f"call.{d.value}" for d in OUTCOME_KEYS.values()), "call.skip", "call.snooze"]


def prepared(ws: Workstation, item: QueueItem | None) -> CallCard | None:
    """The client's card made ready ahead, off the UI thread, so the frame that follows shows it at once; None when
    there is no client or it failed (the session then loads it itself and says what went wrong)."""
    if item is None:
        return None
    try:
        return prepare(ws, item.client_id, item.main.task_id)
    except Exception as exc:
        log_failure("call card prepared ahead", exc)
        return None


@dataclass(frozen=True)
class Handled:
    """What a dialog of the session saves: the outcome's receipt (None for a skip or snooze), then, in the same
    worker, the card of the client the session moves on to."""

    receipt: Receipt | None
    card: CallCard | None
    invitation_id: int | None = None  # an invitation's answer: undone through the events service


class CallSession(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"outcome('{d.value}')", f"disposition.{d.name.lower()}", show=False, id=f"call.{d.value}")
            for key, d in OUTCOME_KEYS.items()
        ),
        Binding("s", "skip", "key.skip", show=False, id="call.skip"),
        Binding("z", "snooze", "key.snooze", show=False, id="call.snooze"),
        Binding("u", "undo", "key.undo", id="call.undo"),
        Binding("y", "copy", "key.copy", id="call.copy"),
        Binding("exclamation_mark", "aml_report", "key.aml_report", show=False, id="call.aml_report"),
        Binding("escape", "leave", "key.back", id="call.leave"),
    ]
    DEFAULT_CSS = """
    CallSession #reason {
        width: 1fr; padding: 0 1; text-style: bold; color: $accent; text-wrap: nowrap; text-overflow: ellipsis;
    }
    CallSession #progress { width: auto; }
    CallSession #status { height: 1; }
    CallSession #progress { padding: 0 1; }
    CallSession #timer { width: auto; }
    """

    def __init__(self, ws: Workstation, items: list[QueueItem], index: int = 0) -> None:
        super().__init__()
        self.ws = ws
        self.items = items
        self.index = index
        self.done: set[int] = set()  # positions handled in this session
        self.receipts: list[tuple[int, Receipt | int]] = []  # for undo, newest last (an int: an invitation answered)
        self.card: CallCard | None = None
        self.undoing = False  # an undo is being saved: the session's position is about to change
        self.last_outcome: Disposition | None = None
        self.answering = False  # an invitation's answer is being saved: a second key press is not a second answer

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="status"):
            yield Static("", id="reason")
            yield CallTimer(self.ws.time.clock, self.ws.policy.calls.target_seconds, id="timer")
            yield Static("", id="progress")
        with VerticalScroll():
            yield ClientCard(id="card")
            yield ScriptPanel(id="script")
        yield OutcomePanel(PANEL_KEYS, id="outcomes")
        yield KeyBar()

    def help_legend(self) -> list[tuple[str, str]]:
        """F1: what the queue's reasons, "+N" and due words mean."""
        return queue_legend()

    def on_mount(self) -> None:
        self.show_current()

    @property
    def item(self) -> QueueItem:
        return self.items[self.index]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """What is offered on this card: a suspicion report to a CSM only (``roles.WORK_ROLES``); on an event's
        invitation or reminder call, only the outcomes that answer an invitation (the events service would refuse
        the others); 回访 done only on a 回访's card (``_service_call``: the service refuses it on another call);
        no outcome that marks the number (``rules.events.UNCALLABLE``) while the caller's 沃德 referral of the
        client is still open (the flags stay the CSM's: ``wode_referral_open``): neither in the panel nor taken.
        A colleague covering the manager's leave is offered the calls' keys only
        (the client page's ``NOT_COVERED``; the mobile's copy is the manager's own clients')."""
        if self.card is not None and self.card.covering and (action in NOT_COVERED or action == "copy"):
            return False
        if action == "aml_report":
            return offered(self.ws.staff.role, "aml_report")
        if action == "outcome" and parameters:
            disposition = Disposition(str(parameters[0]))
            if disposition in event_rules.UNCALLABLE and self._referral_pending():
                return False
            if self._event_call(self.item):
                return disposition in event_rules.CALL_ANSWERS
            if disposition is Disposition.SERVICE_DONE:
                return self._service_call()
        return True

    def _referral_pending(self) -> bool:
        """The caller, a 沃德 client manager, has not yet accepted the referral of the client on the card."""
        card = self.card
        if card is not None and card.client_id == self.item.client_id:
            return card.referral_pending
        return self.item.referral_pending

    def _service_call(self) -> bool:
        """The card is a 回访's: its reason or one raised on the same call, or (once its card is read) a callback
        that retries an unanswered 回访."""
        item, card = self.item, self.card
        if QueueReason.SERVICE_CALLBACK in (item.reason, *item.also):
            return True
        return card is not None and card.client_id == item.client_id and card.why is not None and card.why.service

    def show_current(self, card: CallCard | None = None) -> None:
        """The client at the current position: ``card`` when it was prepared ahead for them, else loaded now."""
        item = self.item
        self.refresh_bindings()  # an event's call and an ordinary one take different outcome keys
        reasons = [label(item.reason), *(label(r) for r in item.also)]
        text = reason_detail(item.main, lambda at: self.ws.time.local(at).format("MM-DD HH:mm"))
        if self._event_call(item):
            text = " · ".join(part for part in (text, t("call.event_answer_keys")) if part)
        detail = f" · {text}" if text else ""
        self.query_one("#reason", Static).update(f"{' + '.join(reasons)}{detail}")
        if card is not None and card.client_id == item.client_id:
            self._show_card(card)
        else:
            self.load_card(item)

    def load_card(self, item: QueueItem) -> None:
        client_id, task_id = item.client_id, item.main.task_id
        in_background(self, lambda: prepare(self.ws, client_id, task_id), self._show_card, group="card", load=True)

    def _show_card(self, card: CallCard) -> None:
        if card.client_id != self.item.client_id:
            return  # an older load arriving late
        self.card = card
        self.refresh_bindings()  # a retried 回访 takes its done key
        now = self.ws.time.now().datetime
        self.query_one(ClientCard).show_card(card, self.ws.time.today(), self.item.main, self.ws.time.local, now)
        self.query_one(ScriptPanel).show_script(
            card, self.ws.staff, self.item.reason, self.ws.policy.compliance.risk_notice, self.ws.time
        )
        position = t("call.position", n=self.index + 1, total=len(self.items))
        if self.ws.policy.checklist.counts_calls(self.ws.staff.role):  # a CSM's: the day's call target beside
            progress = t("call.progress", done=card.calls_today, target=self.ws.policy.calls.daily_target)
        else:
            progress = t("call.progress_only", done=card.calls_today)
        self.query_one("#progress", Static).update(f"{position} · {progress}")
        self.query_one(CallTimer).restart()

    def action_copy(self) -> None:
        """The full mobile of the client on the card to the desk's clipboard (audited)."""
        copy_client_mobile(self, self.ws, self.item.client_id)

    def action_aml_report(self) -> None:
        """File a suspicion report on the client on the card, for the outlet's AML reviewer (never shown here)."""
        if self.card is not None:
            self.app.push_screen(AmlReportDialog(self.ws, self.card.client_id, self.card.name), self._aml_filed)

    def _aml_filed(self, saved: object) -> None:
        if saved:
            self.notify(t("aml.filed"), timeout=3)

    def _waiting_for_undo(self) -> bool:
        """Refuse to act on the client shown while an undo, which moves the session back, is being saved."""
        if self.undoing:
            self.notify(t("call.undo_saving"), severity="warning", timeout=2)
        return self.undoing

    @staticmethod
    def _event_call(item: QueueItem) -> bool:
        """The call is an event's invitation or reminder: its outcome keys answer the invitation."""
        return item.reason in EVENT_CALLS and item.main.task_id is not None

    def action_outcome(self, code: str) -> None:
        if self._waiting_for_undo():
            return
        disposition = self.last_outcome = Disposition(code)
        item, timer, upcoming = self.item, self.query_one(CallTimer), self._upcoming()
        started, seconds = timer.started, timer.seconds
        task_id = item.main.task_id
        event_call = self._event_call(item) and task_id is not None
        if event_call and task_id is not None and disposition in EVENT_ONE_KEY:
            if self.answering:
                return
            self.answering = True

            def answer() -> Handled:
                invitation_id = planning.answer_call(self.ws, task_id, disposition, started_at=started)
                return Handled(None, prepared(self.ws, upcoming), invitation_id)

            in_background(self, answer, self._answered, group="save", failed=self._answer_failed)
            return

        def save(outcome: Outcome) -> Handled:
            if event_call and task_id is not None:  # f, w, x, t: the invitation's answer, with a note (and a time)
                invitation_id = planning.answer_call(
                    self.ws, task_id, outcome.disposition, started_at=started, at=outcome.at, note=outcome.note,
                    confirmed=outcome.confirmed,
                )  # fmt: skip
                return Handled(None, prepared(self.ws, upcoming), invitation_id)
            receipt = record(
                self.ws, item.client_id, outcome, task_id=item.main.task_id, started_at=started, duration_s=seconds
            )
            return Handled(receipt, prepared(self.ws, upcoming))

        soonest = next(iter(snooze_choices(self.ws).values()), None)  # a call back: the first time the CSM calls
        suggested = next_working_morning(self.ws)
        if disposition is Disposition.BUSY and soonest is not None:
            suggested = arrow.get(soonest)
        dialog: OutcomeDialog[Handled] = OutcomeDialog(disposition, save, self.ws.time.tz, suggested)
        self.app.push_screen(dialog, self._saved)

    def _answer_failed(self, failure: Failure) -> None:
        self.answering = False
        self.notify(failure.message, severity="error")

    def _answered(self, handled: Handled) -> None:
        self.answering = False
        if handled.invitation_id is not None:
            self.receipts.append((self.index, handled.invitation_id))
        self.notify(t("call.event_answered"), timeout=2)
        self.advance(handled.card)

    def _saved(self, handled: Handled | None) -> None:
        if handled is not None and handled.invitation_id is not None:
            self._answered(handled)
            return
        if handled is None or handled.receipt is None:
            return
        receipt = handled.receipt
        self.receipts.append((self.index, receipt))
        said = t("leave.booked_for", name=receipt.booked_for) if receipt.booked_for else t("call.saved")
        self.notify(said, timeout=2)
        agreed = self.last_outcome is Disposition.AGREED_TO_BUY
        pitched = self.card.suggestion if self.card is not None and self.card.client_id == receipt.client_id else None
        self.advance(handled.card)
        if agreed:  # the client agreed to buy: the suitability wizard, on the product the script pitched
            product = pitched.product.id if pitched is not None else None
            self.app.push_screen(SuitabilityWizard(self.ws, receipt.client_id, product_id=product))

    def _next_index(self) -> int | None:
        """Where the session goes once the current client is done: the next one not done after it, else the first
        one not done; None when every client is done."""
        remaining = [i for i in range(len(self.items)) if i not in self.done and i != self.index]
        following = [i for i in remaining if i > self.index] or remaining
        return following[0] if following else None

    def _upcoming(self) -> QueueItem | None:
        """The client the session moves on to once the current one is done."""
        index = self._next_index()
        return None if index is None else self.items[index]

    def advance(self, card: CallCard | None = None) -> None:
        """On to the next client (``card``: theirs, prepared along with the save)."""
        index = self._next_index()
        self.done.add(self.index)
        if index is None:
            self.notify(t("call.finished"))
            self.dismiss(None)
            return
        self.index = index
        self.show_current(card)

    def action_snooze(self) -> None:
        """When to call the client again (quick choices, or a time typed), then on to the next client."""
        if self._waiting_for_undo():
            return
        item, upcoming = self.item, self._upcoming()

        def save(at: dt.datetime, note: str, confirmed: PhrasesConfirmed | None) -> Handled:
            snooze(self.ws, item, at, note, confirmed)
            return Handled(None, prepared(self.ws, upcoming))

        name = item.main.client_name
        dialog = SnoozeDialog(name, snooze_choices(self.ws), self.ws.time.tz, save)
        self.app.push_screen(dialog, self._snoozed)

    def _snoozed(self, handled: Handled | None) -> None:
        if handled is not None:
            self.notify(t("snooze.done"), timeout=2)
            self.advance(handled.card)

    def action_skip(self) -> None:
        if self._waiting_for_undo():
            return
        item, upcoming = self.item, self._upcoming()

        def save(reason: SkipReason, note: str, confirmed: PhrasesConfirmed | None) -> Handled:
            skip(self.ws, item, reason, note, confirmed)
            return Handled(None, prepared(self.ws, upcoming))

        self.app.push_screen(ReasonDialog(t("skip.title"), save), self._moved_on)

    def _moved_on(self, handled: Handled | None) -> None:
        if handled is not None:
            self.advance(handled.card)

    def action_undo(self) -> None:
        if self._waiting_for_undo():
            return
        if not self.receipts:
            self.notify(t("call.nothing_to_undo"), severity="warning")
            return
        self.undoing = True
        index, receipt = self.receipts[-1]

        def take_back() -> None:
            if isinstance(receipt, Receipt):
                undo(self.ws, receipt)
            else:
                planning.undo_answer(self.ws, receipt)

        in_background(self, take_back, lambda _: self._undone(index), group="undo", failed=self._undo_failed)

    def _undo_failed(self, failure: Failure) -> None:
        self.undoing = False
        self.notify(failure.message, severity="error")

    def _undone(self, index: int) -> None:
        self.undoing = False
        self.receipts.pop()
        self.done.discard(index)
        self.index = index
        self.notify(t("call.undone"), timeout=2)
        self.show_current()

    def action_leave(self) -> None:
        self.dismiss(None)
