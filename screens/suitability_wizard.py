"""The suitability wizard: identify the client → assessment status → questionnaire when needed → product and amount →
4S check → disclosures and confirmations → summary → record the sale (or the refusal) → printable report.

Each step is keyboard-only; Escape leaves without saving anything not yet saved. Nothing is sold until the summary
is confirmed with its own key (``s``). A sale the rules forbid cannot be recorded: the service decides again when
recording, from the database as it stands.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, ContentSwitcher, Header, Input, Static

from csm_tui.config import data_dir
from csm_tui.domain.enums import ProductCategory, SuitabilityOutcome
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Product, RiskAssessment
from csm_tui.domain.roles import offered
from csm_tui.domain.values import money, parse_money
from csm_tui.i18n import label, listed, t, wan
from csm_tui.rules import suitability as rules
from csm_tui.services.clients.finding import find_clients
from csm_tui.services.rows import ClientListRow
from csm_tui.services.selling import attempts
from csm_tui.services.workstation import Workstation
from screens.background import Failure, in_background, log_failure
from widgets import signature_page
from widgets.cells import figure, short_path
from widgets.failures import describe
from widgets.key_bar import KeyBar
from widgets.product_words import NONE, kind_cell, yield_cell
from widgets.said_checkbox import SaidCheckbox
from widgets.suitability_checks import check_reason, check_title
from widgets.table import KeyTable
from widgets.text_fields import AMOUNT_MAX, SEARCH_MAX, BoundedInput

log = logging.getLogger(__name__)
DONE_MARGIN = 4  # cells of the done step's padding and scroll bar, beside its text
STEPS = ("identify", "status", "questions", "product", "check", "confirm", "summary", "done")
ANSWER_KEYS = "abcde"
CONFIRMATIONS = (
    "disclosure_shown", "documents_read", "sentence_copied", "qualified_investor", "insisted_warning", "elderly_warning"
)  # fmt: skip
RECHECK = ("assessment_changed", "check_changed")  # the data changed under the wizard: start from the status again
SHOWN_WHEN = {
    "qualified_investor": "qualified_investor",
    "insisted_warning": "insisted",
    "elderly_warning": "extra_care",
}


class SuitabilityWizard(Screen[None]):
    ENTER_HELP = "enter.wizard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "key.leave_wizard", id="wizard.leave"),
        Binding("y", "yes", "wizard.key.yes", id="wizard.yes"),
        Binding("q", "questions", "wizard.key.assess", id="wizard.assess"),
        Binding("r", "refuse", "wizard.key.refuse", id="wizard.refuse"),
        Binding("r", "write_report", "wizard.key.write_report", id="wizard.write_report"),
        Binding("s", "sell", "wizard.key.sell", id="wizard.sell"),
        Binding("backspace", "back", "wizard.key.back", id="wizard.back"),
        *(Binding(k, f"answer('{k.upper()}')", "wizard.key.answer", show=False, id=f"wizard.{k}") for k in ANSWER_KEYS),
        Binding("f", "face_to_face", "wizard.key.face", show=False, id="wizard.face"),
    ]
    DEFAULT_CSS = """
    SuitabilityWizard #step { padding: 0 1; text-style: bold; color: $accent; }
    SuitabilityWizard .para { padding: 0 1; }
    SuitabilityWizard ContentSwitcher { height: 1fr; }
    SuitabilityWizard .fail { color: $error; }
    """

    def __init__(self, ws: Workstation, client_id: int | None = None, *, product_id: int | None = None) -> None:
        super().__init__()
        self.ws = ws
        self.start_client = client_id
        self.start_product = product_id  # preselected in the product step (the one pitched on the call)
        self.ctx: attempts.SaleContext | None = None
        self.answers: dict[str, str] = {}
        self.face_to_face = False
        self.assessment: RiskAssessment | None = None
        self.product: Product | None = None
        self.amount = Decimal(0)
        self.regular_plan = False
        self.still_holds = False  # the client confirmed the reused assessment still holds
        self.verdict: rules.Verdict | None = None
        self.recorded: attempts.Recorded | None = None  # saved: the report may be written again, never the sale
        self.saving = False  # a record is being written: no second one
        self.report_failed = False  # the record is saved but its report could not be written
        self.report_path: str | None = None  # the report's full path (shown shortened, told in full once)
        self.candidates: list[ClientListRow] = []
        self.search_text = ""
        self.sells = offered(ws.staff.role, "new_sale")  # client managers and 沃德 client managers only

    # -- layout --------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="step")
        with ContentSwitcher(initial="identify"):
            with Vertical(id="identify"):
                yield BoundedInput(placeholder=t("wizard.identify_hint"), max_length=SEARCH_MAX, id="who")
                yield KeyTable(id="found")
            with VerticalScroll(id="status"):
                yield Static("", id="status-text", classes="para")
            with VerticalScroll(id="questions"):
                yield Static("", id="question", classes="para")
            with Vertical(id="product"):
                yield KeyTable(id="products")
                yield BoundedInput(placeholder=t("wizard.amount"), max_length=AMOUNT_MAX, id="amount")
                yield SaidCheckbox(t("regular_plan.checkbox"), t("regular_plan.one_off"), id="regular_plan")
            with VerticalScroll(id="check"):
                yield Static("", id="checks", classes="para")
            with VerticalScroll(id="confirm"):
                yield Static("", id="warnings", classes="para")
                for name in CONFIRMATIONS:
                    yield SaidCheckbox(t(f"report.confirm.{name}"), t(f"report.unconfirmed.{name}"), id=name)
                yield BoundedInput(placeholder=t("report.confirm.recording_ref"), max_length=64, id="recording_ref")
            with VerticalScroll(id="summary"):
                yield Static("", id="summary-text", classes="para")
            with VerticalScroll(id="done"):
                yield Static("", id="done-text", classes="para")
        yield Static("", id="wizard-error", classes="para fail")
        yield KeyBar()

    def on_mount(self) -> None:
        if not self.sells:  # told at once, not walked through steps whose sale the services would refuse
            self.query_one(ContentSwitcher).display = False
            self.query_one("#step", Static).update(t("nav.suitability"))
            self.error(t("wizard.not_seller"))
        elif self.start_client is not None:
            self.load_client(self.start_client)
        else:
            self.go("identify")

    def go(self, step: str) -> None:
        self.query_one(ContentSwitcher).current = step
        self.query_one("#step", Static).update(
            f"{t('nav.suitability')} · {STEPS.index(step) + 1}/{len(STEPS)} {t(f'wizard.step.{step}')}"
        )
        self.error("")
        focus = {"identify": "#who", "product": "#products", "confirm": "#disclosure_shown"}.get(step)
        self.set_focus(self.query_one(focus) if focus else None)  # letter keys answer, not type into a hidden field
        self.refresh_bindings()

    def error(self, message: str) -> None:
        self.query_one("#wizard-error", Static).update(message)

    @property
    def step(self) -> str:
        return self.query_one(ContentSwitcher).current or "identify"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Each step's keys are live only on that step, so the footer shows what can be done now."""
        allowed = {
            "yes": ("status", "questions", "check", "confirm"),
            "questions": ("status",),
            "refuse": ("check", "confirm", "summary"),
            "sell": ("summary",),
            "back": ("questions", "product", "check", "confirm", "summary"),
            "answer": ("questions",),
            "face_to_face": ("questions",),
        }
        if not self.sells:
            return action == "leave"
        if action == "write_report":
            return self.step == "done" and self.recorded is not None and self.report_failed
        return self.step in allowed[action] if action in allowed else True

    # -- 1. identify ---------------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "who":
            self.search_text = event.value
            self.search(event.value)

    def search(self, text: str) -> None:
        def own() -> list[ClientListRow]:
            return [r for r in find_clients(self.ws, text) if r.own] if text.strip() else []

        in_background(self, own, lambda rows: self._found(text, rows), group="search", failed=self._failed, load=True)

    def _failed(self, failure: Failure) -> None:
        self.error(failure.message)

    def _found(self, text: str, rows: list[ClientListRow]) -> None:
        if text != self.search_text:
            return
        self.candidates = rows
        headers = [t("clients.number"), t("clients.name"), t("clients.id")]
        found = [(r.number, r.name, r.masked_id) for r in rows]
        self.query_one("#found", KeyTable).show_rows(headers, found, keys=[str(r.id) for r in rows])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "who":
            self.query_one("#found", KeyTable).focus()
        elif event.input.id == "amount":
            self.run_check()
        elif event.input.id == "recording_ref":
            self.action_yes()

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        if event.data_table.id == "found" and event.row_key.value is not None:
            self.load_client(int(event.row_key.value))
        elif event.data_table.id == "products":
            self.query_one("#amount", Input).focus()

    def load_client(self, client_id: int, message: str = "") -> None:
        in_background(
            self,
            lambda: attempts.context(self.ws, client_id),
            lambda ctx: self._loaded(ctx, message),
            group="load",
            failed=self._failed,
            load=True,
        )

    def _loaded(self, ctx: attempts.SaleContext, message: str = "") -> None:
        self.ctx = ctx
        self.assessment = ctx.status.latest if ctx.status.valid else None
        self.still_holds = False
        self.show_status()
        self.error(message)

    # -- 2. assessment status ------------------------------------------------------------------------------

    def show_status(self) -> None:
        assert self.ctx is not None
        c, s = self.ctx.client, self.ctx.status
        age = t("card.age", age=c.age_on(self.ws.time.today()))
        lines = [f"{c.name} · {c.number} · {c.resident_id.masked()} · {age}"]
        if s.latest is None or s.valid_until is None:
            lines.append(t("card.no_assessment"))
        else:  # the end by the policy's validity, as the 4S check reads it
            key = "card.assessment" if s.valid else "card.assessment_expired"
            lines.append(t(key, level=label(s.latest.level), date=s.valid_until.isoformat()))
        if s.reusable:
            lines.append(t("wizard.reuse_question"))
        elif s.valid:
            lines.append(t("wizard.reuse_window_passed"))
        if s.can_assess:
            lines.append(t("wizard.assess_hint"))
        else:
            lines.append(t(f"error.{s.refusal}") if s.refusal else "")
        self.query_one("#status-text", Static).update("\n".join(lines))
        self.go("status")

    def action_questions(self) -> None:
        assert self.ctx is not None
        if not self.ctx.status.can_assess:
            self.error(t(f"error.{self.ctx.status.refusal}"))
            return
        self.answers = {}
        self.face_to_face = self.ctx.status.first
        self.show_question()
        self.go("questions")

    # -- 3. questionnaire ----------------------------------------------------------------------------------

    def _codes(self) -> list[str]:
        return rules.question_codes(self.ws.policy)

    def show_question(self) -> None:
        codes = self._codes()
        pending = [c for c in codes if c not in self.answers]
        if not pending:
            self.show_result()
            return
        code = pending[0]
        lines = [f"{codes.index(code) + 1}/{len(codes)}  {t(rules.question_key(code))}"]
        letters = rules.answer_letters(code, self.ws.policy)
        lines += [f"  {letter.lower()}  {t(rules.answer_key(code, letter))}" for letter in letters]
        self.query_one("#question", Static).update("\n".join(lines))

    def action_answer(self, letter: str) -> None:
        codes = [c for c in self._codes() if c not in self.answers]
        if codes and letter in rules.answer_letters(codes[0], self.ws.policy):
            self.answers[codes[0]] = letter
            self.show_question()

    def action_back(self) -> None:
        """One step back: the previous question, or the previous step (nothing saved is undone)."""
        step = self.step
        answered = [c for c in self._codes() if c in self.answers]
        if step == "questions" and answered:
            del self.answers[answered[-1]]
            self.show_question()
        elif step in ("questions", "product"):
            self.show_status()
        elif step == "check":
            self.go("product")
        elif step == "confirm":
            self.show_checks()
        elif step == "summary":
            self.go("confirm")

    def action_face_to_face(self) -> None:
        self.face_to_face = not self.face_to_face
        self.show_result()

    def show_result(self) -> None:
        assert self.ctx is not None
        try:
            scored = rules.score(self.answers, self.ws.policy)
        except DomainError as exc:
            self.error(describe(exc))
            return
        lines = [t("wizard.result", score=scored.score, level=label(scored.level))]
        if scored.lowest_category:
            lines.append(t("wizard.lowest_category"))
        if rules.differs(self.ctx.status.latest, scored.level):
            lines.append(t("wizard.differs", before=label(self.ctx.status.latest.level)))  # type: ignore[union-attr]
        lines.append(t("wizard.face", mark="✓" if self.face_to_face else "✗"))
        lines.append(t("wizard.save_assessment"))
        self.query_one("#question", Static).update("\n".join(lines))

    def _answered(self) -> bool:
        return all(c in self.answers for c in self._codes())

    # -- y: the step's "yes" ---------------------------------------------------------------------------------

    def action_yes(self) -> None:
        step = self.step
        if step == "status":
            assert self.ctx is not None
            if not self.ctx.status.reusable:
                self.error(t("wizard.reuse_not_possible"))
                return
            self.still_holds = True  # the client confirmed the assessment still holds
            self.show_products()
        elif step == "questions" and self._answered():
            self.save_assessment()
        elif step == "check":
            if self.verdict is not None and self.verdict.allowed:
                self.show_confirmations()
        elif step == "confirm":
            self.show_summary()

    def save_assessment(self) -> None:
        assert self.ctx is not None
        client_id, answers, face_to_face = self.ctx.client.id, dict(self.answers), self.face_to_face
        in_background(
            self,
            lambda: attempts.assess(self.ws, client_id, answers, face_to_face=face_to_face),
            self._assessed,
            group="save",
            failed=self._failed,
        )

    def _assessed(self, saved: RiskAssessment) -> None:
        self.assessment = saved
        self.still_holds = False  # taken now: nothing to confirm about it
        self.notify(t("call.saved"), timeout=2)
        self.show_products()

    # -- 4. product and amount -----------------------------------------------------------------------------

    def show_products(self) -> None:
        assert self.ctx is not None
        headers = [t(f"wizard.col.{c}") for c in ("code", "name", "category", "rating", "term", "yield", "minimum")]
        rows = [
            (
                p.code, p.name, kind_cell(p.category, p.asset_type), p.rating.code if p.rating else NONE,
                figure(str(p.term_days)) if p.term_days else NONE, yield_cell(p.expected_yield),
                figure(wan(rules.minimum_amount(p, self.ws.policy))),
            )
            for p in self.ctx.products
        ]  # fmt: skip
        table = self.query_one("#products", KeyTable)
        table.show_rows(headers, rows)
        pitched = [i for i, p in enumerate(self.ctx.products) if p.id == self.start_product]
        if pitched:
            table.move_cursor(row=pitched[0])
        self.go("product")

    def run_check(self) -> None:
        assert self.ctx is not None
        table = self.query_one("#products", KeyTable)
        if not self.ctx.products or not 0 <= table.cursor_row < len(self.ctx.products):
            self.error(t("wizard.choose_product"))
            return
        try:
            amount = parse_money(self.query_one("#amount", Input).value)
        except Exception as exc:  # a pydantic custom error: the amount as typed is kept
            self.error(t(getattr(exc, "type", "value.money_format")))
            return
        if amount <= 0:
            self.error(t("value.money_format"))
            return
        regular = self.query_one("#regular_plan", Checkbox).value
        if regular and self.ctx.products[table.cursor_row].category is not ProductCategory.FUND:
            self.error(t("error.regular_plan_fund_only"))
            return
        self.product, self.amount, self.regular_plan = self.ctx.products[table.cursor_row], amount, regular
        now = self.ws.time.now().datetime
        self.verdict = attempts.check(self.ctx, self.assessment, self.product, amount, now, self.ws.policy)
        self.show_checks()

    # -- 5. 4S check ---------------------------------------------------------------------------------------

    def show_checks(self) -> None:
        v = self.verdict
        assert v is not None
        colon = t("row.colon")  # ":" in Chinese, ": " in English
        lines = [f"{'✓' if c.passed else '✗'} {check_title(c)}{colon}{check_reason(c)}" for c in v.checks]
        if v.allowed:
            lines.append(t("wizard.insisted_path") if v.insisted else t("wizard.allowed"))
        else:
            lines.append(t("wizard.blocked"))
        self.query_one("#checks", Static).update("\n".join(lines))
        self.go("check")

    def action_refuse(self) -> None:
        """Record the attempt as blocked (the rules said no) or refused (the client said no)."""
        if self.verdict is None:
            return
        outcome = SuitabilityOutcome.REFUSED if self.verdict.allowed else SuitabilityOutcome.BLOCKED
        self.finish(outcome)

    # -- 6. disclosures and confirmations ------------------------------------------------------------------

    def show_confirmations(self) -> None:
        v = self.verdict
        assert v is not None and self.product is not None
        warnings = [t("wizard.disclosure", product=self.product.name)]
        if v.insisted:
            warnings.append(t("wizard.insisted_warning"))
        if v.extra_care:
            age = next(c.params.get("age", "") for c in v.checks if c.code == "elderly")
            warnings.append(t("wizard.elderly_warning", age=age))
        if v.review:
            warnings.append(t("wizard.elderly_review"))
        if v.dual_recording:
            warnings.append(t("wizard.recording_required"))
        if v.cooling_off_hours:
            warnings.append(t("wizard.cooling_off", hours=v.cooling_off_hours))
        self.query_one("#warnings", Static).update("\n".join(warnings))
        for name, flag in SHOWN_WHEN.items():
            self.query_one(f"#{name}", Checkbox).display = getattr(v, flag)
        self.query_one("#recording_ref", Input).display = v.dual_recording
        self.go("confirm")

    def confirmations(self) -> attempts.Confirmations:
        ticked: dict[str, Any] = {name: self.query_one(f"#{name}", Checkbox).value for name in CONFIRMATIONS}
        ref = self.query_one("#recording_ref", Input).value
        return attempts.Confirmations(recording_ref=ref, still_holds=self.still_holds, **ticked)

    # -- 7. summary ----------------------------------------------------------------------------------------

    def show_summary(self) -> None:
        """Everything the sale rests on, once more; only ``s`` records it (Enter does not)."""
        v, product, ctx = self.verdict, self.product, self.ctx
        assert v is not None and product is not None and ctx is not None
        confirmed = self.confirmations()
        missing = confirmed.missing(v)
        if missing:
            self.error(describe(attempts.ConfirmationsMissing(missing)))
            return
        ref = confirmed.recording_ref.strip()
        if ref and not attempts.recording_ref_valid(ref, self.ws.policy):
            self.error(t("error.recording_ref_format"))
            return
        c = ctx.client
        level = label(self.assessment.level) if self.assessment else "—"
        rating = label(product.rating) if product.rating else "—"
        warnings = [t(f"wizard.summary.{flag}") for flag in ("insisted", "extra_care", "review") if getattr(v, flag)]
        if v.cooling_off_hours:
            warnings.append(t("wizard.cooling_off", hours=v.cooling_off_hours))
        lines = [
            t("wizard.summary.client", name=c.name, number=c.number, age=c.age_on(self.ws.time.today())),
            t("wizard.summary.product", name=product.name, code=product.code, category=label(product.category)),
            t("wizard.summary.amount", amount=money(self.amount)),
            t("wizard.summary.match", level=level, rating=rating),
            t(
                "wizard.summary.warnings",
                warnings=listed(warnings) if warnings else t("wizard.summary.none"),
            ),
            t("wizard.summary.recording", ref=ref or t("wizard.summary.not_needed")),
            "",
            t("wizard.summary.press"),
        ]
        self.query_one("#summary-text", Static).update("\n".join(lines))
        self.go("summary")

    def action_sell(self) -> None:
        self.finish(SuitabilityOutcome.SOLD)

    # -- 8. record ----------------------------------------------------------------------------------------

    def finish(self, outcome: SuitabilityOutcome) -> None:
        if self.ctx is None or self.product is None or self.verdict is None or self.recorded or self.saving:
            return
        attempt = attempts.Attempt(
            self.ctx, self.assessment, self.product, self.amount, self.verdict, self.confirmations(), self.regular_plan
        )
        self.saving = True

        def record() -> tuple[attempts.Recorded, str | None]:
            recorded = attempts.record(self.ws, attempt, outcome)
            return recorded, self._report(recorded)  # in the same worker: the done step shows both

        in_background(self, record, self._saved, group="save", failed=lambda failure: self._not_saved(attempt, failure))

    def _not_saved(self, attempt: attempts.Attempt, failure: Failure) -> None:
        self.saving = False
        exc = failure.error
        if isinstance(exc, DomainError) and exc.code in RECHECK and attempt.ctx.client.id is not None:
            self.load_client(attempt.ctx.client.id, failure.message)  # from the client's status again
        else:
            self.error(failure.message)

    def _saved(self, saved: tuple[attempts.Recorded, str | None]) -> None:
        recorded, path = saved
        self.recorded = recorded  # from now on only the report can be written (again), never the sale
        self.saving = False
        self._done(recorded, path)

    def _report(self, recorded: attempts.Recorded) -> str | None:
        """In the worker: the printable report of a record already saved, or None when it could not be written (the
        record stays saved, the done step says the report failed and ``r`` tries again)."""
        outlet = self.ctx.outlet.name if self.ctx and self.ctx.outlet else ""
        try:
            return str(signature_page.save(recorded.record, outlet, self.ws.policy.calendar.tz, data_dir() / "reports"))
        except Exception as exc:
            log_failure("SuitabilityWizard.report", exc)
            return None

    def action_write_report(self) -> None:
        recorded = self.recorded
        if recorded is not None:
            in_background(self, lambda: self._report(recorded), lambda path: self._done(recorded, path), group="save")

    def _done(self, recorded: attempts.Recorded, path: str | None) -> None:
        """The record's number and outcome, and where its printable page is: on one line, the home folder as ``~``
        and the middle of a long path dropped; the full path in a notice and the log."""
        self.report_failed = path is None
        self.report_path = path
        if path is not None:
            room = self.app.size.width - DONE_MARGIN - cell_len(t("wizard.report", path=""))
            report = t("wizard.report", path=short_path(path, room))
            self.notify(t("wizard.report_full", path=path), timeout=20)
            log.info("suitability record %s: printable page %s", recorded.record.id, path)
        else:
            report = t("wizard.report_failed")
        lines = [t("wizard.recorded", id=recorded.record.id, outcome=label(recorded.record.outcome)), report]
        self.query_one("#done-text", Static).update("\n".join(lines))
        self.go("done")

    def action_leave(self) -> None:
        self.dismiss(None)
