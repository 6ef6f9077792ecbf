"""Client detail: the whole client on one screen, in tabs that fit 80×24.

Keys: [ ] switch tabs · r reveal the full ID and mobile (a reason is asked and the read audited) · e edit contact
details and the ID's expiry · ! file a suspicion report (AML, for the outlet's reviewer only) · l log a contact ·
o book a meeting · t add a follow-up · s sell · c cancel a sale in its cooling-off period · w refer to a 沃德 client
manager · on a meeting in the tasks tab: v confirm, m move, x cancel · Escape back. The tasks tab lists the open
tasks, then the last ``CLOSED_TASKS`` closed ones (who closed them, how, a skip's reason); → or Enter opens any row.
Another manager's client shows only the OCRM summary, identity masked, and only the keys that work on it; each role
is shown the keys its services allow (``roles.WORK_ROLES``), all of the main ones in view at 80×24.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import arrow
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane, Tabs

from csm_tui.domain.enums import AppointmentStatus, HoldingStatus, Tier
from csm_tui.domain.models import Appointment, ClientSummary, ContactRecord, Prospect, Referral, Staff, Task
from csm_tui.domain.values import money
from csm_tui.i18n import itemised, label, listed, t
from csm_tui.services.calls import appointments
from csm_tui.services.clients import client_detail, households, referrals
from csm_tui.services.clients.client_detail import ClientDetail
from csm_tui.services.days import next_working_morning
from csm_tui.services.phrase_check import PhrasesConfirmed
from csm_tui.services.rows import Introduced, ProspectContactLine
from csm_tui.services.selling import attempts
from csm_tui.services.task_notes import said_note
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from screens.base import copy_client_mobile, offered_action
from screens.dialogs import (
    AmlReportDialog,
    CheckedTextDialog,
    ChooseStaffDialog,
    EditClientDialog,
    IntroductionDialog,
    LogContactDialog,
    MeetingDialog,
    TextDialog,
    WhenDialog,
    release_dialog,
    reveal_dialog,
)
from screens.referral_words import released_said
from screens.suitability_wizard import SuitabilityWizard
from widgets.balance_chart import BalanceChart
from widgets.cells import figure
from widgets.client_card import contact_text
from widgets.empty_note import EmptyNote, show_empty_notes
from widgets.key_bar import KeyBar
from widgets.product_words import offered
from widgets.risk_lines import birthday_line, forecast_line, household_line, id_badge, id_expiry_line
from widgets.table import KeyTable

TABS = ("overview", "assets", "contacts", "tasks", "referrals")
COLUMNS = {
    "holdings": ("product", "category", "rating", "amount", "start", "maturity", "status"),
    "timeline": ("date", "channel", "outcome", "staff", "note"),
    "meetings": ("meeting", "status", "purpose"),
    # the date: an open task's due day, a closed one's end; the outcome: of the contact that closed it
    "todo": ("date", "task", "status", "outcome", "staff", "note"),
    "referral-list": ("date", "kind", "from", "to", "status", "reason"),
}


# Every key but the tabs, Back and the copy of one's own client's mobile works on the client's full record ("clients")
# unless ``base.ACTION_WORK`` names its work.
ANY_CLIENT = frozenset({"tab", "back"})  # the OCRM summary of another's client too
# The keys that change the client's record: not while the reader's 沃德 referral of the client is still open (a
# follow-up, ``t``, is offered: calling back is part of deciding).
RECORD_KEYS = frozenset({"edit", "sell", "cancel_sale", "link_family", "birthday_kind"})
# What a colleague covering the manager's leave does not do: a cover makes the calls, nothing more (no full ID, no
# change of the record, no sale, 沃德 referral or suspicion report: ``access.require_client_record``).
NOT_COVERED = RECORD_KEYS | {"reveal", "refer", "aml_report"}


def timeline(d: ClientDetail) -> list[ContactRecord | ProspectContactLine]:
    """The client's contacts and the calls made while they were a prospect, newest first."""
    entries: list[ContactRecord | ProspectContactLine] = [*d.contacts, *d.prospect_calls]
    return sorted(entries, key=lambda c: c.started_at, reverse=True)


def prospect_call_row(ws: Workstation, c: ProspectContactLine) -> list[tuple[str, str]]:
    """A call made while the client was a prospect, as the timeline's row opens it."""
    return [
        (t("detail.col.date"), ws.time.local(c.started_at).format("YYYY-MM-DD HH:mm")),
        (t("detail.col.channel"), t("detail.prospect_call")),
        (t("detail.col.outcome"), label(c.outcome)),
        (t("detail.col.staff"), c.staff_name),
        (t("row.note"), c.note),
    ]


def one_line(note: str) -> str:
    """A task's note in a row of one line: its lines newest first (what closed or moved the task — a skip's reason —
    was added last), so the row shows it before the task's first words."""
    return " / ".join(line for line in reversed(note.split("\n")) if line.strip())


def introduced_line(introduced: list[Introduced]) -> str:
    """The introducing client's credit: how many they introduced, how many became clients, and whom (those the
    reader may name; the others counted)."""
    named = [
        t("detail.introduced_client", name=i.name, number=i.client_number) if i.client_number else i.name
        for i in introduced
        if i.name is not None
    ]
    line = t("detail.introduced", count=len(introduced), converted=sum(i.converted for i in introduced))
    if named:
        line += t("detail.introduced_names", names=listed(named))
    unnamed = len(introduced) - len(named)
    if unnamed:
        line += t("detail.introduced_unnamed", count=unnamed)
    return line


def moved_said(asked: dt.date, due_on: dt.date) -> str:
    """A follow-up asked for a day off, put on the next working day: "12-05 是休息日，已安排在 12-07（周一）。"."""
    return t(
        "detail.follow_up_moved",
        asked=asked.strftime("%m-%d"),
        day=due_on.strftime("%m-%d"),
        weekday=t(f"weekday.{due_on.isoweekday()}"),
    )


class ClientDetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right_square_bracket", "tab(1)", "key.next_tab", id="detail.next_tab"),
        Binding("left_square_bracket", "tab(-1)", "key.prev_tab", show=False, id="detail.prev_tab"),
        Binding("r", "reveal", "key.reveal", id="detail.reveal"),
        Binding("e", "edit", "key.edit", id="detail.edit"),
        Binding("l", "log", "key.log", id="detail.log"),
        Binding("o", "book", "key.book", id="detail.book"),
        Binding("t", "follow_up", "key.follow_up", id="detail.follow_up"),
        Binding("s", "sell", "key.sell", id="detail.sell"),
        Binding("c", "cancel_sale", "key.cancel_sale", id="detail.cancel_sale"),
        Binding("w", "refer", "key.refer", id="detail.refer"),
        Binding("k", "capacity", "key.capacity", show=False, id="detail.capacity"),
        Binding("y", "copy", "key.copy", show=False, id="detail.copy"),
        Binding("v", "meeting('confirmed')", "key.confirm", show=False, id="detail.confirm"),
        Binding("h", "link_family", "key.link_family", show=False, id="detail.link_family"),
        Binding("b", "birthday_kind", "key.birthday_kind", show=False, id="detail.birthday_kind"),
        Binding("m", "move", "key.move", show=False, id="detail.move"),
        Binding("x", "meeting('cancelled')", "key.cancel_meeting", show=False, id="detail.cancel"),
        Binding("exclamation_mark", "aml_report", "key.aml_report", show=False, id="detail.aml_report"),
        Binding("n", "introduce", "key.introduce", show=False, id="detail.introduce"),
        Binding("u", "release", "key.release_wode", id="detail.release"),
        Binding("escape", "back", "key.back", id="detail.back"),
        Binding("enter", "into_tab", "key.into_tab", show=False, id="detail.into_tab"),  # on the tab bar
    ]
    DEFAULT_CSS = """
    ClientDetailScreen #detail-title { padding: 0 1; text-style: bold; color: $accent; }
    ClientDetailScreen #timeline { height: 1fr; }
    ClientDetailScreen #contact-pane { height: auto; max-height: 6; padding: 0 1; border-top: solid $primary-darken-2; }
    ClientDetailScreen .para { padding: 0 1; }
    ClientDetailScreen #todo-limit { display: none; padding: 0 1; color: $text-muted; }
    ClientDetailScreen TabbedContent { height: 1fr; }
    ClientDetailScreen TabPane { height: 1fr; padding: 0; }
    """

    def __init__(self, ws: Workstation, client_id: int) -> None:
        super().__init__()
        self.ws = ws
        self.client_id = client_id
        self.detail: ClientDetail | None = None
        self.summary_only = False  # read as the OCRM summary: another manager's client
        self.releasable: Referral | None = None  # the client's 沃德 referral the reader may release (``u``)
        self.client_name = ""  # as the reader sees the client (the summary's to another manager's)
        self.entries: list[ContactRecord | ProspectContactLine] = []  # the timeline's rows, newest first
        self.revealed: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("card.loading"), id="detail-title")
        with TabbedContent(id="tabs"):
            with TabPane(t("detail.tab.overview"), id="overview"), VerticalScroll():
                yield Static("", id="identity", classes="para")
            with TabPane(t("detail.tab.assets"), id="assets"), VerticalScroll():
                yield Static("", id="tier", classes="para")
                yield BalanceChart(id="chart")
                yield EmptyNote("holdings", "empty.holdings")
                # Short words never cut (the category; the status, which says what ``c`` may cancel): the product
                # gives way.
                whole = (COLUMNS["holdings"].index("category"), COLUMNS["holdings"].index("status"))
                yield KeyTable(id="holdings", whole=whole, enter_opens_row=True)
            with TabPane(t("detail.tab.contacts"), id="contacts"):
                yield EmptyNote("timeline", "empty.timeline")
                yield KeyTable(id="timeline", stretch=COLUMNS["timeline"].index("note"), enter_opens_row=True)
                with VerticalScroll(id="contact-pane"):
                    yield Static(t("card.no_contacts"), id="contact-text")
            with TabPane(t("detail.tab.tasks"), id="tasks"), VerticalScroll():
                yield EmptyNote("meetings", "empty.meetings")
                yield KeyTable(id="meetings", stretch=COLUMNS["meetings"].index("purpose"), enter_opens_row=True)
                yield EmptyNote("todo", "empty.todo")
                yield KeyTable(id="todo", stretch=COLUMNS["todo"].index("note"), enter_opens_row=True)
                yield Static(t("detail.closed_limit", count=client_detail.CLOSED_TASKS), id="todo-limit")
            with TabPane(t("detail.tab.referrals"), id="referrals"), VerticalScroll():
                yield Static("", id="offers", classes="para")
                yield EmptyNote("referral-list", "empty.referral_list")
                reason = COLUMNS["referral-list"].index("reason")
                yield KeyTable(id="referral-list", stretch=reason, enter_opens_row=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.load()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A tab opens on its first list that has rows (the tasks under an empty list of meetings): Enter or →
        opens the row at once."""
        if event.pane is None:
            return
        table = next((table for table in event.pane.query(KeyTable) if table.row_count), None)
        if table is not None:
            table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Each key the role and this client allow, and no other: what the services would refuse is not shown
        (another manager's client, read as the summary, has only the tabs and Back; the lobby's and tellers' every
        client is one). Until the client is read, the keys of the full record are shown but do nothing."""
        if action == "into_tab":
            return isinstance(self.focused, Tabs) and self._tab_list() is not None
        if action in ANY_CLIENT:
            return True
        if action == "release":  # whom ``referrals.release`` lets, the summary's reader too (the holder's supervisor)
            return self.releasable is not None
        if not offered_action(self.ws, action, "clients") or self.summary_only:
            return False
        if self.detail is None:
            return None
        if action in ("copy", "introduce"):  # one's own book's only (``copying.copy_mobile``, ``prospects``)
            return self.detail.own
        if self.detail.covering and action in NOT_COVERED:
            return False
        if action == "cancel_sale" and not self._cooling_off():
            return False  # no purchase the client may still cancel (``attempts.cancellable``)
        if action in RECORD_KEYS:  # ``access.require_client_record``
            return self.detail.changeable
        if action == "refer":  # at the 沃德 standard, not a 沃德 client already (``referrals.refer_to_wode``)
            d = self.detail
            return d.tier is Tier.WODE and referrals.wode_referable(d.referrals, self.ws.staff.id, d.wode_managed)
        return True

    def load(self) -> None:
        in_background(self, self._read, self._shown, group="load", load=True)

    def _read(self) -> tuple[ClientDetail | ClientSummary, Referral | None]:
        releasing = offered_action(self.ws, "release", "clients")
        return client_detail.load(self.ws, self.client_id), referrals.releasable(
            self.ws, self.client_id
        ) if releasing else None

    def _shown(self, read: tuple[ClientDetail | ClientSummary, Referral | None]) -> None:
        found, self.releasable = read
        self.show(found)

    def show(self, found: ClientDetail | ClientSummary) -> None:
        self.summary_only = isinstance(found, ClientSummary)
        self.client_name = found.name if isinstance(found, ClientSummary) else found.client.name
        self.call_after_refresh(self.refresh_bindings)  # the keys this client allows (``check_action``)
        if isinstance(found, ClientSummary):
            self.detail = None
            self.query_one("#detail-title", Static).update(
                f"{found.name} · {found.number} · {t('detail.summary_only')}"
            )
            self.query_one("#identity", Static).update(
                "\n".join([t("detail.id", value=found.masked_id), t("detail.mobile", value=found.masked_mobile)])
            )
            return
        self.detail = found
        c = found.client
        if self.revealed is not None and self.revealed[1] != (c.mobile or ""):
            self.revealed = None  # the number changed since it was revealed (an edit): masked again, never stale
        flags = [label(found.tier)] + [t(f) for f, on in self._flags(found) if on]
        badge = id_badge(found.id_state, c.id_expiry)
        if badge is not None:  # KYC: the ID expired or expires soon
            flags.insert(0, f"⚠ {badge}")
        self.query_one("#detail-title", Static).update(f"{c.name} · {c.number} · {' · '.join(flags)}")
        self._identity(found)
        self._assets(found)
        self._timeline(found)
        self._tasks(found)
        self._offers(found)
        self._referrals(found)
        show_empty_notes(self)  # an own client's empty lists say what they would hold

    @staticmethod
    def _flags(found: ClientDetail) -> list[tuple[str, bool]]:
        return [("tier.quick_wealth", found.quick_wealth), ("detail.new_jiaoyin", found.new_jiaoyin)]

    def _identity(self, d: ClientDetail) -> None:
        c = d.client
        resident_id, mobile = self.revealed or (c.resident_id.masked(), c.mobile.masked() if c.mobile else "")
        opt_outs = [t(f"field.{f}") for f in ("phone_opt_out", "sms_opt_out") if getattr(c, f)]
        lines = [
            t("detail.id", value=resident_id) + f"  {label(d.sex)} {t('card.age', age=d.age)}",
            t("detail.mobile", value=mobile or t("card.no_mobile"))
            + (f"  {t('detail.mobile_invalid')}" if c.mobile_invalid else ""),
            t("detail.address", value=c.address or "—"),
            t("detail.occupation", value=c.occupation or "—"),
            t("detail.opt_outs", value=listed(opt_outs) if opt_outs else t("card.none")),
            t("detail.capacity", value=t("detail.yes") if c.civil_capacity else t("detail.no")),
            id_expiry_line(c.id_expiry, c.id_long_term),
            t("detail.accounts", value=itemised(f"{label(a.kind)} ****{a.number[-4:]}" for a in c.accounts) or "—"),
            t("detail.note", value=c.note or "—"),
        ]
        if d.introduced:
            lines.append(introduced_line(d.introduced))
        if d.household is not None:
            lines.append(household_line(d.household, linkable=bool(self.check_action("link_family", ()))))
        if d.birthday is not None:
            lines.append(birthday_line(d.birthday))
        a = d.assessment
        if a is None or d.valid_until is None:
            lines.append(t("card.no_assessment"))
        elif d.assessment_valid:
            lines.append(t("card.assessment", level=label(a.level), date=d.valid_until.isoformat()))
        else:
            lines.append(t("card.assessment_expired", level=label(a.level), date=d.valid_until.isoformat()))
        self.query_one("#identity", Static).update("\n".join(lines))

    def _assets(self, d: ClientDetail) -> None:
        c, tiers = d.client, self.ws.policy.tiers
        why = t(
            "detail.tier_why",
            avg=money(c.avg_3m),
            as_of=c.assets_as_of.isoformat() if c.assets_as_of else "—",
            jiaoyin=money(tiers.jiaoyin),
            wode=money(tiers.wode),
            quick=money(tiers.quick_wealth),
        )
        gap = client_detail.assets_gap(c, d.tier, self.ws)
        lines = [why, t("detail.balance", amount=money(c.balance))]
        if d.forecast is not None:
            lines.append(forecast_line(d.forecast, d.tier))
        if gap is not None:
            target = label(Tier.WODE if d.tier is Tier.JIAOYIN else Tier.JIAOYIN)
            lines.append(t("detail.gap", gap=money(gap), tier=target))
        if not d.quick_wealth:
            lines.append(t("detail.gap", gap=money(tiers.quick_wealth - c.avg_3m), tier=t("tier.quick_wealth")))
        cooling = self._cooling_off()
        if cooling:
            lines.append(self._cooling_off_line(d, cooling))
        self.query_one("#tier", Static).update("\n".join(lines))
        self.query_one(BalanceChart).show(d.balances, c.assets_as_of)
        rows = [
            (
                product.name if product else "",
                label(product.category) if product else "",
                product.rating.code if product and product.rating else "",
                figure(money(holding.amount)),
                holding.start_date.isoformat(),
                holding.maturity_date.isoformat() if holding.maturity_date else "",
                t("detail.in_cooling_off") if row in cooling else label(holding.status),
            )
            for row, (holding, product) in enumerate(d.holdings)
        ]
        self._fill("#holdings", COLUMNS["holdings"], rows)

    def _timeline(self, d: ClientDetail) -> None:
        """The contacts, one a row (the note cut to the width), and under them the highlighted one in full: its
        note, the client's feedback and satisfaction; → or Enter opens the whole row. The calls made while the
        client was a prospect are among them by date, marked as such (who called, the outcome, the note)."""
        rows, details = [], []
        self.entries = timeline(d)
        for c in self.entries:
            if isinstance(c, ProspectContactLine):
                row = prospect_call_row(self.ws, c)
                rows.append(tuple(value for _, value in row))  # the note is the last, as the columns
                details.append(row)
                continue
            note = " / ".join(x for x in (c.note, c.feedback) if x)
            if c.satisfaction:
                note = f"★{c.satisfaction} {note}"
            when = self.ws.time.local(c.started_at).format("YYYY-MM-DD HH:mm")
            staff = d.staff_names.get(c.staff_id, "")
            rows.append((when, label(c.channel), label(c.disposition), staff, note))
            details.append(
                [
                    (t("detail.col.date"), when),
                    (t("detail.col.channel"), label(c.channel)),
                    (t("detail.col.outcome"), label(c.disposition)),
                    (t("detail.col.staff"), staff),
                    (t("row.note"), c.note),
                    (t("row.feedback"), c.feedback),
                    (t("row.satisfaction_field"), f"{c.satisfaction}/5" if c.satisfaction else ""),
                ]
            )
        self._fill("#timeline", COLUMNS["timeline"], rows, details)
        self._show_contact(self.query_one("#timeline", KeyTable).cursor_row)

    def _show_contact(self, index: int) -> None:
        """The highlighted contact, whole, in the pane under the list."""
        contacts = self.entries if self.detail is not None else []
        pane = self.query_one("#contact-text", Static)
        if 0 <= index < len(contacts):
            c = contacts[index]
            if isinstance(c, ProspectContactLine):
                pane.update(Text("  ".join(value for _, value in prospect_call_row(self.ws, c) if value)))
            else:
                pane.update(contact_text(c, self.ws.time.local))
        else:
            pane.update(t("card.no_contacts"))

    def on_data_table_row_highlighted(self, event: KeyTable.RowHighlighted) -> None:
        if event.data_table.id == "timeline":
            self._show_contact(event.cursor_row)

    def _tasks(self, d: ClientDetail) -> None:
        meetings = [
            (self.ws.time.local(m.starts_at).format("YYYY-MM-DD HH:mm"), label(m.status), m.purpose)
            for m in d.appointments
        ]
        self._fill("#meetings", COLUMNS["meetings"], meetings)
        rows, details = [], []
        for task in d.tasks:  # open ones first, by the day they are due
            note = said_note(task.note)  # a skip's reason in the user's words, never its code
            rows.append((task.due_on.isoformat(), label(task.kind), label(task.status), "", "", one_line(note)))
            details.append(self._task_fields(task, note))
        for closed in d.closed_tasks:  # then the closed ones, newest first
            task, note = closed.task, said_note(closed.task.note)
            by = d.staff_names.get(closed.closed_by, "") if closed.closed_by is not None else ""
            ended = self.ws.time.local(task.closed_at).format("YYYY-MM-DD") if task.closed_at else ""
            outcome = label(closed.outcome) if closed.outcome is not None else ""
            rows.append((ended, label(task.kind), label(task.status), outcome, by, one_line(note)))
            details.append(self._task_fields(task, note, by, outcome))
        self._fill("#todo", COLUMNS["todo"], rows, details)
        self.query_one("#todo-limit", Static).display = len(d.closed_tasks) >= client_detail.CLOSED_TASKS

    def _task_fields(self, task: Task, note: str, by: str = "", outcome: str = "") -> list[tuple[str, str]]:
        """A task as its row opens it: what and when, how it ended (when, by whom, the call's outcome) and its whole
        note, a skip's reason said in the user's words."""
        due = task.due_on.isoformat()
        if task.due_at is not None:
            due = self.ws.time.local(task.due_at).format("YYYY-MM-DD HH:mm")
        fields = [
            (t("detail.col.task"), label(task.kind)),
            (t("detail.col.due"), due),
            (t("detail.col.status"), label(task.status)),
        ]
        if task.closed_at is not None:
            fields.append((t("detail.task_closed_at"), self.ws.time.local(task.closed_at).format("YYYY-MM-DD HH:mm")))
            fields.append((t("detail.task_closed_by"), by))
            if outcome:
                fields.append((t("detail.col.outcome"), outcome))
        fields.append((t("row.note"), note))
        return fields

    def _offers(self, d: ClientDetail) -> None:
        lines = [t("detail.offers_title")]
        for offer in d.offers:
            notice = self.ws.policy.compliance.risk_notice
            what = offered(offer.product, notice) if offer.product else t(f"offer.service.{offer.service}")
            lines.append("· " + t("offer.line", reason=t(offer.reason_key, **offer.reason_params), offer=what))
        if not d.offers:
            lines.append(t("detail.no_offers"))
        self.query_one("#offers", Static).update("\n".join(lines))

    def _referrals(self, d: ClientDetail) -> None:
        rows = [
            (
                self.ws.time.local(r.created_at).format("YYYY-MM-DD"),
                label(r.kind),
                d.staff_names.get(r.from_staff_id, ""),
                d.staff_names.get(r.to_staff_id, ""),
                label(r.status),
                r.reason,
            )
            for r in d.referrals
        ]
        self._fill("#referral-list", COLUMNS["referral-list"], rows)

    def _fill(
        self,
        table_id: str,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        details: list[list[tuple[str, str]]] | None = None,
    ) -> None:
        table = self.query_one(table_id, KeyTable)
        table.show_rows(
            [t(f"detail.col.{n}") for n in columns], rows, details=details, title=t(f"detail.title.{table_id[1:]}")
        )
        table.can_focus = bool(rows)  # Tab skips an empty list (a tab's meetings): the next one's rows open with Enter

    # -- actions --------------------------------------------------------------------------------------------

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        current = TABS.index(tabs.active) if tabs.active in TABS else 0
        tabs.active = TABS[(current + step) % len(TABS)]

    def _tab_list(self) -> KeyTable | None:
        """The shown tab's first list with rows, where Enter on the tab bar goes."""
        pane = self.query_one(TabbedContent).active_pane
        return next((table for table in pane.query(KeyTable) if table.row_count), None) if pane else None

    def action_into_tab(self) -> None:
        table = self._tab_list()
        if table is not None:
            table.focus()

    def action_back(self) -> None:
        self.dismiss(None)

    def _full(self) -> ClientDetail | None:
        if self.detail is None:
            self.notify(t("error.access_denied"), severity="warning")
        return self.detail

    def action_release(self) -> None:
        if self.releasable is not None:
            self.app.push_screen(release_dialog(self.ws, self.releasable, self.client_name), self._released)

    def _released(self, saved: referrals.Released | None) -> None:
        if saved is not None:
            self.notify(released_said(saved))
            self.load()

    def _after(self, saved: object) -> None:
        if saved is not None:
            self.notify(self._saved_for(saved), timeout=2)
            self.load()

    def _followed_up(self, added: appointments.FollowUpAdded | None) -> None:
        """A follow-up saved; asked for a day off, the day it was put on said too, and why."""
        if added is None:
            return
        said = self._saved_for(added.task)
        if added.moved_from is not None:
            said = f"{said}\n{moved_said(added.moved_from, added.task.due_on)}"
        self.notify(said, timeout=2 if added.moved_from is None else 6)
        self.load()

    def _saved_for(self, saved: object) -> str:
        """Saved; a meeting or follow-up a colleague covering a leave made for the CSM away, named (theirs)."""
        d = self.detail
        if d is None or not isinstance(saved, Appointment | Task) or saved.staff_id == self.ws.staff.id:
            return t("call.saved")
        name = d.staff_names.get(saved.staff_id, "")
        return t("leave.booked_for" if isinstance(saved, Appointment) else "leave.follow_up_for", name=name)

    def action_reveal(self) -> None:
        if self._full() is None:
            return

        self.app.push_screen(reveal_dialog(self._reveal), self._revealed)

    def _reveal(self, reason: str, confirmed: PhrasesConfirmed | None) -> tuple[str, str]:
        """The full ID and mobile, for a reason: the service checks who may and audits the read."""
        return client_detail.reveal(self.ws, self.client_id, reason, confirmed)

    def _revealed(self, numbers: tuple[str, str] | None) -> None:
        if numbers is not None and self.detail is not None:
            self.revealed = numbers
            self._identity(self.detail)

    def action_copy(self) -> None:
        """The full mobile to the desk's clipboard: own clients only (the service decides, and audits)."""
        copy_client_mobile(self, self.ws, self.client_id)

    def action_edit(self) -> None:
        d = self._full()
        if d is None:
            return

        def save(changes: dict[str, Any], confirmed: PhrasesConfirmed | None) -> object:
            return client_detail.edit(self.ws, d.client, confirmed, **changes)

        revealed = self.revealed[1] if self.revealed is not None else None  # read on the page already (audited)
        self.app.push_screen(EditClientDialog(d.client, save, self._reveal, revealed), self._after)

    def action_aml_report(self) -> None:
        """File a suspicion report on this client, for the outlet's AML reviewer (nothing of it shows here)."""
        d = self._full()
        if d is not None:
            self.app.push_screen(AmlReportDialog(self.ws, self.client_id, d.client.name), self._aml_filed)

    def action_introduce(self) -> None:
        """Record someone this client introduced: a prospect of the client's own CSM (the service refuses others)."""
        d = self._full()
        if d is not None:
            self.app.push_screen(IntroductionDialog(self.ws, self.client_id, d.client.name), self._introduced)

    def _introduced(self, saved: object) -> None:
        if isinstance(saved, Prospect):
            self.notify(t("prospect.saved", name=saved.name), timeout=3)

    def _aml_filed(self, saved: object) -> None:
        if saved:
            self.notify(t("aml.filed"), timeout=3)

    def action_log(self) -> None:
        d = self._full()
        if d is not None:
            self.app.push_screen(LogContactDialog(self.ws, self.client_id, d.client.name), self._after)

    def action_book(self) -> None:
        if self._full() is None:
            return

        client_id = self.client_id

        def save(at: dt.datetime, note: str, confirmed: PhrasesConfirmed | None, override: bool) -> Appointment:
            return appointments.book(self.ws, client_id, at, purpose=note, confirmed=confirmed, override=override)

        def ask(slot: arrow.Arrow) -> None:  # the next free slot in opening hours, clear of both agendas
            dialog = MeetingDialog(t("detail.book_title"), slot, save, note=t("detail.book_purpose"))
            self.app.push_screen(dialog, self._after)

        in_background(self, lambda: appointments.suggested_slot(self.ws, client_id), ask, group="slot", load=True)

    def action_follow_up(self) -> None:
        if self._full() is None:
            return

        def save(at: dt.datetime, note: str, confirmed: PhrasesConfirmed | None) -> appointments.FollowUpAdded:
            day = self.ws.time.local(at).date()
            return appointments.add_follow_up(self.ws, self.client_id, day, note, confirmed)

        dialog = WhenDialog(t("detail.follow_up_title"), next_working_morning(self.ws), save, with_time=False)
        self.app.push_screen(dialog, self._followed_up)

    def _meeting(self) -> Appointment | None:
        d = self._full()
        if d is None:
            return None
        table = self.query_one("#meetings", KeyTable)
        self.query_one(TabbedContent).active = "tasks"
        if not d.appointments or not 0 <= table.cursor_row < len(d.appointments):
            self.notify(t("detail.no_meeting"), severity="warning")
            return None
        return d.appointments[table.cursor_row]

    def action_move(self) -> None:
        meeting = self._meeting()
        if meeting is None or meeting.id is None:
            return
        meeting_id = meeting.id

        def save(at: dt.datetime, note: str, confirmed: PhrasesConfirmed | None, override: bool) -> Appointment:
            return appointments.move(self.ws, meeting_id, at, override=override)

        suggested = self.ws.time.local(meeting.starts_at)
        self.app.push_screen(MeetingDialog(t("detail.move_title"), suggested, save), self._after)

    def action_meeting(self, status: str) -> None:
        meeting = self._meeting()
        if meeting is not None and meeting.id is not None:
            self.change_meeting(meeting.id, AppointmentStatus(status))

    def change_meeting(self, meeting_id: int, status: AppointmentStatus) -> None:
        in_background(
            self,
            lambda: appointments.set_status(self.ws, meeting_id, status),
            lambda _: self._after(True),
            group="save",
        )

    def action_sell(self) -> None:
        if self._full() is not None:
            self.app.push_screen(SuitabilityWizard(self.ws, self.client_id), lambda _: self.load())  # the sale shown

    def action_cancel_sale(self) -> None:
        """Cancel in full, in the cooling-off period, the sale of the holding under the cursor in the assets tab."""
        d = self._full()
        if d is None:
            return
        table, tabs = self.query_one("#holdings", KeyTable), self.query_one(TabbedContent)
        chosen = tabs.active == "assets"  # the cursor was in sight: a purchase under it was chosen
        tabs.active = "assets"
        rows = list(self._cooling_off())
        row = table.cursor_row
        if row not in rows or not chosen:  # the one purchase that may be cancelled is taken; of several, one is chosen
            if len(rows) != 1:
                if rows and row not in rows:
                    table.move_cursor(row=rows[0])
                self.notify(t("detail.no_sale"), severity="warning")
                return
            row = rows[0]
            table.move_cursor(row=row)
        sale_id = d.holdings[row][0].sale_id
        if sale_id is None:
            return
        in_background(  # refused at once when the sale cannot be cancelled; named in the dialog when it can
            self, lambda: attempts.cancellable(self.ws, sale_id), self._ask_cancel, group="save"
        )

    def _cooling_off_line(self, d: ClientDetail, cooling: dict[int, dt.datetime]) -> str:
        """What the client may still cancel in full: the purchase and until when; of several, how many and the first
        end (the table marks each)."""
        until = self.ws.time.local(min(cooling.values())).format("MM-DD HH:mm")
        if len(cooling) > 1:
            return t("detail.cooling_off_several", count=len(cooling), until=until)
        holding, product = d.holdings[next(iter(cooling))]
        name = product.name if product else ""
        return t("detail.cooling_off_line", product=name, amount=money(holding.amount), until=until)

    def _cooling_off(self) -> dict[int, dt.datetime]:
        """The rows of the holdings the client could cancel in full when the page was read (held, their sale in its
        cooling-off period; one that has ended since is refused in words by ``attempts.cancellable``): until when."""
        d = self.detail
        if d is None:
            return {}
        return {
            row: d.cooling_off[h.sale_id]
            for row, (h, _) in enumerate(d.holdings)
            if h.status is HoldingStatus.ACTIVE and h.sale_id is not None and h.sale_id in d.cooling_off
        }

    def _ask_cancel(self, sale: attempts.CancellableSale) -> None:
        def save(reason: str, confirmed: PhrasesConfirmed | None) -> object:
            return attempts.cancel_in_cooling_off(self.ws, sale.sale_id, reason, confirmed)

        sold = self.ws.time.local(sale.sold_at).format("YYYY-MM-DD HH:mm")
        until = self.ws.time.local(sale.cooling_off_until).format("MM-DD HH:mm")
        named = t("detail.cancel_sale_named", product=sale.product, amount=money(sale.amount), sold=sold, until=until)
        explain = f"{named}\n{t('detail.cancel_explain')}"
        dialog = CheckedTextDialog(t("detail.cancel_title"), explain, t("detail.cancel_reason"), save)
        self.app.push_screen(dialog, self._after)

    def action_capacity(self) -> None:
        """A supervisor or admin records a change of the client's civil capacity, with a reason (audited)."""
        d = self._full()
        if d is None:
            return
        capable = not d.client.civil_capacity
        client_id = self.client_id

        def save(reason: str, confirmed: PhrasesConfirmed | None) -> object:
            return client_detail.set_civil_capacity(self.ws, client_id, capable, reason, confirmed)

        title = t("detail.capacity_title", value=t("detail.yes") if capable else t("detail.no"))
        dialog = CheckedTextDialog(title, t("detail.capacity_explain"), t("detail.capacity_reason"), save)
        self.app.push_screen(dialog, self._after)

    def action_link_family(self) -> None:
        """Link a family member by client number (another CSM's client too, shown masked); audited."""
        if self._full() is None:
            return
        client_id = self.client_id

        def save(text: str) -> object:
            households.link_by_number(self.ws, client_id, text)
            return True

        dialog = TextDialog(t("detail.link_title"), t("detail.link_explain"), t("detail.link_placeholder"), save)
        self.app.push_screen(dialog, self._after)

    def action_birthday_kind(self) -> None:
        """Greet the client on the lunar birthday, or back on the solar one."""
        d = self._full()
        if d is not None and d.birthday is not None:
            self.toggle_birthday(not d.birthday.lunar)

    def toggle_birthday(self, lunar: bool) -> None:
        def saved(_: object) -> None:
            kind = t("card.lunar") if lunar else t("card.solar")
            self.notify(t("detail.birthday_now", kind=kind), timeout=2)
            self.load()

        in_background(
            self, lambda: households.set_birthday_lunar(self.ws, self.client_id, lunar), saved, group="birthday"
        )

    def action_refer(self) -> None:
        if self._full() is not None:
            self.pick_wealth_manager()

    def pick_wealth_manager(self) -> None:
        in_background(
            self, lambda: referrals.wealth_managers(self.ws), self._choose_wealth_manager, group="load-staff", load=True
        )

    def _choose_wealth_manager(self, managers: list[Staff]) -> None:
        def save(person: Staff, note: str, confirmed: PhrasesConfirmed | None) -> str:
            referrals.refer_to_wode(self.ws, self.client_id, person.id, note, confirmed)
            return person.name

        self.app.push_screen(ChooseStaffDialog(t("detail.refer_title"), managers, save), self._referred)

    def _referred(self, name: str | None) -> None:
        """Referred: to whom, said; the call is in their queue."""
        if name is not None:
            self.notify(t("detail.referred", name=name))
            self.load()
