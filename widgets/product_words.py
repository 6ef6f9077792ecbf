"""The words that go with a product wherever it is offered: its risk rating and the branch's risk notice.

Every line that names a product to put it before a client (the call script's benefit, the client detail's next
offers) ends with ``risk_words``, so none can name a product without its risk (DOMAIN.md, the mystery-shopper
check: states the product's risk level, says "理财非存款、产品有风险、投资须谨慎"). A deposit is no investment and
carries none.
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text

from csm_tui.domain.enums import AssetType, ProductCategory
from csm_tui.domain.models import Product
from csm_tui.i18n import current_language, label, t
from csm_tui.policy import RiskNotice
from widgets.cells import figure

NONE = "—"  # a product's term or yield it does not have (a fund, gold): said, never a blank cell


def risk_words(product: Product, notice: RiskNotice) -> str:
    """The risk rating (the higher of issuer's and seller's) and the notice in the user's language, to follow the
    product's name; nothing for a deposit."""
    if product.category is ProductCategory.DEPOSIT:
        return ""
    rating = label(product.rating) if product.rating is not None else t("words.unrated")
    return t("words.risk", rating=rating, notice=notice.text(current_language()))


def offered(product: Product, notice: RiskNotice) -> str:
    """A product's name as it is offered: with its risk words."""
    return f"{product.name}{risk_words(product, notice)}"


def kind_cell(category: ProductCategory, asset_type: AssetType | None) -> str:
    """A product's type in a table's column: its category, and a wealth product's asset type in short (理财·固收)."""
    if asset_type is None:
        return label(category)
    return f"{label(category)}·{t(f'asset_type_short.{asset_type.value}')}"


def yield_cell(expected_yield: Decimal | None) -> Text | str:
    """A product's expected yield in a table's column, right-aligned (``3.96%``), or ``—`` for one that has none."""
    return figure(f"{expected_yield:.2f}%") if expected_yield is not None else NONE
