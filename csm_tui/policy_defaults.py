"""The shipped policy's settings the first screen reads, kept free of pydantic: the thin start path
(``csm_tui.start``) paints the checklist with them before the policy (``csm_tui.policy``, which takes its defaults
from here) has loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from csm_tui.domain.enums import ChecklistMeasure, ChecklistPhase, Role
from csm_tui.public_holidays import first_working_day, working_days

DAILY_CALL_TARGET = 10
MATURITY_LEAD_DAYS = 7
NEW_PRODUCT_DAYS = 7  # a product listed this recently is new on the shelf
TIME_ZONE = "Asia/Shanghai"
WORKING_WEEKDAYS = (0, 1, 2, 3, 4)  # Monday = 0


@dataclass(frozen=True, slots=True)
class TemplateItem:
    """One line of the shipped checklist (``policy.ChecklistItem`` is the same, validated, for a policy file)."""

    code: str
    phase: ChecklistPhase
    measure: ChecklistMeasure | None = None
    roles: tuple[Role, ...] = (Role.CSM,)
    text: dict[str, str] = field(default_factory=dict)  # shipped items take their text from the catalogs


_EVERYONE = tuple(Role)
_FRONT = (Role.CSM, Role.WEALTH_MANAGER, Role.LOBBY, Role.TELLER)  # who sells or refers at the counter
_B, _D, _A, _CM = ChecklistPhase.BEFORE, ChecklistPhase.DURING, ChecklistPhase.AFTER, ChecklistMeasure
DEFAULT_ITEMS: tuple[TemplateItem, ...] = (
    TemplateItem("meetings_today", _B, _CM.MEETINGS_CONFIRMED),
    TemplateItem("callbacks", _B, _CM.CALLBACKS),
    TemplateItem("maturities", _B, _CM.MATURITIES),
    TemplateItem("new_products", _B, _CM.PRODUCTS_READ, _FRONT),
    TemplateItem("appearance", _B, roles=_EVERYONE),
    TemplateItem("morning_meeting", _B, roles=_EVERYONE),
    TemplateItem("team_lists", _D, roles=(Role.SUPERVISOR,)),
    TemplateItem("walk_ins_referred", _D, roles=(Role.LOBBY, Role.TELLER)),
    TemplateItem("data_checked", _B, roles=(Role.ADMIN,)),
    TemplateItem("calls", _D, _CM.CALLS),
    TemplateItem("referrals", _D, _CM.REFERRALS),
    TemplateItem("service_callbacks", _D, _CM.SERVICE_CALLBACKS),
    TemplateItem("meetings_recorded", _D, _CM.MEETINGS_RECORDED),
    TemplateItem("tomorrow_confirmed", _A, _CM.TOMORROW_CONFIRMED),
    TemplateItem("next_contacts", _A, _CM.NEXT_CONTACTS),
    TemplateItem("summary", _A, _CM.SUMMARY, _EVERYONE),
)


def items_for(role: Role) -> tuple[TemplateItem, ...]:
    """The shipped items on the list of someone of ``role``."""
    return tuple(i for i in DEFAULT_ITEMS if role in i.roles)


def _is_working_day(day: dt.date) -> bool:
    return day in working_days(day.year, True, WORKING_WEEKDAYS, (), ())


def next_working_day_after(day: dt.date) -> dt.date:
    """The first working day after ``day`` by the shipped calendar (China's holidays, Monday to Friday)."""
    return first_working_day(day + dt.timedelta(days=1), _is_working_day)
