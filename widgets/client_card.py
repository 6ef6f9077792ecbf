"""The client on one card: who, how much, what matures, the assessment, the last contacts. One line each."""

from __future__ import annotations

import datetime as dt

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from csm_tui.domain.values import money
from csm_tui.i18n import label, t
from csm_tui.services.calls.preparation import CallCard
from widgets.risk_lines import birthday_line, birthday_soon, forecast_line, household_line, id_badge


def _line(*parts: tuple[str, str]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for chunk, style in parts:
        text.append(chunk, style)
    return text


class ClientCard(Static):
    DEFAULT_CSS = """
    ClientCard { height: auto; padding: 0 1; border: round $primary-darken-2; }
    """

    def show_card(self, card: CallCard, today: dt.date) -> None:
        self.update(Group(*render_card(card, today)))


def render_card(card: CallCard, today: dt.date) -> list[Text]:
    lines = [
        _line(
            (card.name, "bold"),
            (f"  {label(card.sex)} {t('card.age', age=card.age)}", ""),
            (f"  {card.masked_id}", "dim"),
            (f"  ☎ {card.mobile or t('card.no_mobile')}", "bold"),
            (f"  {label(card.tier)}", "italic"),
            (f" · {t('tier.quick_wealth')}" if card.quick_wealth else "", "italic"),
        ),
        _line(
            (t("card.avg_3m", amount=money(card.avg_3m), as_of=card.as_of.isoformat() if card.as_of else "—"), ""),
            ("  ", ""),
            _assessment(card),
        ),
    ]
    maturing = "; ".join(f"{m.product} {money(m.amount)} {m.on.isoformat()}" for m in card.maturing)
    lines.append(_line((t("card.maturing", items=maturing or t("card.none")), "")))
    lines += _risk_and_family(card, today)
    for contact in card.recent:
        day = contact.started_at.date().isoformat()
        lines.append(
            _line(
                (f"{day} {label(contact.channel)} {label(contact.disposition)}", "dim"),
                (f"  {contact.note}" if contact.note else "", "dim italic"),
            )
        )
    if not card.recent:
        lines.append(_line((t("card.no_contacts"), "dim")))
    return lines


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
