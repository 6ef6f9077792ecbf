"""One-line texts for money at risk, the household, the birthday and the ID's expiry, shared by the call card and
client detail."""

from __future__ import annotations

import datetime as dt

from csm_tui.domain.enums import Tier
from csm_tui.domain.households import Household
from csm_tui.domain.values import money
from csm_tui.i18n import itemised, label, t
from csm_tui.rules.birthdays import Birthday
from csm_tui.rules.kyc import IdState
from csm_tui.rules.money_at_risk import TierForecast

BIRTHDAY_SHOWN_DAYS = 7  # the call card tells of a birthday this close
MEMBERS_SHOWN = 5  # a household's line names this many and counts the others (a bad import can link hundreds)


def forecast_line(f: TierForecast, tier: Tier) -> str:
    """The forecast of the client's tier ``tier`` (the one whose threshold the average falls below)."""
    common = {"date": f.falls_on.isoformat(), "threshold": money(f.threshold), "tier": label(tier)}
    if f.top_up is None or f.top_up == 0:
        return t("card.forecast_fell", as_of=f.as_of.isoformat(), **common)
    return t(
        "card.forecast", amount=money(f.top_up), through=f.through.isoformat(), as_of=f.as_of.isoformat(), **common
    )


def household_line(h: Household, *, linkable: bool = True) -> str:
    """The client's household; with no member, the key that links one named only when it is offered."""
    if not h.members:
        return t("card.household_none" if linkable else "card.household_unlinked")
    members = itemised(
        t("card.member", name=m.name, relation=label(m.relation))
        if m.own
        else t("card.member_masked", name=m.name, relation=label(m.relation), id=m.masked_id)
        for m in h.members[:MEMBERS_SHOWN]
    )
    if len(h.members) > MEMBERS_SHOWN:
        members += t("card.members_more", count=len(h.members) - MEMBERS_SHOWN)
    if h.not_counted:
        return t("card.household_part", members=members, amount=money(h.combined_avg), count=h.not_counted)
    return t("card.household", members=members, amount=money(h.combined_avg))


def birthday_line(b: Birthday) -> str:
    return t("card.birthday", date=b.next_on.isoformat() if b.next_on else "—", kind=t(f"card.{_kind(b)}"))


def birthday_soon(b: Birthday | None, today: dt.date) -> bool:
    return b is not None and b.next_on is not None and (b.next_on - today).days <= BIRTHDAY_SHOWN_DAYS


def _kind(b: Birthday) -> str:
    return "lunar" if b.lunar else "solar"


def id_badge(state: IdState, expiry: dt.date | None) -> str | None:
    """KYC: the badge of an ID that expired or expires within the policy's days (None: nothing to say)."""
    date = expiry.isoformat() if expiry else ""
    if state is IdState.EXPIRED:
        return t("kyc.badge_expired", date=date)
    if state is IdState.EXPIRING:
        return t("kyc.badge_expiring", date=date)
    return None


def id_expiry_line(expiry: dt.date | None, long_term: bool) -> str:
    """The ID's validity as the client's page shows it."""
    value = t("kyc.long_term") if long_term else expiry.isoformat() if expiry else t("kyc.unknown")
    return t("kyc.line", value=value)
