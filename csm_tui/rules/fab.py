"""Making numbers concrete for the client (the manual's FAB advice), and what to suggest on a call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from csm_tui.domain.enums import ProductCategory, RiskLevel
from csm_tui.domain.models import Product

_HUNDREDTH = Decimal("0.01")


def yield_multiple(product_yield: Decimal, deposit_rate: Decimal) -> Decimal:
    """A yield as a multiple of the same-term deposit rate: 3.96% against 2.25% is 1.76×."""
    return (product_yield / deposit_rate).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def monthly_interest(amount: Decimal, annual_pct: Decimal) -> Decimal:
    """What ``amount`` earns a month at ``annual_pct`` percent a year."""
    return (amount * annual_pct / 100 / 12).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Suggestion:
    product: Product
    deposit: Product  # the same-term deposit it is compared with
    multiple: Decimal
    amount: Decimal
    monthly: Decimal


def same_term_deposit(products: list[Product], term_days: int) -> Product | None:
    deposits = [p for p in products if p.category is ProductCategory.DEPOSIT and p.term_days and p.expected_yield]
    return min(deposits, key=lambda p: (abs((p.term_days or 0) - term_days), p.code), default=None)


def suggest(
    on_sale: list[Product], level: RiskLevel | None, amount: Decimal | None, today: dt.date
) -> Suggestion | None:
    """The best-yielding wealth product on sale that the client's valid assessment allows and ``amount`` reaches
    (its minimum), against a deposit; ``amount`` is the client's own (``rules.scripts.example_amount``): without
    one there is nothing to show a benefit on.

    Without a valid assessment nothing above R1 is suggested (the assessment comes first).
    """
    if amount is None or amount <= 0:
        return None
    allowed = level.value if level else 1
    fits = [
        p
        for p in on_sale
        if p.category is ProductCategory.WEALTH
        and p.on_sale(today)
        and p.rating is not None
        and p.rating.value <= allowed
        and p.expected_yield
        and p.term_days
        and p.min_amount <= amount
        and not p.private_placement
    ]
    for product in sorted(fits, key=lambda p: (-(p.expected_yield or 0), p.code)):
        deposit = same_term_deposit(on_sale, product.term_days or 0)
        if deposit is None or not deposit.expected_yield:
            continue
        assert product.expected_yield is not None
        return Suggestion(
            product=product,
            deposit=deposit,
            multiple=yield_multiple(product.expected_yield, deposit.expected_yield),
            amount=amount,
            monthly=monthly_interest(amount, product.expected_yield),
        )
    return None
