"""The demo's shelf of thirty products, and which of them the CSMs offer a client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from csm_tui.domain.enums import (
    AssetType,
    ProductCategory,
    RiskRating,
)
from csm_tui.domain.models import NewProduct
from csm_tui.domain.models import Product as StoredProduct
from csm_tui.domain.values import from_fen
from storage.demo.branch import (
    YUAN,
    DemoClient,
    Part,
    Product,
)
from storage.orm import (
    ProductRow,
)


class _Spec(NamedTuple):
    """A product on the demo shelf; its sale window in days from today (no end: open-ended)."""

    code: str
    name: str
    category: ProductCategory
    ratings: tuple[int, int] | None  # issuer, seller
    term_days: int | None
    expected_yield: str | None
    min_yuan: int
    window: tuple[int, int | None]
    private: bool = False
    asset_type: AssetType | None = None  # a wealth product's (资管新规)


_C = ProductCategory
_A = AssetType
_FI = AssetType.FIXED_INCOME
ALWAYS = (-730, None)
PRODUCTS = (
    _Spec("DP03M", "整存整取3个月", _C.DEPOSIT, None, 91, "1.10", 50, ALWAYS),
    _Spec("DP06M", "整存整取6个月", _C.DEPOSIT, None, 182, "1.30", 50, ALWAYS),
    _Spec("DP01Y", "整存整取1年", _C.DEPOSIT, None, 365, "1.45", 50, ALWAYS),
    _Spec("DP03Y", "整存整取3年", _C.DEPOSIT, None, 1095, "1.75", 50, ALWAYS),
    _Spec("CD01Y", "大额存单1年", _C.DEPOSIT, None, 365, "1.65", 200_000, ALWAYS),
    _Spec("CD03Y", "大额存单3年", _C.DEPOSIT, None, 1095, "2.25", 200_000, ALWAYS),
    _Spec("WM030", "得利宝·稳添利30天", _C.WEALTH, (1, 1), 30, "2.00", 10_000, ALWAYS, asset_type=_FI),
    _Spec("WM063", "得利宝·稳添利63天", _C.WEALTH, (2, 2), 63, "2.35", 10_000, ALWAYS, asset_type=_FI),
    _Spec("WM091", "得利宝·悦享91天", _C.WEALTH, (2, 3), 91, "2.60", 10_000, ALWAYS, asset_type=_FI),
    _Spec("WM182", "得利宝·悦享182天", _C.WEALTH, (2, 2), 182, "2.95", 50_000, (-330, -20), asset_type=_FI),
    _Spec("WM181", "得利宝·增盈6个月", _C.WEALTH, (3, 3), 181, "3.13", 50_000, (-3, 11), asset_type=_FI),
    _Spec("WM365", "得利宝·增盈1年", _C.WEALTH, (3, 3), 365, "3.96", 50_000, (-5, 9), asset_type=_FI),
    _Spec("WM270", "得利宝·睿远9个月", _C.WEALTH, (4, 4), 270, "4.20", 50_000, ALWAYS, asset_type=_A.MIXED),
    _Spec("WM180", "得利宝·进取180天", _C.WEALTH, (3, 4), 180, "3.60", 50_000, (-420, -60), asset_type=_A.MIXED),
    _Spec("WM091N", "得利宝·悦享91天(新一期)", _C.WEALTH, (2, 2), 91, "2.65", 10_000, (4, 14), asset_type=_FI),
    _Spec("PP365", "私银尊享·权益精选1号(私募)", _C.WEALTH, (5, 5), 365, "4.50", 1_000_000, ALWAYS, True, _A.EQUITY),
    _Spec("FD000", "交银现金宝货币A", _C.FUND, (1, 1), None, None, 1, ALWAYS),
    _Spec("FD001", "交银稳健配置混合", _C.FUND, (3, 3), None, None, 1_000, ALWAYS),
    _Spec("FD002", "交银优势行业混合", _C.FUND, (4, 4), None, None, 1_000, ALWAYS),
    _Spec("FD003", "交银沪深300指数(定投)", _C.FUND, (4, 4), None, None, 100, ALWAYS),
    _Spec("FD004", "交银先进制造混合(定投)", _C.FUND, (4, 4), None, None, 100, ALWAYS),
    _Spec("FD005", "交银科技创新股票", _C.FUND, (5, 5), None, None, 1_000, ALWAYS),
    _Spec("FD006", "交银新能源产业股票", _C.FUND, (4, 5), None, None, 1_000, (-240, -90)),
    _Spec("IS001", "交银人寿·金色年华养老年金", _C.INSURANCE, (2, 2), 3650, None, 10_000, ALWAYS),
    _Spec("IS002", "交银人寿·学子无忧教育金", _C.INSURANCE, (2, 2), 5475, None, 3_000, ALWAYS),
    _Spec("IS003", "交银康联·鑫享两全保险", _C.INSURANCE, (2, 3), 1825, None, 5_000, ALWAYS),
    _Spec("AU010", "交银金·实物金条10克", _C.METAL, (3, 3), None, None, 6_000, ALWAYS),
    _Spec("AU001", "交银积存金", _C.METAL, (3, 3), None, None, 600, ALWAYS),
    _Spec("GB263", "{year}年第六期储蓄国债(电子式)3年", _C.BOND, (1, 1), 1095, "1.63", 100, (-1, 9)),
    _Spec("GB255", "{year}年第五期储蓄国债(电子式)5年", _C.BOND, (1, 1), 1825, "1.70", 100, (-45, -36)),
)
SALE_WEIGHTS = {_C.WEALTH: 10, _C.FUND: 5, _C.INSURANCE: 2, _C.BOND: 2, _C.METAL: 1}  # deposits aren't "sold"
ELDERLY_MAX_RATING = 3  # the demo sells nothing riskier to clients of the policy's elderly age


class Shelf(Part):
    """The products on the branch's shelf."""

    def stock(self) -> None:
        """Write the shelf, each product's sale window dated from today."""
        exempt = self.policy.suitability.dual_recording_exempt
        for spec in PRODUCTS:
            opens, closes = spec.window
            sale_start = self.today + dt.timedelta(days=opens)
            sale_end = None if closes is None else self.today + dt.timedelta(days=closes)
            issuer, seller = spec.ratings or (None, None)
            dual = spec.category is not ProductCategory.DEPOSIT and spec.category not in exempt
            cooling = self.policy.suitability.cooling_off_hours if spec.private else 0
            name = spec.name.format(year=self.today.year)
            new = NewProduct(
                code=spec.code,
                name=name,
                category=spec.category,
                issuer_rating=None if issuer is None else RiskRating(issuer),
                seller_rating=None if seller is None else RiskRating(seller),
                term_days=spec.term_days,
                expected_yield=None if spec.expected_yield is None else Decimal(spec.expected_yield),
                min_amount=from_fen(spec.min_yuan * YUAN),
                sale_start=sale_start,
                sale_end=sale_end,
                dual_recording=dual,
                cooling_off_hours=cooling,
                private_placement=spec.private,
                asset_type=spec.asset_type,
                listed_on=sale_start,
            )
            product_id = self.w.add(
                ProductRow,
                **new.model_dump(exclude={"category", "issuer_rating", "seller_rating", "min_amount"}),
                category=spec.category.value,
                issuer_rating=issuer,
                seller_rating=seller,
                min_amount_fen=new.min_amount,
            )
            self.products.append(
                Product(
                    id=product_id,
                    code=spec.code,
                    name=name,
                    category=spec.category,
                    rating=max(issuer or 0, seller or 0),
                    term_days=spec.term_days,
                    min_fen=spec.min_yuan * YUAN,
                    sale_start=sale_start,
                    sale_end=sale_end,
                    dual_recording=dual,
                    cooling_off_hours=cooling,
                    private=spec.private,
                    model=StoredProduct(**new.model_dump(), id=product_id),
                )
            )

    def candidates(self, c: DemoClient, among: Sequence[Product], day: dt.date) -> list[Product]:
        """What the demo's CSMs offer the client on ``day``: what is on the shelf that day (as the sale wizard lists
        it), of the categories they sell, and to a client of the policy's elderly age nothing above R3 (a choice of
        the demo's, not a rule). Whether the client may buy it, and the CSM sell it, the 4S check decides."""
        elderly = c.age >= self.policy.assessment.elderly_age
        return [
            p
            for p in among
            if p.category in SALE_WEIGHTS and p.model.on_sale(day) and not (elderly and p.rating > ELDERLY_MAX_RATING)
        ]

    def draw(self, candidates: Sequence[Product]) -> Product:
        return self.rng.choices(candidates, weights=[SALE_WEIGHTS[p.category] for p in candidates])[0]

    def sale_amount(self, c: DemoClient, p: Product) -> int:
        """5–30% of the client's assets in round hundreds or thousands of yuan, at least the product's minimum."""
        if p.private:
            return p.min_fen
        unit = 1000 * YUAN if p.min_fen >= 10_000 * YUAN else 100 * YUAN
        return max(p.min_fen, int(c.average * self.rng.uniform(0.05, 0.3)) // unit * unit)
