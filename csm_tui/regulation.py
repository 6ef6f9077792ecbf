"""The regulator's limits on the branch policy: a policy may be stricter than each, never looser (DOMAIN.md,
"Suitability": NFRA Order 2025 No. 7 and the 双录 rules).

The table ``FLOORS`` is the one place they are written. ``csm_tui.policy`` puts each on the field its key names
(``regulated("assessment.max_per_day")``), so every policy, from a file or built in code, is checked against it,
and README's policy section lists them. The risk bands' rule (strictly inside the questionnaire's score range,
every level reachable) depends on the questionnaire and is checked by the policy itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from csm_tui.domain.enums import AssetType, ProductCategory
from csm_tui.i18n import listed, refusal


class _Floor(ABC):
    """A limit checked after the field's own type and bounds; a value beyond it is refused by an error whose type
    (``policy.floor_*``) the catalogs translate."""

    @abstractmethod
    def check(self, value: Any) -> Any:
        """``value`` when it is within the limit; else a ``PydanticCustomError``."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))


@dataclass(frozen=True)
class AtMost(_Floor):
    """A number the regulator caps: the policy may lower it, never raise it."""

    limit: int

    def check(self, value: int) -> int:
        if value > self.limit:
            raise refusal("policy.floor_at_most", limit=self.limit)
        return value


@dataclass(frozen=True)
class AtLeast(_Floor):
    """A number the regulator sets a minimum for: the policy may raise it, never lower it."""

    limit: int

    def check(self, value: int) -> int:
        if value < self.limit:
            raise refusal("policy.floor_at_least", limit=self.limit)
        return value


def _codes(categories: Collection[ProductCategory]) -> str:
    return ", ".join(sorted(c.value for c in categories))


@dataclass(frozen=True)
class OnlyOf(_Floor):
    """A set of product categories the regulator allows at most: the policy may name fewer, never others."""

    allowed: frozenset[ProductCategory]

    def check(self, value: tuple[ProductCategory, ...]) -> tuple[ProductCategory, ...]:
        beyond = set(value) - self.allowed
        if beyond:
            raise refusal("policy.floor_only_of", allowed=_codes(self.allowed), refused=_codes(beyond))
        return value


@dataclass(frozen=True)
class NoneOf(_Floor):
    """A set of product categories the regulator never lets the policy name (exempt them from 双录, say)."""

    forbidden: frozenset[ProductCategory]

    def check(self, value: tuple[ProductCategory, ...]) -> tuple[ProductCategory, ...]:
        named = set(value) & self.forbidden
        if named:
            raise refusal("policy.floor_none_of", forbidden=_codes(self.forbidden), refused=_codes(named))
        return value


@dataclass(frozen=True)
class Keeps(_Floor):
    """Screening questions the regulator's lowest category rests on (no full civil capacity, accepts no loss): the
    policy may add others, never drop these nor turn round the answer that puts the client in the lowest category."""

    required: frozenset[tuple[str, str]]  # (code, lowest_on)

    def check(self, value: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.required <= {(s.code, s.lowest_on) for s in value}:
            kept = ", ".join(f"{code} ({answer})" for code, answer in sorted(self.required))
            raise refusal("policy.floor_keeps", required=kept)
        return value


@dataclass(frozen=True)
class Includes(_Floor):
    """Texts the regulator requires in a list (the forbidden marketing phrases): the policy may add others, never
    drop these."""

    required: tuple[str, ...]

    def check(self, value: tuple[str, ...]) -> tuple[str, ...]:
        missing = [text for text in self.required if text not in value]
        if missing:
            raise refusal("policy.floor_includes", required=listed(self.required), missing=listed(missing))
        return value


@dataclass(frozen=True)
class Contains(_Floor):
    """Wording the regulator requires in a text (the risk notice): the policy may say more around it, never less."""

    required: str

    def check(self, value: str) -> str:
        if self.required not in value:
            raise refusal("policy.floor_contains", required=self.required)
        return value


Floor = AtMost | AtLeast | OnlyOf | NoneOf | Keeps | Includes | Contains

_C = ProductCategory
# The lines the sale service also holds itself, whatever policy object it is given.
INSISTABLE = frozenset({_C.FUND})  # the insisted path: funds only, never bank wealth or insurance
ALWAYS_RECORDED = frozenset({_C.WEALTH, _C.FUND, _C.INSURANCE})  # 双录, whatever the policy exempts
ELDERLY_AGE_CEILING = 65  # NFRA Order 2025 No. 7: the special duty of care starts at 65 at the latest
# 资管新规 (2018), art. 5: a qualified investor buys at least this much of one private placement a purchase, by the
# product's asset type. A product whose asset type is not recorded is held to the strictest of them.
PRIVATE_PLACEMENT_MIN: dict[AssetType, Decimal] = {
    AssetType.FIXED_INCOME: Decimal("300000.00"),
    AssetType.MIXED: Decimal("400000.00"),
    AssetType.EQUITY: Decimal("1000000.00"),
    AssetType.COMMODITY: Decimal("1000000.00"),
}

# Marketing a wealth product may not promise principal or a return, nor call it riskless (资管新规; 理财公司理财产品销售
# 管理暂行办法 art. 31): these phrases are never let through unchecked; a branch may add its own.
FORBIDDEN_PHRASES = ("保本", "保收益", "稳赚", "无风险", "零风险", "高收益低风险", "包赚")
# Every line that offers a wealth product says it is not a deposit and carries risk (the same 办法's wording).
RISK_NOTICE = "理财非存款、产品有风险、投资须谨慎"

FLOORS: dict[str, Floor] = {
    # NFRA Order 2025 No. 7: an assessment is valid at most 12 months; at most 2 a day and 8 in 12 months.
    "assessment.validity_months": AtMost(12),
    "assessment.max_per_day": AtMost(2),
    "assessment.max_per_year": AtMost(8),
    # The special duty of care with higher-risk products starts at 65 at the latest.
    "assessment.elderly_age": AtMost(ELDERLY_AGE_CEILING),
    # The lowest category (may buy R1 only): "full civil capacity?" answered B (no), "accepts no loss?" answered A.
    "assessment.questionnaire.screening": Keeps(frozenset({("s1", "B"), ("s2", "A")})),
    # Private placements: a cooling-off period (冷静期) of at least 24 hours from signing.
    "suitability.cooling_off_hours": AtLeast(24),
    # A private placement's least purchase by asset type (资管新规): a branch may ask more, never less.
    **{f"suitability.private_min_{a.value}": AtLeast(int(least)) for a, least in PRIVATE_PLACEMENT_MIN.items()},
    # Only funds may be sold above the client's level when the client insists; bank wealth and insurance never.
    "suitability.insisted_sale_categories": OnlyOf(INSISTABLE),
    # 双录 is always required for the bank's wealth products, funds and insurance.
    "suitability.dual_recording_exempt": NoneOf(ALWAYS_RECORDED),
    # The phrases checked before a note, an SMS or a day summary is saved: the policy may add, never drop these.
    "compliance.forbidden_phrases": Includes(FORBIDDEN_PHRASES),
    # The Chinese risk notice after every product offered keeps the regulator's wording.
    "compliance.risk_notice.zh_CN": Contains(RISK_NOTICE),
}


def regulated(key: str) -> Floor:
    """The regulator's limit on the policy key ``key``, to annotate that key's field with."""
    return FLOORS[key]
