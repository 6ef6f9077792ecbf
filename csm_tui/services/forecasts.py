"""A client's tier forecast, for the client's page and the call card: the same rule the queue applies
(``csm_tui.rules.money_at_risk``), on the client's own balance spans."""

from __future__ import annotations

import datetime as dt

from csm_tui.domain.models import Client
from csm_tui.policy import Policy
from csm_tui.rules.money_at_risk import HeldSpan, TierForecast, forecast_tier
from csm_tui.rules.tiers import average_window
from csm_tui.services.ports import UnitOfWork

ONE_DAY = dt.timedelta(days=1)


def tier_forecast(tx: UnitOfWork, client: Client, policy: Policy, today: dt.date) -> TierForecast | None:
    """When the client's 3-month average will fall below their tier (交银理财, 沃德) within the policy's days, and
    the sum that keeps it; None for an ordinary client, one whose figures are older than the branch's data date,
    or one whose average holds."""
    tiers = policy.tiers
    as_of = tx.views.data_as_of()
    if client.id is None or as_of is None or client.assets_as_of != as_of or client.avg_3m < tiers.jiaoyin:
        return None
    threshold = tiers.wode if client.avg_3m >= tiers.wode else tiers.jiaoyin
    first, _ = average_window(as_of + ONE_DAY)
    days = tx.balances.daily(client.id, first, as_of)
    spans = [HeldSpan(d.day, d.day, d.balance) for d in days]
    return forecast_tier(spans, as_of, threshold, today + dt.timedelta(days=policy.risk.tier_days), today)
