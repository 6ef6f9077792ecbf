"""The whole client on one screen, revealing a full identity (audited), and editing contact details safely."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from csm_tui.domain.enums import Disposition, HoldingStatus, Tier
from csm_tui.domain.errors import DomainError
from csm_tui.domain.households import Household
from csm_tui.domain.models import (
    Appointment,
    Client,
    ClientSummary,
    ContactRecord,
    DailyBalance,
    Holding,
    Product,
    Referral,
    RiskAssessment,
    Task,
)
from csm_tui.domain.roles import CAPACITY_ROLES
from csm_tui.domain.typed import mobile_or_none, typed_mask
from csm_tui.domain.values import Sex
from csm_tui.rules import kyc
from csm_tui.rules.birthdays import Birthday, birthday
from csm_tui.rules.money_at_risk import TierForecast
from csm_tui.rules.offers import Offer, next_best_offers, profile
from csm_tui.rules.suitability import in_cooling_off, offer_level, valid_through
from csm_tui.rules.tiers import next_threshold, quick_wealth, reached, tier_of
from csm_tui.services.clients.referrals import wode_manager
from csm_tui.services.forecasts import tier_forecast
from csm_tui.services.leave import cover_owner
from csm_tui.services.phrase_check import PhrasesConfirmed, record_confirmed, said, screen
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import ClosedTask, Introduced, ProspectContactLine
from csm_tui.services.uncallable import close_uncallable
from csm_tui.services.workstation import Workstation

HISTORY_DAYS = 183  # the balance chart: six months
NEW_TIER_DAYS = 30  # "new 交银理财 client": crossed the threshold within this many days
TIMELINE = 200
CLOSED_TASKS = 50  # the tasks tab's closed tasks: the newest this many (the tab says so when there are more)


@dataclass(frozen=True)
class ClientDetail:
    client: Client
    age: int
    sex: Sex
    tier: Tier
    quick_wealth: bool  # 快捷理财: two free inter-bank withdrawals a month
    new_jiaoyin: bool  # crossed the 交银理财 threshold within NEW_TIER_DAYS
    balances: list[DailyBalance]
    holdings: list[tuple[Holding, Product | None]]
    assessment: RiskAssessment | None
    assessment_valid: bool
    valid_until: dt.date | None  # the assessment's, as the policy reads it today
    contacts: list[ContactRecord]
    tasks: list[Task]
    appointments: list[Appointment]
    referrals: list[Referral]
    staff_names: dict[int, str]
    offers: list[Offer]
    forecast: TierForecast | None = None  # the 3-month average falling below the tier, with its date
    household: Household | None = None
    birthday: Birthday | None = None
    id_state: kyc.IdState = kyc.IdState.UNKNOWN  # KYC: expired or expiring puts a badge on the page
    prospect_calls: list[ProspectContactLine] = field(default_factory=list)  # made while they were a prospect
    introduced: list[Introduced] = field(default_factory=list)  # whom they introduced (the credit)
    closed_tasks: list[ClosedTask] = field(default_factory=list)  # newest first, at most CLOSED_TASKS
    own: bool = False  # in one's own book (``ClientRepository.in_book``): its mobile copied, introductions recorded
    changeable: bool = True  # not a 沃德 referral still open to the reader (``ClientRepository.only_referred``)
    covering: bool = False  # seen only while covering the manager's leave (``ClientRepository.only_covering``)
    wode_managed: bool = False  # the manager a 沃德 client manager: never referred to 沃德 (``referrals.wode_manager``)
    # The sales the client may still cancel in full (``attempts.cancel_in_cooling_off``), by id: until when.
    cooling_off: dict[int, dt.datetime] = field(default_factory=dict)


def load(ws: Workstation, client_id: int) -> ClientDetail | ClientSummary:
    """The full client where the role allows it, else the OCRM summary (identity masked)."""
    today = ws.time.today()
    with ws.uow() as tx:
        try:
            client = tx.clients.get(client_id)
        except AccessDenied:
            summary = tx.clients.summary(client_id)
            if summary is None:
                raise LookupError(client_id) from None
            return summary
        as_of = client.assets_as_of or today
        first = as_of - dt.timedelta(days=HISTORY_DAYS - 1)
        balances = tx.balances.daily(client_id, first, as_of)
        holdings = [(h, tx.products.get(h.product_id)) for h in tx.holdings.for_client(client_id)]
        now = ws.time.now().datetime
        cooling_off = {
            sale.id: sale.cooling_off_until
            for sale in tx.sales.for_client(client_id)
            if sale.cooling_off_until is not None and in_cooling_off(sale, now)
        }
        assessment = tx.assessments.latest(client_id)
        earlier = as_of - dt.timedelta(days=NEW_TIER_DAYS)
        earlier_avg = tx.balances.average(client_id, earlier - dt.timedelta(days=91), earlier)
        referrals = tx.referrals.for_client(client_id)
        contacts = tx.contacts.for_client(client_id, limit=TIMELINE)
        prospect_calls = tx.prospects.history_of_client(client_id)  # as the contacts: whoever sees them in full
        introduced = tx.prospects.introductions(client_id)
        since, _ = ws.time.day_bounds(today - dt.timedelta(days=30))
        appointments = tx.appointments.for_client(client_id, since)
        tasks = tx.tasks.open_for_client(client_id)
        closed_tasks = tx.tasks.closed_for_client(client_id, CLOSED_TASKS)
        staff_ids = (
            {c.staff_id for c in contacts}
            | {r.from_staff_id for r in referrals}
            | {r.to_staff_id for r in referrals}
            | {c.closed_by for c in closed_tasks if c.closed_by is not None}
            | ({client.manager_id} if client.manager_id is not None else set())  # whom a covering colleague books for
        )
        names = {sid: s.name for sid in staff_ids if (s := tx.staff.get(sid)) is not None}
        on_sale = tx.products.on_sale(today)
        forecast = tier_forecast(tx, client, ws.policy, today)
        family = tx.households.household(client_id)
        greeting = birthday(client.resident_id.birth_date, tx.households.birthday_lunar(client_id), today)
        own = tx.clients.in_book(client_id)
        changeable = not tx.clients.only_referred(client_id)
        covering = tx.clients.only_covering(client_id)
        wode_managed = wode_manager(tx, client.manager_id) is not None
    held = [(h, p) for h, p in holdings if p is not None]
    level = offer_level(assessment, today, ws.policy)  # valid by the policy, as the 4S check reads it
    offers = next_best_offers(profile(client, held, level, today), on_sale, ws.policy.cross_sell)
    holdings.sort(key=lambda hp: (hp[0].status is not HoldingStatus.ACTIVE, hp[0].maturity_date or dt.date.max))
    return ClientDetail(
        client=client,
        age=client.age_on(today),
        sex=client.resident_id.sex,
        tier=tier_of(client.avg_3m, ws.policy.tiers),
        quick_wealth=quick_wealth(client.avg_3m, ws.policy.tiers),
        new_jiaoyin=reached(Tier.JIAOYIN, client.avg_3m, earlier_avg, ws.policy.tiers) and bool(balances),
        balances=balances,
        holdings=holdings,
        assessment=assessment,
        assessment_valid=level is not None,
        valid_until=valid_through(assessment, ws.policy) if assessment is not None else None,
        contacts=contacts,
        tasks=tasks,
        appointments=appointments,
        referrals=referrals,
        staff_names=names,
        offers=offers,
        forecast=forecast,
        household=family,
        birthday=greeting,
        id_state=kyc.id_state(client.id_expiry, client.id_long_term, today, ws.policy.kyc.id_expiry_notice_days),
        prospect_calls=prospect_calls,
        introduced=introduced,
        closed_tasks=closed_tasks,
        own=own,
        changeable=changeable,
        covering=covering,
        wode_managed=wode_managed,
        cooling_off=cooling_off,
    )


def reveal(ws: Workstation, client_id: int, reason: str, confirmed: PhrasesConfirmed | None = None) -> tuple[str, str]:
    """The full ID and mobile numbers, for a stated reason; the read is in the audit log (without the numbers).
    Refused (``ForbiddenPhrases``) while the reason holds a forbidden phrase that ``confirmed`` does not keep."""
    reason = said(reason)
    if not reason:
        raise DomainError("reason_required")
    hits = screen(ws, {"note": reason}, confirmed, entity="clients", entity_id=str(client_id))
    with ws.uow(write=True) as tx:
        client = tx.clients.get(client_id)
        if cover_owner(tx, ws, client.manager_id) is not None:
            raise AccessDenied(
                "client_cover"
            )  # covering a colleague's leave: the call card's number, never the full ID
        tx.audit.record("reveal", "clients", str(client_id), reason=reason)
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return str(client.resident_id), client.mobile or ""


def set_civil_capacity(
    ws: Workstation, client_id: int, capable: bool, reason: str, confirmed: PhrasesConfirmed | None = None
) -> Client:
    """Record that the client has (or no longer has) full civil capacity, for a stated reason: a supervisor (of the
    client's team) or an admin only, as they stand in the database now; the change and its reason are audited.
    Refused (``ForbiddenPhrases``) while the reason holds a forbidden phrase ``confirmed`` does not keep."""
    reason = said(reason)
    if not reason:
        raise DomainError("capacity_reason_required")
    hits = screen(ws, {"note": reason}, confirmed, entity="clients", entity_id=str(client_id))
    with ws.uow(write=True) as tx:
        actor = tx.staff.get(ws.staff.id)
        if actor is None or not actor.active or actor.role not in CAPACITY_ROLES:
            raise AccessDenied("civil_capacity")
        tx.clients.lock(client_id)
        before = tx.clients.get(client_id)
        if before.civil_capacity == capable:
            raise DomainError("nothing_changed")
        saved = tx.clients.set_civil_capacity(client_id, capable)
        tx.audit.record("client.civil_capacity", "clients", str(client_id), reason=reason, capable=capable)
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client_id))
        tx.commit()
    return saved


def edit(ws: Workstation, client: Client, confirmed: PhrasesConfirmed | None = None, **changes: Any) -> Client:
    """Save changed details of ``client`` as it was read; refused (ConcurrentEdit) if someone saved since, and while
    the note holds a forbidden phrase that ``confirmed`` does not keep (``phrase_check``).

    The edit form shows the mobile masked (the full number only through ``reveal``, audited): a mobile given as the
    stored one's masked form (``typed_mask``: any mask glyphs, a country code, spaces, full-width characters) is the
    number left as it was, never written over it; any other masked form is refused (``mobile_masked_other``), and
    any other text that is not a mainland mobile (``mobile_not_valid``; ``mobile_new_not_valid`` with none on file:
    there is no masked number to leave), in plain words. A stored mobile is never
    cleared (``mobile_required``): a wrong number is recorded with the call outcome "wrong number", not blanked
    here."""
    if "mobile" in changes and not str(changes["mobile"] or "").strip():
        changes = {**changes, "mobile": None}  # blank typed: no number (refused below if one is stored)
    mask = typed_mask(str(changes.get("mobile") or ""))
    if mask is not None:  # a masked form is the stored number left as it was, or no number at all
        if not client.mobile or mask != client.mobile.masked():
            raise DomainError("mobile_masked_other")
        changes = {name: value for name, value in changes.items() if name != "mobile"}
        if not changes:
            raise DomainError("nothing_changed")
    elif changes.get("mobile") is not None and mobile_or_none(str(changes["mobile"])) is None:
        raise DomainError("mobile_not_valid" if client.mobile else "mobile_new_not_valid")
    # The domain's rules (the one ID validator among them, birth dates up to today): a clear error.
    merged = Client.model_validate({**client.model_dump(), **changes}, context={"today": ws.time.today()})
    normalised = {name: getattr(merged, name) for name in changes}
    expiry = normalised.get("id_expiry")
    if expiry is not None and kyc.expiry_too_far(expiry, ws.time.today()):
        raise DomainError("id_expiry_far", years=kyc.ID_VALID_YEARS_MAX)
    erased = "id_expiry" in normalised and normalised["id_expiry"] is None and not merged.id_long_term
    if erased and client.id_expiry is not None:  # "not known" would lift an expired ID's refusal, no new ID seen
        raise DomainError("id_expiry_required")
    if normalised.get("id_long_term"):
        if kyc.long_term_impossible(merged.age_on(ws.time.today())):
            raise DomainError("id_long_term_young", age=merged.age_on(ws.time.today()), adult=kyc.LONG_TERM_FROM_AGE)
        normalised["id_expiry"] = None  # 长期: no expiry date
    if normalised.get("mobile") and normalised["mobile"] != client.mobile:
        normalised.setdefault("mobile_invalid", False)  # a newly entered number is taken as good
    texts = {"note": str(changes["note"] or "")} if "note" in changes else {}
    hits = screen(ws, texts, confirmed, entity="clients", entity_id=str(client.id))
    with ws.uow(write=True) as tx:
        if "mobile" in normalised and normalised["mobile"] is None and tx.clients.get(client.id).mobile:
            raise DomainError("mobile_required")  # as stored now, whatever ``client`` the caller passed
        saved = tx.clients.update(client.id, client.version, **normalised)
        if saved.phone_opt_out and not client.phone_opt_out:  # no longer called: nor for an event
            close_uncallable(ws, tx, client.id, Disposition.DO_NOT_CALL)
        elif saved.mobile_invalid and not client.mobile_invalid:
            close_uncallable(ws, tx, client.id, Disposition.WRONG_NUMBER)
        if set(kyc.FIELDS) & set(
            normalised
        ):  # the new ID seen: the queue's update-ID reason and the sale's refusal end
            tx.audit.record(
                "client.id_expiry", "clients", str(client.id), expiry=saved.id_expiry, long_term=saved.id_long_term
            )
        record_confirmed(tx, hits, confirmed, entity="clients", entity_id=str(client.id))
        tx.commit()
    return saved


def assets_gap(client: Client, tier: Tier, ws: Workstation) -> Decimal | None:
    """How far the 3-month average is from the next tier, or None at the top."""
    target = next_threshold(tier, ws.policy.tiers)
    return None if target is None else target - client.avg_3m
