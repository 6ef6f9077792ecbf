"""The call script: greeting, why this call, the questions that fit it, the benefit in figures (on sales calls
only), and the close. What the script holds is decided by ``csm_tui.rules.scripts``; this draws it, each line
wrapped where a reader expects it (``widgets.line_breaks``)."""

from __future__ import annotations

from rich.console import Group
from textual.widgets import Static

from csm_tui.clock import BranchTime
from csm_tui.domain.enums import QueueReason, Role
from csm_tui.domain.models import Staff
from csm_tui.domain.values import Sex, money
from csm_tui.i18n import label, t
from csm_tui.policy import RiskNotice
from csm_tui.rules.scripts import Questions, plan
from csm_tui.services.calls.preparation import CallCard
from widgets.cells import said_when
from widgets.line_breaks import Wrapped
from widgets.product_words import offered


class ScriptPanel(Static):
    DEFAULT_CSS = """
    ScriptPanel { height: auto; padding: 0 1; border: round $secondary-darken-2; }
    """

    def show_script(
        self, card: CallCard, staff: Staff, reason: QueueReason, notice: RiskNotice, time: BranchTime | None = None
    ) -> None:
        lines = script(card, staff.name, reason, notice, time, role=staff.role)
        self.update(Group(*(Wrapped(line) for line in lines)))


def script(
    card: CallCard,
    staff_name: str,
    reason: QueueReason,
    notice: RiskNotice,
    time: BranchTime | None = None,
    *,
    role: Role = Role.CSM,
) -> list[str]:
    """The lines of the call, the caller introduced by name and by the title of their ``role`` (a 沃德 client
    manager as one); the benefit names its product with the product's risk words (``risk_words``); ``time``: the
    branch's clock, when the call is made (a callback made late says when it was agreed)."""
    honorific = t("script.mr") if card.sex is Sex.MALE else t("script.ms")
    title = "wealth_manager" if role is Role.WEALTH_MANAGER else "csm"  # a supervisor covering calls as a CSM
    why = card.why
    agreed = why.agreed_at if why is not None else None
    now = time.now().datetime if time is not None else None
    shape = plan(reason, why.cause if why is not None else None, agreed, now)
    when = said_when(time.local(agreed), time.today()) if time is not None and agreed is not None else ""
    lines = [
        t("script.greeting", staff=staff_name, title=t(f"script.title.{title}"), client=card.name, honorific=honorific),
        t(f"script.purpose.{shape.purpose}", time=when),
    ]
    if reason is QueueReason.SERVICE_CALLBACK and why is not None and why.purchase is not None:
        p = why.purchase
        lines.append(t("script.purchase", product=p.product, amount=money(p.amount)))
    f = card.forecast
    if reason is QueueReason.TIER_AT_RISK and f is not None:
        figures = {"as_of": f.as_of.isoformat(), "date": f.falls_on.isoformat(), "threshold": money(f.threshold)}
        if f.top_up:
            lines.append(
                t("script.tier_forecast", amount=money(f.top_up), through=f.through.isoformat(), tier=label(card.tier),
                  **figures)
            )  # fmt: skip
        else:
            lines.append(t("script.tier_fell", **figures))
    if shape.questions is not Questions.NONE:
        lines.append(t(f"script.questions.{shape.questions}"))
    s = card.suggestion if shape.pitch else None
    if s is not None and s.product.expected_yield is not None and s.deposit.expected_yield is not None:
        lines.append(
            t(
                "script.benefit",
                product=offered(s.product, notice),
                rate=s.product.expected_yield,
                deposit=s.deposit.expected_yield,
                multiple=s.multiple,
                amount=money(s.amount),
                monthly=money(s.monthly),
            )
        )
    lines.append(t("script.close") if shape.pitch else t("script.close_service"))
    return lines
