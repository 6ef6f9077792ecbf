"""Read models: the rows the screens show, produced by aggregate queries in ``storage.views``."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from csm_tui.domain.enums import (
    AssetType,
    Channel,
    ChecklistMeasure,
    Disposition,
    Grade,
    InviteStatus,
    ProductCategory,
    ProspectCallKind,
    ProspectOutcome,
    QueueReason,
    ReferralStatus,
    RiskLevel,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)

if TYPE_CHECKING:  # the first screen reads these rows without loading pydantic
    from csm_tui.domain.models import Task


@dataclass(frozen=True, slots=True)
class ClosedTask:
    """A client's task that was done, skipped or cancelled, who closed it and, closed by a contact, its outcome
    (the contact recorded on the task, else the audit log's entry for the closing write; None when neither names
    anyone, as for a task imported already closed)."""

    task: Task
    closed_by: int | None
    outcome: Disposition | None = None


@dataclass(frozen=True, slots=True)
class ClientListRow:
    """A client in a list. ``own`` rows (one's book: managed, or a 沃德 client manager's accepted 沃德 referrals) and
    a supervisor's ``team`` rows are shown in full; the others only in the OCRM summary (masked)."""

    id: int
    number: str
    name: str
    masked_id: str
    masked_mobile: str
    avg_3m: Decimal
    assets_as_of: dt.date | None
    own: bool
    team: str = ""  # a supervisor's team's client: the name of the CSM who manages them
    born: dt.date | None = None  # own and team clients only (from the ID): their age tells two of one name apart

    @property
    def full(self) -> bool:
        """Shown in full: one's own, or a supervisor's team's (whom they see in full, the OCRM rule)."""
        return self.own or bool(self.team)


# The branch's data date before the latest balance import moved it on (branch_meta): "since the previous data date".
DATA_PREVIOUS_AS_OF = "data_previous_as_of"
ONE_DAY = dt.timedelta(days=1)

# Audit actions of looking up others' clients by a whole secret number: done, and refused for the hour's limit.
LOOKUP = "lookup"
LOOKUP_REFUSED = "lookup_refused"


class NumberKey(StrEnum):
    """Which of a client's secret numbers a whole number typed in search is."""

    MOBILE = "mobile"
    RESIDENT_ID = "resident_id"
    CARD = "card"
    ACCOUNT = "account"


@dataclass(frozen=True, slots=True)
class NumberMatch:
    """A client found by a whole secret number, and which of the client's numbers it is."""

    row: ClientListRow
    key: NumberKey


@dataclass(frozen=True, slots=True)
class LookupRefusal:
    """A staff member refused further look-ups of others' clients by whole number (the hour's limit reached)."""

    login: str
    name: str
    refusals: int
    last_at: dt.datetime


# The audit log's events of a 沃德 referral returned or released, with what it cancelled (``WodeEnding``), and of
# the client's CSM told of it (by them: once told, in any session, not told again).
WODE_RETURNED, WODE_RELEASED, WODE_TOLD = "referral.return", "referral.release", "referral.told"
WODE_ENDINGS = (WODE_RETURNED, WODE_RELEASED)


@dataclass(frozen=True, slots=True)
class WodeEnding:
    """A 沃德 referral of a CSM's client returned or released (``status``) by the 沃德 client manager named (or on
    their behalf, which that manager is told too: ``held``), and how many of the manager's open calls and coming
    meetings on the client it cancelled."""

    referral_id: int
    status: ReferralStatus
    client_name: str
    wealth_name: str
    note: str
    calls: int
    meetings: int
    by_name: str = ""  # who ended it on the 沃德 client manager's behalf (their supervisor, the admin), if not them
    held: bool = False  # told to the 沃德 client manager themself: a client of theirs released on their behalf


@dataclass(frozen=True, slots=True)
class DayFigures:
    """What a day's summary keeps (``services.checklist.summary_figures``)."""

    calls: int
    contacts: int
    sales: int
    service_callbacks_done: int  # 回访 made on the day
    meetings: int  # the day's meetings held or still on (not cancelled, not missed)


@dataclass(frozen=True, slots=True)
class Validity:
    """How long an assessment is valid by the policy, for the read models (the queue, the list of assessments due)
    to judge each one as the services do (``rules.suitability.valid_through``)."""

    months: int  # the policy's validity
    tz: str  # the branch's zone: an assessment's months count from the branch's date it was taken on

    def end(self, stored: dt.date, taken_at: dt.datetime) -> dt.date:
        """The last day of validity of an assessment recorded as valid until ``stored``, taken at ``taken_at``."""
        from csm_tui.rules.suitability import local_time, validity_end  # here: the first screen loads before the rules

        return validity_end(stored, local_time(taken_at, self.tz).date(), self.months)

    def ending_by(self, until: dt.date) -> dt.datetime:
        """The instant before which an assessment is taken to have ended by ``until`` whatever its stored end (the
        policy's months from the branch's date it was taken on reach no further): the read models pick by it and
        judge what they read with ``end``."""
        from csm_tui.rules.suitability import add_months, validity_end  # here, as in ``end``

        day = add_months(until, -self.months)
        while validity_end(dt.date.max, day + ONE_DAY, self.months) <= until:
            day += ONE_DAY
        return dt.datetime.combine(day + ONE_DAY, dt.time(), zoneinfo.ZoneInfo(self.tz)).astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class AssessmentDue:
    client_id: int
    client_name: str
    level: RiskLevel | None
    valid_until: dt.date | None


@dataclass(frozen=True, slots=True)
class SmsRow:
    """An SMS to send by hand: a follow-up, or the 回访 of a client who opted out of calls."""

    task_id: int
    client_id: int
    client_name: str
    masked_mobile: str
    kind: TaskKind
    due_on: dt.date
    note: str


@dataclass(frozen=True, slots=True)
class ProspectLine:
    """A prospect as their list shows them: the mobile in full to their own CSM only, where they came from (the
    event's name or the introducing client's), their calls so far and to come."""

    id: int
    name: str
    mobile: str  # masked unless the reader is the prospect's CSM
    manager_id: int
    event_name: str | None
    introducer: str | None  # the introducing client's name
    introducer_number: str | None
    created_at: dt.datetime
    stopped: ProspectOutcome | None
    converted_client_id: int | None
    last_contact_at: dt.datetime | None
    next_call_on: dt.date | None
    note: str = ""
    converted_number: str | None = None  # the client number of the client they became


@dataclass(frozen=True, slots=True)
class Introduced:
    """Someone a client introduced, as the client's page credits them: named only to whom may read the prospect's
    CSM's list (the prospect's own CSM, their supervisor, the admin), with the client number once a client."""

    name: str | None  # None: not the reader's to name (counted only)
    converted: bool
    client_number: str | None  # the client they became (None while a prospect)


@dataclass(frozen=True, slots=True)
class ProspectContactLine:
    """One call made to a prospect."""

    started_at: dt.datetime
    staff_name: str
    outcome: ProspectOutcome
    note: str


@dataclass(frozen=True, slots=True)
class ProspectCallDue:
    """A prospect's call due today in their CSM's queue (the queue's statement reads it with the rest)."""

    task_id: int | None  # None: a call made from the prospects list, none being due
    prospect_id: int
    name: str
    kind: ProspectCallKind
    due_on: dt.date
    due_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class QueueWindow:
    """The instants and dates that bound today's queue, worked out from the clock and the policy."""

    today: dt.date
    now: dt.datetime
    day_start: dt.datetime
    day_end: dt.datetime
    maturity_until: dt.date  # holdings maturing up to this day
    assessment_until: dt.date  # assessments expiring up to this day, of clients with holdings maturing by then
    confirm_start: dt.datetime  # appointments on the next working day
    confirm_end: dt.datetime
    quiet_since: dt.datetime  # a firm refusal since then keeps the client out
    settled_since: dt.datetime  # a client reached since then is not called again for a reason from the data
    contacted_since: dt.datetime  # a client contacted since then is no prospect
    idle_min: Decimal
    near_jiaoyin: tuple[Decimal, Decimal]  # [low, high) of the 3-month average
    near_wode: tuple[Decimal, Decimal]
    prospects: int  # how many prospects to look at, at most
    validity: Validity  # when an assessment ends, by the policy
    risk: RiskWindow | None = None  # money at risk (tier forecast, large outflows); None: not looked for
    greet: tuple[dt.date, dt.date] | None = None  # birthdays greeted today (first, last); None: none today
    id_expiry_until: dt.date | None = None  # IDs expiring up to this day (KYC); None: not looked for


@dataclass(frozen=True, slots=True)
class RiskWindow:
    """What the queue's money-at-risk reasons are judged by (``csm_tui.rules.money_at_risk``)."""

    through: dt.date  # the tier forecast looks up to this day
    arrives: dt.date  # the first day money can come in (the branch's today)
    jiaoyin: Decimal
    wode: Decimal
    outflow_share: Decimal
    outflow_floor: Decimal


@dataclass(frozen=True, slots=True)
class Retry:
    """A callback the cadence booked after unanswered calls (a retry of a retry too): the how-manyth call it is, and
    the task the first of those calls was made on (its kind and note; kind None: a call made with no task)."""

    attempt: int
    kind: TaskKind | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A reason to phone a client today, before the queue's rules are applied."""

    client_id: int
    client_name: str
    reason: QueueReason
    due_on: dt.date
    avg_3m: Decimal
    task_id: int | None = None
    due_at: dt.datetime | None = None
    note: str = ""  # the task's note
    product: str = ""  # the holding that matures
    on: dt.date | None = None  # when it matures; when the assessment expires; the forecast fall; the birthday
    amount: Decimal | None = None  # the sum that keeps the tier; the outflow
    threshold: Decimal | None = None  # the tier's threshold the 3-month average falls below
    retry: Retry | None = None  # a callback after unanswered calls: what it tries again


@dataclass(frozen=True, slots=True)
class QueueSources:
    candidates: list[Candidate]  # everything due today, from tasks and from the data
    prospects: list[Candidate]  # precision-marketing prospects, best first, to top the queue up
    excluded: frozenset[int]  # clients not to be phoned today (opted out, invalid number, quiet, cooling off, reached)
    calls_today: int  # calls made today by this CSM
    settled: frozenset[int] = frozenset()  # reached lately: reasons from the data (not tasks) are settled
    contacted: frozenset[int] = frozenset()  # contacted lately: not a prospect
    prospect_calls: list[ProspectCallDue] = field(default_factory=list)  # calls to people not clients yet
    pending: frozenset[int] = frozenset()  # a 沃德 client manager's: clients whose referral to them is still open
    leave_until: dt.date | None = None  # the last day of the CSM's leave begun by today that ends last
    covering: bool = False  # a leave today names the CSM as cover, still able to (whether they do: the policy's say)


@dataclass(frozen=True, slots=True)
class Progress:
    """An automatic checklist item's figure: ``done`` of ``total``; complete when nothing is left."""

    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done >= self.total


@dataclass(frozen=True, slots=True)
class DayWindow:
    """The instants a checklist day is judged by, in UTC: the day itself, the next working day, and now.

    For a past day ``now`` is the day's end, so its meetings are judged as the day ended.
    """

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    next_start: dt.datetime
    next_end: dt.datetime
    maturing_until: dt.date  # holdings maturing from ``day`` to this day count
    contacted_since: dt.datetime  # ... and their clients count as contacted from this instant

    @classmethod
    def of(
        cls, day: dt.date, now: dt.datetime, next_day: dt.date, lead_days: int,
        bounds: Callable[[dt.date], tuple[dt.datetime, dt.datetime]],
    ) -> DayWindow:  # fmt: skip
        """``day`` in UTC instants (``bounds``: where a branch day starts and the next one starts); "now" is the
        present for today and the day's end for a past day; ``next_day``: the next working day."""
        start, end = bounds(day)
        next_start, next_end = bounds(next_day)
        return cls(
            day=day,
            start=start,
            end=end,
            now=min(max(now, start), end),
            next_start=next_start,
            next_end=next_end,
            maturing_until=day + dt.timedelta(days=lead_days),
            contacted_since=bounds(day - dt.timedelta(days=lead_days))[0],
        )


@dataclass(frozen=True, slots=True)
class ShelfRow:
    """A product on sale, with what its terms were when this staff member last read them."""

    product_id: int
    code: str
    name: str
    category: ProductCategory
    rating: int | None
    term_days: int | None
    expected_yield: Decimal | None
    min_amount: Decimal
    sale_start: dt.date | None
    sale_end: dt.date | None
    dual_recording: bool
    cooling_off_hours: int
    listed_on: dt.date | None
    read_fingerprint: str | None
    read_at: dt.datetime | None
    private_placement: bool = False
    asset_type: AssetType | None = None  # a wealth product's (资管新规), which sets a private placement's minimum


@dataclass(frozen=True, slots=True)
class AgendaRow:
    appointment_id: int
    client_id: int
    client_name: str
    starts_at: dt.datetime
    minutes: int
    purpose: str
    place: str
    status: str


ChecklistCounts = dict[ChecklistMeasure, Progress]


class ClientFocus(StrEnum):
    """Client lists the checklist opens: who is left for an item."""

    MATURING_UNREACHED = "maturing_unreached"  # a product maturing soon, not contacted yet
    NO_NEXT_CONTACT = "no_next_contact"  # contacted today, no next contact agreed


@dataclass(frozen=True, slots=True)
class TaskExportRow:
    """A task as a CSM's exported list holds it: the client's identity masked, times as stored (UTC)."""

    client_number: str
    client_name: str
    masked_id: str
    masked_mobile: str
    staff_login: str
    kind: TaskKind
    due_on: dt.date
    due_at: dt.datetime | None
    status: TaskStatus
    origin: TaskOrigin
    origin_id: int | None
    note: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ContactExportRow:
    """A contact record (服务记录) in an exported list: the client's identity masked."""

    client_number: str
    client_name: str
    masked_mobile: str
    channel: Channel
    started_at: dt.datetime
    duration_s: int
    disposition: Disposition
    satisfaction: int | None
    feedback: str
    note: str


# --- the scoreboard -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoreWindow:
    """What bounds a quarter's figures, worked out from the clock, the calendar and the policy."""

    year: int
    quarter: int
    start: dt.datetime  # the quarter's first instant (UTC)
    end: dt.datetime  # the next quarter's first instant
    now: dt.datetime  # a 回访 is due once its window has passed
    first_day: dt.date  # the quarter's first local day
    last_day: dt.date  # its last day, or today while it runs
    assets_before: dt.date | None  # the 3-month averages kept at this day (the eve of the quarter); None: no data
    assets_after: dt.date | None  # kept at the quarter's end; None: the clients' current averages (as of T+2)
    jiaoyin: Decimal  # the 交银理财 threshold
    callback_days: int  # 回访 within this many days of the sale
    recording_exempt: tuple[ProductCategory, ...]  # categories sold without 双录
    utc_offset_s: int  # the branch's offset from UTC, to tell a sale's local day


@dataclass(frozen=True, slots=True)
class CsmRow:
    """A CSM as the scoreboard names them: staff names only."""

    id: int
    login: str
    name: str
    grade: Grade
    outlet_id: int | None
    outlet: str
    supervisor_id: int | None
    started_on: dt.date | None = None  # first day on staff (None: before any record)
    left_on: dt.date | None = None  # last day on staff (None: still on staff)

    def on_staff(self, first: dt.date, last: dt.date) -> bool:
        """On staff on at least one day from ``first`` to ``last``."""
        return (self.started_on is None or self.started_on <= last) and (self.left_on is None or self.left_on >= first)


@dataclass(frozen=True, slots=True)
class QuarterRaw:
    """A CSM's quarter as counted by the aggregate queries, before it becomes the indicators' measures."""

    sales: dict[ProductCategory, Decimal] = field(default_factory=dict)
    regular_plans: int = 0
    calls: int = 0
    contacts: int = 0
    callbacks_due: int = 0
    callbacks_on_time: int = 0
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    wode_accepted: int = 0
    breaches: int = 0
    mystery_sum: int = 0
    mystery_count: int = 0
    qualifications: int = 0
    training_minutes: int = 0
    events_held: int = 0
    assets_before: Decimal | None = None  # sum of the managed clients' 3-month averages before the quarter
    assets_after: Decimal | None = None
    new_jiaoyin: int = 0


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """One record an indicator counts, for the drill-down: when, which client (or what), what, how much."""

    day: dt.date | None
    client: str
    item: str
    value: str


@dataclass(frozen=True, slots=True)
class Invitee:
    """One line of an event's list at the door. ``mobile`` is whole only for a client the reader may see in full
    (``own``); everyone sees the masked one."""

    invitation_id: int
    client_id: int
    staff_id: int  # the manager who calls them
    staff_name: str
    number: str
    name: str
    initials: str
    mobile: str
    masked_mobile: str
    status: InviteStatus
    attended: bool
    followed_up: bool
    own: bool


@dataclass(frozen=True, slots=True)
class EventSale:
    """A featured product sold to an attendee of an event."""

    client_id: int
    product_id: int
    amount: Decimal
    sold_at: dt.datetime
