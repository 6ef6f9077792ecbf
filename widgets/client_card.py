"""The client on one card: who, how much, why the call, what matures, the assessment, the last contacts.

Facts take a line each, wrapped rather than cut when longer than the card (at 80 columns, in English); why the
client is in the queue and the last contacts' notes and feedback are shown whole (wrapped), since they are what the
manager reads before dialling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import arrow
from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from csm_tui.domain.enums import QueueReason
from csm_tui.domain.models import ContactRecord
from csm_tui.domain.values import money
from csm_tui.i18n import itemised, label, t
from csm_tui.rules.scripts import CallbackCause, called_late
from csm_tui.services.calls.preparation import CallCard
from csm_tui.services.rows import Candidate
from csm_tui.services.task_notes import said_note
from widgets.cells import reason_detail
from widgets.line_breaks import Wrapped
from widgets.risk_lines import birthday_line, birthday_soon, forecast_line, household_line, id_badge

Local = Callable[[dt.datetime], arrow.Arrow]


def _line(*parts: tuple[str, str]) -> Text:
    """One fact, wrapped under itself when longer than the card: the session has no pane to open a cut one in."""
    text = Text()
    for chunk, style in parts:
        text.append(chunk, style)
    return text


class ClientCard(Static):
    DEFAULT_CSS = """
    ClientCard { height: auto; padding: 0 1; border: round $primary-darken-2; }
    """

    def show_card(
        self,
        card: CallCard,
        today: dt.date,
        why: Candidate | None = None,
        local: Local | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        self.update(Group(*(Wrapped(line) for line in render_card(card, today, why, local, now))))


def render_card(
    card: CallCard,
    today: dt.date,
    why: Candidate | None = None,
    local: Local | None = None,
    now: dt.datetime | None = None,
) -> list[Text]:
    """The card's lines; ``why``: the queue's reason for the call, ``local``: the branch's clock, to show times,
    ``now``: when the call is made (a callback made after the time the client named says so)."""
    local = local or arrow.get
    lines = [
        _line(
            (card.name, "bold"),
            (f"  {label(card.sex)} {t('card.age', age=card.age)}", ""),
            (f"  {card.masked_id}", "dim"),
            (f"  ☎ {card.mobile or t('card.no_mobile')}", "bold"),
            (f"  {label(card.tier)}", "italic"),
            (f" · {t('tier.quick_wealth')}" if card.quick_wealth else "", "italic"),
        ),
        *([_line((t("referrals.pending"), "bold yellow"))] if card.referral_pending else []),  # whole, on its own
        _line(
            (t("card.avg_3m", amount=money(card.avg_3m), as_of=card.as_of.isoformat() if card.as_of else "—"), ""),
            ("  ", ""),
            _assessment(card),
        ),
    ]
    if why is not None:
        lines += why_lines(card, why, local, now)
    maturing = itemised(f"{m.product} {money(m.amount)} {m.on.isoformat()}" for m in card.maturing)
    lines.append(_line((t("card.maturing", items=maturing or t("card.none")), "")))
    lines += _risk_and_family(card, today)
    for contact in card.recent:
        lines.append(contact_text(contact, local))
    if not card.recent:
        lines.append(_line((t("card.no_contacts"), "dim")))
    return lines


def _when(local: Local, at: dt.datetime) -> str:
    return local(at).format("YYYY-MM-DD HH:mm")


def why_lines(card: CallCard, item: Candidate, local: Local, now: dt.datetime | None = None) -> list[Text]:
    """Why the client is in the queue, in full: the callback's time, whether the client agreed it and whether that
    time is past (``now``), the purchase a 回访 follows up, the holding that matures; the task's own note."""
    w = card.why
    text = ""
    match item.reason:
        case QueueReason.CALLBACK if w is not None and w.cause is CallbackCause.AGREED and w.agreed_at is not None:
            text = t("why.callback_agreed", time=_when(local, w.agreed_at))
            if w.asked_at is not None:
                text += t("why.agreed_on", time=_when(local, w.asked_at))
            if called_late(w.agreed_at, now):
                text += t("why.callback_late")
        case QueueReason.CALLBACK if w is not None and w.cause is CallbackCause.RETRY:
            asked = _when(local, w.asked_at) if w.asked_at is not None else "—"
            text = t("why.callback_retry", time=asked)
        case QueueReason.CALLBACK:
            text = t("why.callback_other")
        case QueueReason.SERVICE_CALLBACK if w is not None and w.purchase is not None:
            p = w.purchase
            text = t("why.purchase", date=local(p.sold_at).format("YYYY-MM-DD"), product=p.product,
                     amount=money(p.amount))  # fmt: skip
        case QueueReason.MATURITY if item.on is not None:
            held = next((m for m in card.maturing if m.product == item.product and m.on == item.on), None)
            amount = money(held.amount) if held is not None else "—"
            text = t("why.maturity", product=item.product, amount=amount, date=item.on.isoformat())
        case _:
            text = reason_detail(item, lambda at: _when(local, at))
    lines = [Text.assemble((t("why.title"), "bold"), (text or label(item.reason), "bold"))]
    note = said_note(w.note if w is not None else item.note)
    if note:
        lines.append(Text.assemble((t("why.note"), "bold"), note))
    return lines


def contact_text(contact: ContactRecord, local: Local) -> Text:
    """A contact with its note, the client's feedback and satisfaction, whole."""
    text = Text.assemble(
        (f"{_when(local, contact.started_at)} {label(contact.channel)} {label(contact.disposition)}", "dim")
    )
    if contact.satisfaction:
        text.append(f"  {t('row.satisfaction', stars=contact.satisfaction)}", "dim")
    if contact.note:
        text.append(f"  {t('row.note')}{t('row.colon')}", "dim")
        text.append(contact.note, "italic")
    if contact.feedback:
        text.append(f"  {t('row.feedback')}{t('row.colon')}", "dim")
        text.append(contact.feedback, "italic")
    return text


def _risk_and_family(card: CallCard, today: dt.date) -> list[Text]:
    """The ID's expiry, the forecast, the household and a birthday this week: a line each, only when there is
    something to say."""
    lines = []
    badge = id_badge(card.id_state, card.id_expiry)
    if badge is not None:  # KYC: ask for the new ID (no business once it has expired)
        lines.append(_line((f"⚠ {badge}", "bold red")))
    if card.forecast is not None:
        lines.append(_line((forecast_line(card.forecast, card.tier), "bold yellow")))
    if card.household is not None and card.household.members:
        lines.append(_line((household_line(card.household), "")))
    if birthday_soon(card.birthday, today):
        assert card.birthday is not None
        lines.append(_line((birthday_line(card.birthday), "")))
    return lines


def _assessment(card: CallCard) -> tuple[str, str]:
    if card.level is None or card.valid_until is None:
        return t("card.no_assessment"), "bold red"
    if not card.assessment_valid:
        return t("card.assessment_expired", level=label(card.level), date=card.valid_until.isoformat()), "bold red"
    return t("card.assessment", level=label(card.level), date=card.valid_until.isoformat()), ""
