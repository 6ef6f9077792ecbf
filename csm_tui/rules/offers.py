"""Next best offer: the manual's cross-selling rules of thumb, applied to one client.

The rules are data in the branch policy (``[[cross_sell.rules]]``). Every offer says why: a catalog key under
``offer.reason`` and its figures, so the screen explains it in the user's language (``offer.line`` joins the reason
and the offer). Pure functions over domain objects the caller already has; no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from csm_tui.domain.enums import AccountKind, HoldingStatus, ProductCategory, RiskLevel
from csm_tui.domain.models import Account, Client, Holding, Product
from csm_tui.policy import CrossSell, OfferCondition, OfferRule, OfferService

# A service the client already has, where the bank's data shows it; the other services cannot be seen here.
_SHOWN_BY_ACCOUNT = {OfferService.CREDIT_CARD: AccountKind.CREDIT_CARD}


@dataclass(frozen=True)
class HeldProduct:
    """A holding joined to its product."""

    product: Product
    amount: Decimal
    maturity_date: dt.date | None
    status: HoldingStatus


@dataclass(frozen=True)
class ClientProfile:
    """What the rules look at."""

    age: int
    accounts: tuple[Account, ...]
    holdings: tuple[HeldProduct, ...]
    balance: Decimal  # point balance, as the bank's batch delivered it
    avg_3m: Decimal
    level: RiskLevel | None  # None unless the risk assessment is valid today
    today: dt.date

    @property
    def active_holdings(self) -> tuple[HeldProduct, ...]:
        return tuple(h for h in self.holdings if h.status is HoldingStatus.ACTIVE)

    @property
    def idle(self) -> Decimal:
        """The point balance less what is in active holdings."""
        return self.balance - sum((h.amount for h in self.active_holdings), Decimal("0.00"))


def profile(
    client: Client, holdings: list[tuple[Holding, Product]], level: RiskLevel | None, today: dt.date
) -> ClientProfile:
    """The client's profile; ``level`` is that of an assessment valid today, else None."""
    return ClientProfile(
        age=client.age_on(today),
        accounts=client.accounts,
        holdings=tuple(HeldProduct(p, h.amount, h.maturity_date, h.status) for h, p in holdings),
        balance=client.balance,
        avg_3m=client.avg_3m,
        level=level,
        today=today,
    )


@dataclass(frozen=True)
class Offer:
    """One suggestion: a product or a service, and why (``reason_key`` filled in with ``reason_params``)."""

    rule: str
    product: Product | None
    service: OfferService | None
    reason_key: str
    reason_params: dict[str, str]


# --- conditions: the reason's figures when the client meets the rule, else None --------------------------------

Reason = dict[str, str]


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _fixed_deposits(p: ClientProfile) -> list[HeldProduct]:
    return [h for h in p.active_holdings if h.product.category is ProductCategory.DEPOSIT and h.product.term_days]


def _new_debit_card(p: ClientProfile, rule: OfferRule) -> Reason | None:
    assert rule.within_days is not None
    opened = [
        a.opened_on
        for a in p.accounts
        if a.kind is AccountKind.DEBIT_CARD and 0 <= (p.today - a.opened_on).days <= rule.within_days
    ]
    return {"date": max(opened).isoformat()} if opened else None


def _payroll_card(p: ClientProfile, rule: OfferRule) -> Reason | None:
    return {} if any(a.kind is AccountKind.PAYROLL_CARD for a in p.accounts) else None


def _young(p: ClientProfile, rule: OfferRule) -> Reason | None:
    assert rule.max_age is not None
    return {"age": str(p.age)} if p.age <= rule.max_age else None


def _small_saver(p: ClientProfile, rule: OfferRule) -> Reason | None:
    assert rule.min_count is not None and rule.max_amount is not None
    small = [h for h in _fixed_deposits(p) if h.amount <= rule.max_amount]
    if len(small) < rule.min_count:
        return None
    return {"count": str(len(small)), "max_amount": _yuan(rule.max_amount)}


def _long_deposit(p: ClientProfile, rule: OfferRule) -> Reason | None:
    assert rule.min_term_days is not None
    long = [h for h in _fixed_deposits(p) if (h.product.term_days or 0) >= rule.min_term_days]
    if not long:
        return None
    largest = max(long, key=lambda h: h.amount)
    return {"product": largest.product.name, "amount": _yuan(largest.amount)}


def _idle_balance(p: ClientProfile, rule: OfferRule) -> Reason | None:
    assert rule.min_amount is not None
    return {"amount": _yuan(p.idle)} if p.idle >= rule.min_amount else None


def _maturing(p: ClientProfile, rule: OfferRule) -> Reason | None:
    assert rule.within_days is not None
    horizon = p.today + dt.timedelta(days=rule.within_days)
    due = [(h.maturity_date, h) for h in p.active_holdings if h.maturity_date and p.today <= h.maturity_date <= horizon]
    if not due:
        return None
    on, held = min(due, key=lambda d: (d[0], -d[1].amount))  # the soonest, the largest first
    return {"product": held.product.name, "amount": _yuan(held.amount), "date": on.isoformat()}


CONDITIONS: dict[OfferCondition, Callable[[ClientProfile, OfferRule], Reason | None]] = {
    OfferCondition.NEW_DEBIT_CARD: _new_debit_card,
    OfferCondition.PAYROLL_CARD: _payroll_card,
    OfferCondition.YOUNG: _young,
    OfferCondition.SMALL_SAVER: _small_saver,
    OfferCondition.LONG_DEPOSIT: _long_deposit,
    OfferCondition.IDLE_BALANCE: _idle_balance,
    OfferCondition.MATURING: _maturing,
}


# --- what to offer -------------------------------------------------------------------------------------------


def rating_limit(level: RiskLevel | None) -> int:
    """The highest product rating a client may be offered: C*n* allows R*n*; without a valid assessment, R1 only."""
    return level.value if level is not None else 1


def _best_product(rule: OfferRule, p: ClientProfile, on_sale: list[Product], held: set[str]) -> Product | None:
    """The highest-yielding, then lowest-rated, product of the rule's category that the client may be offered."""
    limit = min(rating_limit(p.level), rule.max_rating or 5)
    fits = [
        (-(x.expected_yield or Decimal(0)), x.rating.value, x.code, x)
        for x in on_sale
        if x.category is rule.offer_category
        and x.rating is not None
        and x.rating.value <= limit
        and x.on_sale(p.today)
        and not x.private_placement
        and x.code not in held
    ]
    return min(fits, key=lambda f: f[:3])[3] if fits else None


def _has_service(p: ClientProfile, service: OfferService) -> bool:
    kind = _SHOWN_BY_ACCOUNT.get(service)
    return kind is not None and any(a.kind is kind for a in p.accounts)


def _offer(rule: OfferRule, p: ClientProfile, on_sale: list[Product], held: set[str]) -> Offer | None:
    reason = CONDITIONS[rule.when](p, rule)
    if reason is None:
        return None
    key = f"offer.reason.{rule.when}"
    if rule.offer_category is not None:
        product = _best_product(rule, p, on_sale, held)
        return None if product is None else Offer(rule.code, product, None, key, reason)
    assert rule.service is not None
    return None if _has_service(p, rule.service) else Offer(rule.code, None, rule.service, key, reason)


def _target(offer: Offer) -> str:
    return f"product:{offer.product.code}" if offer.product else f"service:{offer.service}"


def next_best_offers(
    profile: ClientProfile, on_sale: list[Product], rules: CrossSell, *, limit: int = 5
) -> list[Offer]:
    """The offers whose rules the client meets, by rule priority then the rules' order; each product or service once.

    Products must be on sale today, not private placements, not already held, and rated within the client's valid
    assessment (R1 only without one); services need no assessment.
    """
    held = {h.product.code for h in profile.active_holdings}
    offers: list[Offer] = []
    offered: set[str] = set()
    for rule in sorted(rules.rules, key=lambda r: r.priority):
        if len(offers) >= limit:
            break
        offer = _offer(rule, profile, on_sale, held)
        if offer is None or _target(offer) in offered:
            continue
        offered.add(_target(offer))
        offers.append(offer)
    return offers
