"""What every part of the demo builder shares: the random stream, the writer, the policy and its rules, the
branch's dates and working days, and what is drawn so far (staff, shelf, each CSM's clients)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import arrow
from faker import Faker

from csm_tui.clock import BranchTime, Clock
from csm_tui.domain import models
from csm_tui.domain.enums import Grade, ProductCategory, TaskOrigin, Tier
from csm_tui.domain.values import ResidentId, from_fen
from csm_tui.policy import Calendar, Policy
from csm_tui.rules.cadence import Cadence
from csm_tui.rules.tiers import average_window
from storage.demo.writer import Writer

T = TypeVar("T")

DATA_LAG_DAYS = 2  # bank data arrives T+2
HISTORY_MONTHS = 18
STAFF_DAYS = 900  # everyone on staff since this many days ago, before the drawn history
BALANCE_MONTHS = 6
HISTORY_QUIET_DAYS = 15  # the last fortnight's contacts come from the CSMs' current work
WORK_START = 9 * 60  # minutes after local midnight
WORK_END = 17 * 60 + 30
YUAN = 100  # fen


class Weighted(Generic[T]):
    """A fixed weighted choice, drawn many times."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum_weights = list(itertools.accumulate(weight for _, weight in pairs))

    def draw(self, rng: random.Random) -> T:
        return self.values[bisect_right(self.cum_weights, rng.random() * self.cum_weights[-1])]


class WorkingDays:
    """The branch's working days around today, and instants within their working hours."""

    def __init__(self, calendar: Calendar, first: dt.date, last: dt.date) -> None:
        self._tz = ZoneInfo(calendar.tz)
        span = (last - first).days + 1
        self._days = [d for d in (first + dt.timedelta(n) for n in range(span)) if calendar.is_working_day(d)]

    def _range(self, first: dt.date, last: dt.date) -> tuple[int, int]:
        return bisect_left(self._days, first), bisect_right(self._days, last)

    def pick(self, rng: random.Random, first: dt.date, last: dt.date) -> dt.date | None:
        lo, hi = self._range(first, last)
        return self._days[rng.randrange(lo, hi)] if lo < hi else None

    def sample(self, rng: random.Random, first: dt.date, last: dt.date, k: int) -> list[dt.date]:
        """Up to ``k`` distinct working days in ``first``..``last``, in order."""
        lo, hi = self._range(first, last)
        return [self._days[i] for i in sorted(rng.sample(range(lo, hi), min(k, hi - lo)))]

    def back(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day before ``day``."""
        return self._days[bisect_left(self._days, day) - n]

    def ahead(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day``."""
        return self._days[bisect_right(self._days, day) + n - 1]

    def at(self, day: dt.date, minute: int, second: int = 0) -> dt.datetime:
        """The UTC instant of a branch-local time of day."""
        local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, second), tzinfo=self._tz)
        return local.astimezone(dt.UTC)

    def local_day(self, at: dt.datetime) -> dt.date:
        """The branch's date at an instant."""
        return at.astimezone(self._tz).date()

    def during_work(
        self, rng: random.Random, day: dt.date, last: int = WORK_END, first: int = WORK_START
    ) -> dt.datetime:
        return self.at(day, rng.randrange(first, last), rng.randrange(60))


@dataclass(frozen=True)
class Product:
    id: int
    code: str
    name: str
    category: ProductCategory
    rating: int  # the higher of issuer and seller rating; 0 for deposits
    term_days: int | None
    min_fen: int
    sale_start: dt.date
    sale_end: dt.date | None
    dual_recording: bool
    cooling_off_hours: int
    private: bool
    model: models.Product  # as the 4S check reads it


@dataclass(frozen=True)
class Csm:
    id: int
    outlet_id: int
    grade: Grade
    staff: models.Staff  # with their certificates, as the 4S check reads the salesperson


@dataclass(frozen=True)
class Assessment:
    id: int
    taken_at: dt.datetime
    taken_on: dt.date
    valid_until: dt.date
    level: int
    lowest: bool
    model: models.RiskAssessment  # as the 4S check reads it


@dataclass
class DemoClient:
    """What the later steps need to know of a client; money in fen."""

    id: int
    manager: Csm | None
    age: int
    tier: Tier
    average: int
    balance: int
    capable: bool
    phone_ok: bool
    sms_ok: bool
    sms_opt_out: bool
    mobile_invalid: bool
    phone_opt_out: bool
    room: int  # what active holdings may still take of today's balance
    identity: tuple[str, str, str]  # client number, name, resident ID
    outlet_id: int
    id_expiry: dt.date | None = None  # KYC: the ID's last valid day (None: long-term)
    id_long_term: bool = False
    employer: str = ""  # the company paying the salary through the bank (代发工资单位)
    securities_custody: bool = False  # 银证转账
    last_decided: dt.date | None = None  # the day of the client's latest suitability record
    assessments: list[Assessment] = field(default_factory=list)
    sales: list[models.Sale] = field(default_factory=list)  # what the 4S check counts with a new purchase
    _model: models.Client | None = None

    def model(self, as_of: dt.date) -> models.Client:
        """The client as the 4S check reads them (the figures as of ``as_of``), built when first needed."""
        if self._model is None:
            number, name, resident_id = self.identity
            self._model = models.Client(
                id=self.id, number=number, name=name, resident_id=ResidentId(resident_id),
                manager_id=self.manager.id if self.manager else None, outlet_id=self.outlet_id,
                civil_capacity=self.capable, balance=from_fen(self.balance), avg_3m=from_fen(self.average),
                assets_as_of=as_of, id_expiry=self.id_expiry, id_long_term=self.id_long_term,
            )  # fmt: skip
        return self._model

    def forget_model(self) -> None:
        """The client's data changed: the 4S check reads them anew."""
        self._model = None


class Maturing(NamedTuple):
    """An active holding that matures within the reminder lead time; money in fen."""

    id: int
    client: DemoClient
    product: Product
    amount: int
    maturity: dt.date


class Origin(NamedTuple):
    """What raised a task, and when."""

    kind: TaskOrigin
    id: int | None
    at: dt.datetime


class Branch:
    """The shared state of one build, drawn from one seed and dated from the clock's today."""

    def __init__(self, writer: Writer, clock: Clock, policy: Policy, seed: int) -> None:
        self.w = writer
        self.policy = policy
        self.cadence = Cadence(policy)
        self.rng = random.Random(seed)
        self.seed = seed
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        branch = BranchTime(clock, policy.calendar.tz)
        local_now = branch.local_now()
        self.now = clock.now().datetime
        self.now_minute = local_now.hour * 60 + local_now.minute
        self.today = branch.today()
        self.as_of = self.today - dt.timedelta(days=DATA_LAG_DAYS)
        self.history_first = shift_months(self.today, -HISTORY_MONTHS)
        self.staff_since = self.today - dt.timedelta(days=STAFF_DAYS)
        self.days = WorkingDays(policy.calendar, self.staff_since, self.today + dt.timedelta(days=60))
        first_balance_day = shift_months(self.as_of, -BALANCE_MONTHS) + dt.timedelta(days=1)
        self.balance_days = [
            first_balance_day + dt.timedelta(n) for n in range((self.as_of - first_balance_day).days + 1)
        ]
        average_first, _ = average_window(self.as_of)
        self.average_days = (self.as_of - average_first).days + 1
        self.outlets: dict[int, models.Outlet] = {}
        self.csms: list[Csm] = []
        self.wealth_managers: list[int] = []
        self.referrers: list[int] = []
        self.products: list[Product] = []
        self.pools: dict[int, list[DemoClient]] = {}
        self.maturing: dict[int, list[Maturing]] = {}
        self.recent_sales: Counter[int] = Counter()
        self.admin_id = 0
        self.mobiles: set[str] = set()  # every client's, so that a prospect's is none of them
        self.newcomers: list[DemoClient] = []  # clients not yet given a manager
        self.missed: dict[tuple[int, dt.date], list[dt.datetime]] = {}  # calls not answered, by client and day


class Part:
    """One part of the builder: it reads the branch's shared state through these names."""

    def __init__(self, branch: Branch) -> None:
        b = branch
        self.branch = b
        self.w, self.policy, self.cadence, self.rng, self.fake, self.days = (
            b.w,
            b.policy,
            b.cadence,
            b.rng,
            b.fake,
            b.days,
        )
        self.now, self.now_minute, self.today, self.as_of = b.now, b.now_minute, b.today, b.as_of
        self.history_first, self.staff_since = b.history_first, b.staff_since
        self.outlets, self.csms, self.products, self.pools = b.outlets, b.csms, b.products, b.pools
        self.maturing, self.recent_sales = b.maturing, b.recent_sales
        self.balance_days, self.average_days = b.balance_days, b.average_days


@functools.lru_cache(maxsize=4096)
def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier if negative), kept within the month."""
    return arrow.Arrow.fromdate(day).shift(months=months).date()
