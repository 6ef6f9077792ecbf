"""Preparing a call: the client on one card, and the figures the script needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from csm_tui.domain.enums import HoldingStatus, RiskLevel, TaskKind, TaskOrigin, Tier
from csm_tui.domain.households import Household
from csm_tui.domain.models import ContactRecord, Task
from csm_tui.domain.values import Sex
from csm_tui.rules import kyc
from csm_tui.rules.birthdays import Birthday, birthday
from csm_tui.rules.fab import Suggestion, suggest
from csm_tui.rules.money_at_risk import TierForecast
from csm_tui.rules.scripts import CallbackCause, agreed_time, callback_cause, example_amount
from csm_tui.rules.suitability import offer_level, valid_through
from csm_tui.rules.tiers import quick_wealth, tier_of
from csm_tui.services.calls.service_callbacks import follows_service_callback
from csm_tui.services.forecasts import tier_forecast
from csm_tui.services.leave import cover_owner
from csm_tui.services.ports import UnitOfWork
from csm_tui.services.workstation import Workstation

MATURING_SHOWN = 2
RECENT_SHOWN = 3


@dataclass(frozen=True)
class Maturing:
    product: str
    amount: Decimal
    on: dt.date


@dataclass(frozen=True)
class Purchase:
    """The purchase a 回访 follows up."""

    product: str
    amount: Decimal
    sold_at: dt.datetime


@dataclass(frozen=True)
class Why:
    """Why the client is in the queue, as the task that put them there says: the purchase a 回访 follows up, the
    callback's cause and the time the client agreed (only when they agreed one), the task's own note."""

    kind: TaskKind
    due_at: dt.datetime | None = None  # when the task is due (a retry's time is the manager's, not the client's)
    cause: CallbackCause | None = None  # for a callback
    agreed_at: dt.datetime | None = None  # the time the client named
    asked_at: dt.datetime | None = None  # when the contact that created the callback was
    purchase: Purchase | None = None
    note: str = ""
    service: bool = False  # a 回访, or a callback that retries one: a 回访 done is its answer


@dataclass(frozen=True)
class CallCard:
    client_id: int
    name: str
    masked_id: str
    mobile: str  # in full: the manager dials it (the read is audited)
    age: int
    sex: Sex
    tier: Tier
    quick_wealth: bool  # 快捷理财: two free inter-bank withdrawals a month
    avg_3m: Decimal
    as_of: dt.date | None
    maturing: tuple[Maturing, ...]
    level: RiskLevel | None
    valid_until: dt.date | None
    recent: tuple[ContactRecord, ...]
    suggestion: Suggestion | None
    calls_today: int
    assessment_valid: bool
    forecast: TierForecast | None = None  # the 3-month average falling below the tier, with its date
    household: Household | None = None
    birthday: Birthday | None = None
    id_state: kyc.IdState = kyc.IdState.UNKNOWN  # KYC: expired or expiring: ask for the new ID
    id_expiry: dt.date | None = None
    why: Why | None = None  # the task behind the call, when a task put the client in the queue
    referral_pending: bool = False  # a 沃德 client manager's call on a client whose referral they have not decided
    covering: bool = False  # called only while covering the manager's leave (``ClientRepository.only_covering``)


def _why(tx: UnitOfWork, task: Task | None) -> Why | None:
    """What the task behind a call says of it: for a callback, the outcome of the contact that created it; for a
    回访, the sale with its product."""
    if task is None:
        return None
    cause, asked_at, purchase = None, None, None
    if task.kind is TaskKind.CALLBACK:
        origin = tx.contacts.get(task.origin_id) if task.origin is TaskOrigin.CONTACT and task.origin_id else None
        cause = callback_cause(origin.disposition if origin is not None else None)
        asked_at = origin.started_at if origin is not None else None
    if task.origin is TaskOrigin.SALE and task.origin_id is not None:
        sale = tx.sales.get(task.origin_id)
        if sale is not None:
            product = tx.products.get(sale.product_id)
            purchase = Purchase(product.name if product else "", sale.amount, sale.sold_at)
    return Why(
        kind=task.kind, due_at=task.due_at, cause=cause, agreed_at=agreed_time(cause, task.due_at), asked_at=asked_at,
        purchase=purchase, note=task.note, service=follows_service_callback(tx, task),
    )  # fmt: skip


def prepare(ws: Workstation, client_id: int, task_id: int | None = None) -> CallCard:
    """Everything the call session shows of one own client (``task_id``: the task that put them in the queue, for
    why); the read of the full number is audited."""
    today = ws.time.today()
    start, end = ws.time.day_bounds(today)
    horizon = today + dt.timedelta(days=ws.policy.calls.maturity_lead_days)
    with ws.uow(write=True) as tx:
        client = tx.clients.get(client_id)
        maturing = []
        for h in tx.holdings.for_client(client_id):
            if h.status is HoldingStatus.ACTIVE and h.maturity_date and today <= h.maturity_date <= horizon:
                product = tx.products.get(h.product_id)
                maturing.append(Maturing(product.name if product else "", h.amount, h.maturity_date))
        maturing.sort(key=lambda m: m.on)
        assessment = tx.assessments.latest(client_id)
        level = offer_level(assessment, today, ws.policy)  # valid by the policy, as the 4S check reads it
        on_sale = tx.products.on_sale(today)
        calls_today = tx.views.calls_made(ws.staff.id, start, end)
        recent = tuple(tx.contacts.for_client(client_id, limit=RECENT_SHOWN))
        task = tx.tasks.get(task_id) if task_id is not None else None
        why = _why(tx, task if task is not None and task.client_id == client_id else None)
        forecast = tier_forecast(tx, client, ws.policy, today)
        family = tx.households.household(client_id)
        greeting = birthday(client.resident_id.birth_date, tx.households.birthday_lunar(client_id), today)
        pending = tx.clients.only_referred(client_id)  # a 沃德 referral still to decide: not the caller's client yet
        only_covering = tx.clients.only_covering(client_id)
        covering = cover_owner(tx, ws, client.manager_id)  # a colleague's client, called for them on leave
        extra = {} if covering is None else {"cover_for": covering}
        tx.audit.record("call.open", "clients", str(client_id), field="mobile", **extra)
        tx.commit()
    amount = example_amount(maturing[0].amount if maturing else None, client.avg_3m)
    return CallCard(
        client_id=client_id,
        name=client.name,
        masked_id=client.resident_id.masked(),
        mobile=client.mobile or "",
        age=client.age_on(today),
        sex=client.resident_id.sex,
        tier=tier_of(client.avg_3m, ws.policy.tiers),
        quick_wealth=quick_wealth(client.avg_3m, ws.policy.tiers),
        avg_3m=client.avg_3m,
        as_of=client.assets_as_of,
        maturing=tuple(maturing[:MATURING_SHOWN]),
        level=assessment.level if assessment else None,
        valid_until=valid_through(assessment, ws.policy) if assessment else None,
        assessment_valid=level is not None,
        recent=recent,
        suggestion=suggest(on_sale, level, amount, today),
        calls_today=calls_today,
        forecast=forecast,
        household=family,
        birthday=greeting,
        id_state=kyc.id_state(client.id_expiry, client.id_long_term, today, ws.policy.kyc.id_expiry_notice_days),
        id_expiry=client.id_expiry,
        why=why,
        referral_pending=pending,
        covering=only_covering,
    )
