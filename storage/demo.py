"""The demo branch: a believable, deterministic branch to try the workstation on.

``build_demo`` fills a fresh database (schema at head) with three outlets, staff of every role, thirty products and
the requested number of clients, each with accounts, six months of daily balances (as spans), holdings, risk
assessments, sales with their suitability records and 18 months of contacts; and it gives every CSM a working day:
tasks overdue, due today and ahead, appointments today and on the next working day, referrals. Everything is drawn
from one seed and dated from the branch's today, so one seed, size and clock give one database. Rows go in through
SQLAlchemy Core, in batches, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import random
import zoneinfo
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar, cast
from zoneinfo import ZoneInfo

import arrow
from faker import Faker
from sqlalchemy import Connection, Engine, Table, func, insert, select
from stdnum import luhn
from stdnum.cn import ric

from csm_tui.clock import BranchTime, Clock
from csm_tui.domain.enums import (
    AccountKind,
    AppointmentStatus,
    Channel,
    Disposition,
    Grade,
    HoldingStatus,
    ProductCategory,
    QualificationKind,
    ReferralKind,
    ReferralStatus,
    Role,
    SuitabilityOutcome,
    TaskKind,
    TaskOrigin,
    TaskStatus,
    Tier,
)
from csm_tui.domain.values import from_fen
from csm_tui.policy import Calendar, Policy
from csm_tui.rules import working_days
from csm_tui.rules.cadence import Cadence, ContactState, NextTask
from csm_tui.rules.tiers import average_window, daily_average, tier_of
from storage import audit, score_tallies
from storage.demo_households import add_households_and_risks, risk_figures
from storage.engine import SQLITE_BEGIN
from storage.orm import (
    AccountRow,
    AppointmentRow,
    AssessmentRow,
    BalanceSpanRow,
    Base,
    ClientRow,
    ContactRow,
    HoldingRow,
    MetaRow,
    OutletRow,
    ProductRow,
    QualificationRow,
    ReferralRow,
    SaleRow,
    StaffRow,
    SuitabilityRow,
    TaskRow,
    column_defaults,
)
from storage.repositories import name_initials

T = TypeVar("T")

BATCH_ROWS = 10_000
DATA_LAG_DAYS = 2  # bank data arrives T+2
HISTORY_MONTHS = 18
STAFF_DAYS = 900  # everyone on staff since this many days ago, before the drawn history
BALANCE_MONTHS = 6
HISTORY_QUIET_DAYS = 15  # the last fortnight's contacts come from the CSMs' current work
WORK_START = 9 * 60  # minutes after local midnight
WORK_END = 17 * 60 + 30
YUAN = 100  # fen

BRANCH_NAME = "交通银行上海某支行"
OUTLETS = (("SH001", "徐汇营业部"), ("SH002", "漕溪路支行"), ("SH003", "田林支行"))
CSM_RANGE = (6, 20)
CLIENTS_PER_CSM = 250
UNASSIGNED_SHARE = 0.03  # new clients not yet given a manager

# Area codes never reassigned, so stdnum accepts them with any birth year; Shanghai's weigh three times.
AREA_CODES = (
    *("310101", "310104", "310105", "310106", "310107", "310109", "310110") * 3,
    *("110105", "110108", "330122", "340121", "350121", "360121", "430121", "510121"),
)
MOBILE_PREFIXES = ("135", "136", "138", "139", "150", "151", "158", "186", "187", "189")
DISTRICTS = ("徐汇区", "徐汇区", "长宁区", "静安区", "黄浦区", "闵行区", "浦东新区")
ROADS = (
    *("漕溪北路", "田林路", "宜山路", "虹桥路", "肇嘉浜路", "天钥桥路", "龙华西路", "桂林路", "钦州路", "中山西路"),
    *("凯旋路", "华山路", "衡山路", "斜土路", "零陵路", "柳州路", "虹漕路", "古美路", "莲花路", "吴中路"),
)
RETIRED = "退休"
CARD_PREFIXES = {  # issuer prefix and length; the last digit is a Luhn check digit
    AccountKind.DEBIT_CARD: ("622262", 19),
    AccountKind.PAYROLL_CARD: ("622260", 19),
    AccountKind.CREDIT_CARD: ("521899", 16),
}
SAVINGS_PREFIX = "3100"


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


_C = ProductCategory
ALWAYS = (-730, None)
PRODUCTS = (
    _Spec("DP03M", "整存整取3个月", _C.DEPOSIT, None, 91, "1.10", 50, ALWAYS),
    _Spec("DP06M", "整存整取6个月", _C.DEPOSIT, None, 182, "1.30", 50, ALWAYS),
    _Spec("DP01Y", "整存整取1年", _C.DEPOSIT, None, 365, "1.45", 50, ALWAYS),
    _Spec("DP03Y", "整存整取3年", _C.DEPOSIT, None, 1095, "1.75", 50, ALWAYS),
    _Spec("CD01Y", "大额存单1年", _C.DEPOSIT, None, 365, "1.65", 200_000, ALWAYS),
    _Spec("CD03Y", "大额存单3年", _C.DEPOSIT, None, 1095, "2.25", 200_000, ALWAYS),
    _Spec("WM030", "得利宝·稳添利30天", _C.WEALTH, (1, 1), 30, "2.00", 10_000, ALWAYS),
    _Spec("WM063", "得利宝·稳添利63天", _C.WEALTH, (2, 2), 63, "2.35", 10_000, ALWAYS),
    _Spec("WM091", "得利宝·悦享91天", _C.WEALTH, (2, 3), 91, "2.60", 10_000, ALWAYS),
    _Spec("WM182", "得利宝·悦享182天", _C.WEALTH, (2, 2), 182, "2.95", 50_000, (-330, -20)),
    _Spec("WM181", "得利宝·增盈6个月", _C.WEALTH, (3, 3), 181, "3.13", 50_000, (-3, 11)),
    _Spec("WM365", "得利宝·增盈1年", _C.WEALTH, (3, 3), 365, "3.96", 50_000, (-5, 9)),
    _Spec("WM270", "得利宝·睿远9个月", _C.WEALTH, (4, 4), 270, "4.20", 50_000, ALWAYS),
    _Spec("WM180", "得利宝·进取180天", _C.WEALTH, (3, 4), 180, "3.60", 50_000, (-420, -60)),
    _Spec("WM091N", "得利宝·悦享91天(新一期)", _C.WEALTH, (2, 2), 91, "2.65", 10_000, (4, 14)),
    _Spec("PP365", "私银尊享·权益精选1号(私募)", _C.WEALTH, (5, 5), 365, "4.50", 1_000_000, ALWAYS, True),
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
QUALIFICATION_FOR = {
    _C.WEALTH: QualificationKind.WEALTH_BASIC,
    _C.BOND: QualificationKind.WEALTH_BASIC,
    _C.METAL: QualificationKind.WEALTH_BASIC,
    _C.FUND: QualificationKind.FUND,
    _C.INSURANCE: QualificationKind.INSURANCE,
}
R5_QUALIFICATIONS = (QualificationKind.AFP, QualificationKind.CFP, QualificationKind.EFP)
ELDERLY_MAX_RATING = 3  # the demo sells nothing riskier to clients of the policy's elderly age

_D = Disposition
NOTES: dict[Disposition, tuple[str, ...]] = {
    _D.INTERESTED: ("客户对得利宝理财有兴趣,考虑几天", "客户询问基金定投,表示再考虑", "客户有存款到期,关注新发理财"),
    _D.APPOINTMENT: ("约客户到网点面谈资产配置", "约客户面谈养老规划"),
    _D.AGREED_TO_BUY: ("客户同意购买,约到网点办理", "客户决定认购新发理财"),
    _D.POLITE_DECLINE: ("客户表示暂不需要,过段时间再联系", "客户资金近期另有安排"),
    _D.FIRM_DECLINE: ("客户明确拒绝,态度不耐烦", "客户表示不考虑任何理财"),
    _D.NO_ANSWER: ("无人接听", "响铃无人接听"),
    _D.BUSY: ("客户正忙,约定时间回电", "客户在开会,稍后再联系"),
    _D.WRONG_NUMBER: ("号码有误,接听者非本人",),
    _D.DO_NOT_CALL: ("客户要求不再电话营销",),
    _D.SERVICE_DONE: ("购买后回访,客户满意", "客户维护,了解近期资金需求", "到期提醒,客户已知悉"),
    _D.INFORMED: ("发送理财到期提醒", "发送新发产品信息", "节日问候"),
}
FEEDBACK: dict[Disposition, tuple[str, ...]] = {
    _D.INTERESTED: ("收益比存款高一些", "想先和家人商量", "担心有风险"),
    _D.POLITE_DECLINE: ("资金要用于买房", "已在他行购买理财", "近期没有闲钱"),
    _D.FIRM_DECLINE: ("不要再打了", "对理财没兴趣"),
    _D.SERVICE_DONE: ("服务很好", "希望到期前提醒", "手续有点多"),
    _D.AGREED_TO_BUY: ("收益还可以", "相信客户经理的推荐"),
}
APPOINTMENT_PURPOSES = ("资产配置面谈", "理财到期再投资", "养老保险规划", "基金定投开户", "风险测评")
WALK_IN_REASONS = ("客户在柜台咨询基金定投", "大额存款到期,有理财意向", "客户咨询教育金保险", "客户询问国债发行")
WODE_REASONS = ("日均资产达到沃德标准", "客户资产大幅增加,建议升级沃德服务")
RETURN_REASONS = ("客户仅办理业务,暂无理财需求", "客户暂不愿更换客户经理")
RISK_WARNING = "理财非存款、投资有风险"
ELDERLY_WARNING = "老年客户风险提示"

GRADE_LOAD = {Grade.SENIOR: 1.5, Grade.CSM: 1.0, Grade.ASSISTANT: 0.6}  # relative size of a CSM's pool
ASSESSED_SHARE = {Tier.WODE: 0.95, Tier.JIAOYIN: 0.85, Tier.ORDINARY: 0.2}
DEPOSIT_SHARE = {Tier.WODE: 0.8, Tier.JIAOYIN: 0.6, Tier.ORDINARY: 0.25}
SALES_PER_TIER = {Tier.WODE: (2, 6), Tier.JIAOYIN: (0, 4), Tier.ORDINARY: (0, 2)}
APPETITE_BONUS = {Tier.WODE: 0.5, Tier.JIAOYIN: 0.2, Tier.ORDINARY: 0.0}


class DemoExists(Exception):
    """The database already holds a branch."""


@dataclass(frozen=True)
class DemoSummary:
    """Rows written, per table."""

    clients: int
    staff: int
    products: int
    contacts: int
    tasks: int
    outlets: int
    staff_qualifications: int
    accounts: int
    balance_spans: int
    holdings: int
    appointments: int
    risk_assessments: int
    suitability_records: int
    sales: int
    referrals: int


def build_demo(
    engine: Engine,
    clock: Clock,
    *,
    clients: int = 3000,
    seed: int = 1,
    policy: Policy | None = None,
    csms: int | None = None,
) -> DemoSummary:
    """Fill a fresh database (schema at head) with a demo branch of ``clients`` clients, in one transaction.

    ``csms`` managers share the clients (by default one per 250 clients, at least 6 and at most 20). Raises DemoExists
    when the staff table is not empty. Deterministic per seed, size, managers and clock.
    """
    policy = policy or Policy()
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if conn.scalar(select(StaffRow.id).limit(1)) is not None:
                raise DemoExists
            writer = _Writer(conn)
            builder = _Builder(writer, clock, policy, seed)
            csms = csms or min(CSM_RANGE[1], max(CSM_RANGE[0], clients // CLIENTS_PER_CSM))
            builder.build(clients, csms)
            writer.flush()
            writer.advance_sequences()
            writer.counts["balance_spans"] += add_households_and_risks(
                conn, policy, seed, builder.today, builder.as_of, builder.now
            )
            _write_meta(conn, builder.as_of, seed, clients, csms)
            offset = builder.now.astimezone(zoneinfo.ZoneInfo(policy.calendar.tz)).utcoffset() or dt.timedelta(0)
            score_tallies.rebuild(conn, int(offset.total_seconds()))  # the scoreboard's tallies of these records
            detail = {"clients": clients, "seed": seed}
            audit.append(conn, clock.now().datetime, None, [("demo.build", "branch", "", detail)])
    return DemoSummary(**{f.name: writer.counts[f.name] for f in fields(DemoSummary)})


def _write_meta(conn: Connection, as_of: dt.date, seed: int, clients: int, csms: int) -> None:
    facts = {
        "is_demo": "1",
        "branch_name": BRANCH_NAME,
        "data_as_of": as_of.isoformat(),
        "demo_seed": str(seed),
        "demo_clients": str(clients),
        "demo_csms": str(csms),
    }
    conn.execute(insert(MetaRow), [{"key": key, "value": value} for key, value in facts.items()])


class _Writer:
    """Buffers rows and inserts them in batches, parent tables first; assigns ids so rows can point at each other.

    Rows are keyed by column name: money columns (``*_fen``) take Decimal yuan, which the Fen type converts.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.counts: Counter[str] = Counter()
        self._pending: dict[Table, list[dict[str, Any]]] = {t: [] for t in Base.metadata.sorted_tables}
        self._defaults = {t: column_defaults(t) for t in self._pending}
        self._next_id: dict[Table, int] = {}
        self._size = 0

    def add(self, row: type[Base], **values: Any) -> int:
        table = cast(Table, row.__table__)
        if table not in self._next_id:
            self._next_id[table] = (self.conn.scalar(select(func.max(table.c.id))) or 0) + 1
        new_id = self._next_id[table]
        self._next_id[table] = new_id + 1
        self._pending[table].append({**self._defaults[table], **values, "id": new_id})
        self._size += 1
        if self._size >= BATCH_ROWS:
            self.flush()
        return new_id

    def flush(self) -> None:
        for table, rows in self._pending.items():
            if rows:
                self.conn.execute(insert(table), rows)
                self.counts[table.name] += len(rows)
                self._pending[table] = []
        self._size = 0

    def advance_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids written here, so later inserts don't collide."""
        if self.conn.dialect.name != "postgresql":
            return
        for table in self._next_id:
            sequence = func.pg_get_serial_sequence(table.name, "id")
            self.conn.execute(select(func.setval(sequence, select(func.max(table.c.id)).scalar_subquery())))


class _Weighted(Generic[T]):
    """A fixed weighted choice, drawn many times."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum_weights = list(itertools.accumulate(weight for _, weight in pairs))

    def draw(self, rng: random.Random) -> T:
        return self.values[bisect_right(self.cum_weights, rng.random() * self.cum_weights[-1])]


CHANNELS = _Weighted([(Channel.PHONE, 70), (Channel.SMS, 12), (Channel.WECHAT, 10), (Channel.VISIT, 8)])
OUTCOMES = {
    Channel.PHONE: _Weighted(
        [
            (_D.INTERESTED, 14),
            (_D.APPOINTMENT, 6),
            (_D.AGREED_TO_BUY, 4),
            (_D.POLITE_DECLINE, 18),
            (_D.FIRM_DECLINE, 5),
            (_D.NO_ANSWER, 22),
            (_D.BUSY, 6),
            (_D.SERVICE_DONE, 14),
        ]
    ),
    Channel.SMS: _Weighted([(_D.INFORMED, 1)]),
    Channel.WECHAT: _Weighted([(_D.INFORMED, 6), (_D.INTERESTED, 2), (_D.SERVICE_DONE, 2)]),
    Channel.VISIT: _Weighted([(_D.SERVICE_DONE, 8), (_D.INTERESTED, 5), (_D.AGREED_TO_BUY, 4), (_D.POLITE_DECLINE, 3)]),
}
SATISFACTION = _Weighted([(5, 60), (4, 33), (3, 7)])
PAST_APPOINTMENT = _Weighted(
    [(AppointmentStatus.DONE, 70), (AppointmentStatus.NO_SHOW, 15), (AppointmentStatus.CANCELLED, 15)]
)
CLOSED_REFERRAL = _Weighted([(ReferralStatus.ACCEPTED, 75), (ReferralStatus.RETURNED, 25)])


class _Days:
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

    def during_work(self, rng: random.Random, day: dt.date, last: int = WORK_END) -> dt.datetime:
        return self.at(day, rng.randrange(WORK_START, last), rng.randrange(60))


@dataclass(frozen=True)
class _Product:
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

    def on_sale(self, day: dt.date) -> bool:
        return self.sale_start <= day and (self.sale_end is None or day <= self.sale_end)


@dataclass(frozen=True)
class _Csm:
    id: int
    outlet_id: int
    grade: Grade
    qualifications: dict[QualificationKind, tuple[dt.date, dt.date | None]]

    def holds(self, kind: QualificationKind, day: dt.date) -> bool:
        span = self.qualifications.get(kind)
        return span is not None and span[0] <= day and (span[1] is None or day <= span[1])

    def may_sell(self, product: _Product, day: dt.date) -> bool:
        if not self.holds(QUALIFICATION_FOR[product.category], day):
            return False
        return product.rating < 5 or any(self.holds(kind, day) for kind in R5_QUALIFICATIONS)


@dataclass(frozen=True)
class _Assessment:
    id: int
    taken_at: dt.datetime
    taken_on: dt.date
    valid_until: dt.date
    level: int
    lowest: bool

    @property
    def max_rating(self) -> int:
        return 1 if self.lowest else self.level


@dataclass
class _Client:
    """What the later steps need to know of a client; money in fen."""

    id: int
    manager: _Csm | None
    age: int
    tier: Tier
    average: int
    balance: int
    capable: bool
    phone_ok: bool
    sms_ok: bool
    mobile_invalid: bool
    phone_opt_out: bool
    room: int  # what active holdings may still take of today's balance
    assessments: list[_Assessment] = field(default_factory=list)


class _Maturing(NamedTuple):
    """An active holding that matures within the reminder lead time; money in fen."""

    id: int
    client: _Client
    product: _Product
    amount: int
    maturity: dt.date


class _Origin(NamedTuple):
    """What raised a task, and when."""

    kind: TaskOrigin
    id: int | None
    at: dt.datetime


class _Builder:
    """Draws the branch step by step from one random stream, handing rows to the writer."""

    def __init__(self, writer: _Writer, clock: Clock, policy: Policy, seed: int) -> None:
        self.w = writer
        self.policy = policy
        self.cadence = Cadence(policy)
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        branch = BranchTime(clock, policy.calendar.tz)
        local_now = branch.local_now()
        self.now = clock.now().datetime
        self.now_minute = local_now.hour * 60 + local_now.minute
        self.today = branch.today()
        self.as_of = self.today - dt.timedelta(days=DATA_LAG_DAYS)
        self.history_first = _shift_months(self.today, -HISTORY_MONTHS)
        self.staff_since = self.today - dt.timedelta(days=STAFF_DAYS)
        self.days = _Days(policy.calendar, self.staff_since, self.today + dt.timedelta(days=60))
        first_balance_day = _shift_months(self.as_of, -BALANCE_MONTHS) + dt.timedelta(days=1)
        self.balance_days = [
            first_balance_day + dt.timedelta(n) for n in range((self.as_of - first_balance_day).days + 1)
        ]
        average_first, _ = average_window(self.as_of)
        self.average_days = (self.as_of - average_first).days + 1
        self.outlets: dict[int, str] = {}
        self.csms: list[_Csm] = []
        self.wealth_managers: list[int] = []
        self.referrers: list[int] = []
        self.products: list[_Product] = []
        self.pools: dict[int, list[_Client]] = {}
        self.maturing: dict[int, list[_Maturing]] = {}
        self.recent_sales: Counter[int] = Counter()
        self._initials: dict[str, str] = {}
        self._resident_ids: set[str] = set()
        self._mobiles: set[str] = set()

    def build(self, clients: int, csms: int) -> None:
        self._outlets_and_staff(csms)
        self._products()
        for client in self._clients(clients):
            self._portfolio(client)
            self._contact_history(client)
        for csm in self.csms:
            self._working_day(csm)
            self._referrals(csm)

    # --- staff and shelf ---------------------------------------------------------------------------------------

    def _outlets_and_staff(self, csm_count: int) -> None:
        for code, name in OUTLETS:
            self.outlets[self.w.add(OutletRow, code=code, name=name, sells_wealth=True)] = name
        outlet_ids = list(self.outlets)
        self._person("admin", Role.ADMIN)
        supervisors = [
            self._person(f"sup{k:02d}", Role.SUPERVISOR, outlet_id, quals=(QualificationKind.WEALTH_BASIC,))
            for k, outlet_id in enumerate(outlet_ids, 1)
        ]
        wealth_quals = (QualificationKind.WEALTH_BASIC, QualificationKind.FUND, QualificationKind.CFP)
        self.wealth_managers = [
            self._person(f"wm{k:02d}", Role.WEALTH_MANAGER, outlet_ids[k - 1], supervisors[k - 1], quals=wealth_quals)
            for k in (1, 2)
        ]
        self.referrers = [
            self._person("lobby01", Role.LOBBY, outlet_ids[0], supervisors[0]),
            self._person("teller01", Role.TELLER, outlet_ids[0], supervisors[0]),
        ]
        for k in range(1, csm_count + 1):
            at = (k - 1) % len(outlet_ids)
            grade = _grade(k)
            staff_id = self._person(f"csm{k:02d}", Role.CSM, outlet_ids[at], supervisors[at], grade=grade)
            self.csms.append(_Csm(staff_id, outlet_ids[at], grade, self._csm_qualifications(k, staff_id)))
            self.pools[staff_id] = []
            self.maturing[staff_id] = []

    def _person(
        self,
        login: str,
        role: Role,
        outlet_id: int | None = None,
        supervisor_id: int | None = None,
        *,
        grade: Grade | None = None,
        quals: Sequence[QualificationKind] = (),
    ) -> int:
        staff_id = self.w.add(
            StaffRow,
            login=login,
            name=self.fake.unique.name(),
            role=role.value,
            grade=None if grade is None else grade.value,
            outlet_id=outlet_id,
            supervisor_id=supervisor_id,
            started_on=self.staff_since,
        )
        for kind in quals:
            self._qualify(staff_id, kind, self._years_ago(2, 10), None)
        return staff_id

    def _csm_qualifications(self, k: int, staff_id: int) -> dict[QualificationKind, tuple[dt.date, dt.date | None]]:
        """All hold the basic certificate; csm01 holds AFP; csm02's basic one expires soon; csm03's fund one lapsed."""
        rng, today = self.rng, self.today
        soon = today + dt.timedelta(days=rng.randint(5, 25))
        lapsed = today - dt.timedelta(days=rng.randint(20, 60))
        quals: dict[QualificationKind, tuple[dt.date, dt.date | None]] = {
            QualificationKind.WEALTH_BASIC: (self._years_ago(1, 9), soon if k == 2 else None)
        }
        if k in (1, 3) or rng.random() < 0.5:
            quals[QualificationKind.FUND] = (self._years_ago(2, 8), lapsed if k == 3 else None)
        if k == 1 or rng.random() < 0.6:
            quals[QualificationKind.INSURANCE] = (self._years_ago(1, 5), today + dt.timedelta(rng.randint(90, 900)))
        if k == 1:
            quals[QualificationKind.AFP] = (self._years_ago(3, 4), today + dt.timedelta(rng.randint(200, 700)))
        for kind, (obtained, expires) in quals.items():
            self._qualify(staff_id, kind, obtained, expires)
        return quals

    def _qualify(self, staff_id: int, kind: QualificationKind, obtained: dt.date, expires: dt.date | None) -> None:
        number = f"{kind.value[:2].upper()}{self.rng.randrange(10**9):09d}"
        self.w.add(
            QualificationRow,
            staff_id=staff_id,
            kind=kind.value,
            number=number,
            obtained_on=obtained,
            expires_on=expires,
        )

    def _years_ago(self, least: int, most: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(least * 365, most * 365))

    def _products(self) -> None:
        exempt = self.policy.suitability.dual_recording_exempt
        for spec in PRODUCTS:
            opens, closes = spec.window
            sale_start = self.today + dt.timedelta(days=opens)
            sale_end = None if closes is None else self.today + dt.timedelta(days=closes)
            issuer, seller = spec.ratings or (None, None)
            dual = spec.category is not ProductCategory.DEPOSIT and spec.category not in exempt
            cooling = self.policy.suitability.cooling_off_hours if spec.private else 0
            name = spec.name.format(year=self.today.year)
            product_id = self.w.add(
                ProductRow,
                code=spec.code,
                name=name,
                category=spec.category.value,
                issuer_rating=issuer,
                seller_rating=seller,
                term_days=spec.term_days,
                expected_yield=None if spec.expected_yield is None else Decimal(spec.expected_yield),
                min_amount_fen=from_fen(spec.min_yuan * YUAN),
                sale_start=sale_start,
                sale_end=sale_end,
                dual_recording=dual,
                cooling_off_hours=cooling,
                private_placement=spec.private,
                listed_on=sale_start,
            )
            self.products.append(
                _Product(
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
                )
            )

    # --- clients -------------------------------------------------------------------------------------------------

    def _clients(self, count: int) -> Iterator[_Client]:
        """The clients, each written with its balances and accounts as it is drawn."""
        fake, rng = self.fake, self.rng
        surnames = [fake.last_name() for _ in range(300)]
        given = [fake.first_name() for _ in range(1500)]
        jobs = [fake.job() for _ in range(150)]
        managers = _Weighted([(csm, rng.uniform(0.7, 1.3) * GRADE_LOAD[csm.grade]) for csm in self.csms])
        for index, number in enumerate(rng.sample(range(10**9, 10**10), count)):
            name = rng.choice(surnames) + rng.choice(given)
            manager = None if rng.random() < UNASSIGNED_SHARE else managers.draw(rng)
            occupation = rng.choice(jobs)
            yield self._client(index, f"C{number}", name, occupation, manager)

    def _client(self, index: int, number: str, name: str, occupation: str, manager: _Csm | None) -> _Client:
        rng = self.rng
        target = self._target_average()
        mode = 55 if target >= self.policy.tiers.wode * YUAN else 45
        born = self.today - dt.timedelta(days=int(rng.triangular(20.02, 85.98, mode) * 365.2425))
        age = _age(born, self.today)
        spans, balance, total = self._balance_spans(target)
        average = daily_average(total, self.average_days)
        flags = {
            "mobile_invalid": rng.random() < 0.01,
            "phone_opt_out": rng.random() < 0.02,
            "sms_opt_out": rng.random() < 0.015,
            "civil_capacity": rng.random() >= (0.12 if age >= 78 else 0.001),
        }
        client_id = self.w.add(
            ClientRow,
            number=number,
            name=name,
            name_initials=self._name_initials(name),
            resident_id=self._resident_id(born),
            mobile=self._mobile(),
            address=_address(rng),
            occupation=RETIRED if age >= 60 and rng.random() < 0.85 else occupation,
            manager_id=manager.id if manager else None,
            outlet_id=manager.outlet_id if manager else rng.choice(list(self.outlets)),
            balance_fen=from_fen(balance),
            avg_3m_fen=average,
            assets_as_of=self.as_of,
            **risk_figures(
                [(self.balance_days[f], self.balance_days[la], from_fen(fen)) for f, la, fen in spans], self.as_of
            ),
            **flags,
        )
        for first, last, fen in spans:
            self.w.add(
                BalanceSpanRow,
                client_id=client_id,
                first_day=self.balance_days[first],
                last_day=self.balance_days[last],
                balance_fen=from_fen(fen),
            )
        self._accounts(client_id, index, born)
        client = _Client(
            id=client_id,
            manager=manager,
            age=age,
            tier=tier_of(average, self.policy.tiers),
            average=int(average * YUAN),
            balance=balance,
            capable=flags["civil_capacity"],
            phone_ok=not (flags["phone_opt_out"] or flags["mobile_invalid"]),
            sms_ok=not (flags["sms_opt_out"] or flags["mobile_invalid"]),
            mobile_invalid=flags["mobile_invalid"],
            phone_opt_out=flags["phone_opt_out"],
            room=balance * 9 // 10,
        )
        if manager:
            self.pools[manager.id].append(client)
        return client

    def _target_average(self) -> int:
        """A 3-month average in fen: about 60% ordinary, 33% 交银理财, 7% 沃德; a few just under each threshold."""
        rng, tiers = self.rng, self.policy.tiers
        jiaoyin, wode, near = int(tiers.jiaoyin * YUAN), int(tiers.wode * YUAN), float(tiers.near_share)
        draw = rng.random()
        if draw < 0.585:
            amount = jiaoyin
            while amount >= jiaoyin * near:
                amount = int(rng.lognormvariate(math.log(6_000 * YUAN), 1.3))
            return max(amount, 100 * YUAN)
        if draw < 0.60:
            return int(jiaoyin * rng.uniform(near, 0.99))
        if draw < 0.915:
            return int(jiaoyin * 1.02 * 8.8 ** (rng.random() ** 1.8))
        if draw < 0.93:
            return int(wode * rng.uniform(near, 0.99))
        return int(wode * 1.02 * 20 ** (rng.random() ** 2.5))

    def _balance_spans(self, target: int) -> tuple[list[tuple[int, int, int]], int, int]:
        """Spans (first and last day index, fen) over the balance window, a random walk scaled so that the 3-month
        average is near ``target``; with today's balance and the 3-month sum of daily balances, in fen."""
        rng, days = self.rng, len(self.balance_days)
        starts = [0, *sorted(rng.sample(range(1, days), rng.randint(4, 10)))]
        ends = [start - 1 for start in starts[1:]] + [days - 1]
        window_first = days - self.average_days
        levels = [math.exp(step) for step in itertools.accumulate(rng.gauss(0.0, 0.2) for _ in starts)]
        overlap = [max(0, end - max(start, window_first) + 1) for start, end in zip(starts, ends, strict=True)]
        shape = sum(level * n for level, n in zip(levels, overlap, strict=True)) / self.average_days
        fens = [round(level * target / shape) for level in levels]
        total = sum(fen * n for fen, n in zip(fens, overlap, strict=True))
        return list(zip(starts, ends, fens, strict=True)), fens[-1], total

    def _name_initials(self, name: str) -> str:
        if name not in self._initials:
            self._initials[name] = name_initials(name)
        return self._initials[name]

    def _resident_id(self, born: dt.date) -> str:
        """A new valid number: area code, birth date, sequence (its parity the sex) and the check character."""
        while True:
            body = f"{self.rng.choice(AREA_CODES)}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            number = body + ric.calc_check_digit(body + "0")  # it ignores the last character
            if number not in self._resident_ids:
                self._resident_ids.add(number)
                return number

    def _mobile(self) -> str:
        while True:
            number = f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if number not in self._mobiles:
                self._mobiles.add(number)
                return number

    def _accounts(self, client_id: int, index: int, born: dt.date) -> None:
        rng = self.rng
        kinds = [AccountKind.PAYROLL_CARD if rng.random() < 0.25 else AccountKind.DEBIT_CARD]
        if rng.random() < 0.4:
            kinds.append(AccountKind.SAVINGS)
        if rng.random() < 0.25:
            kinds.append(AccountKind.CREDIT_CARD)
        earliest = max(born + dt.timedelta(days=18 * 366), self.today - dt.timedelta(days=20 * 365))
        span = max(1, (self.today - dt.timedelta(days=30) - earliest).days)
        for kind in kinds:
            self.w.add(
                AccountRow,
                client_id=client_id,
                number=self._account_number(kind, index),
                kind=kind.value,
                opened_on=earliest + dt.timedelta(days=rng.randrange(span)),
            )

    def _account_number(self, kind: AccountKind, index: int) -> str:
        """Unique by kind and client index: 16- or 19-digit cards with a Luhn digit, 17-digit savings accounts."""
        if kind is AccountKind.SAVINGS:
            return f"{SAVINGS_PREFIX}{index:07d}{self.rng.randrange(10**6):06d}"
        prefix, length = CARD_PREFIXES[kind]
        filler = length - len(prefix) - 7 - 1
        body = f"{prefix}{index:07d}{self.rng.randrange(10**filler):0{filler}d}"
        return body + luhn.calc_check_digit(body)

    # --- assessments, sales, holdings ----------------------------------------------------------------------------

    def _portfolio(self, c: _Client) -> None:
        if c.average >= 10_000 * YUAN:
            self._deposits(c)
        if c.manager is None or not c.capable or self.rng.random() >= ASSESSED_SHARE[c.tier]:
            return
        self._assess(c)
        self._sales_history(c)

    def _deposits(self, c: _Client) -> None:
        """Time deposits opened at the counter: most maturing within 90 days, some matured."""
        rng = self.rng
        if rng.random() >= DEPOSIT_SHARE[c.tier]:
            return
        deposits = [p for p in self.products if p.category is ProductCategory.DEPOSIT]
        for _ in range(rng.randint(1, 2)):
            product = rng.choice(deposits)
            amount = int(c.balance * rng.uniform(0.1, 0.4)) // (1000 * YUAN) * (1000 * YUAN)
            active = rng.random() < 0.7
            if not amount or amount < product.min_fen or (active and amount > c.room):
                continue
            maturity = self.today + dt.timedelta(days=rng.randint(0, 90) if active else -rng.randint(1, 180))
            start = maturity - dt.timedelta(days=product.term_days or 365)
            self._hold(c, product, amount, start, maturity, None)

    def _hold(
        self, c: _Client, p: _Product, amount: int, start: dt.date, maturity: dt.date | None, sale_id: int | None
    ) -> None:
        status = HoldingStatus.ACTIVE
        if maturity is not None and maturity < self.today:
            status = HoldingStatus.MATURED
        elif maturity is None and self.rng.random() < 0.15:
            status = HoldingStatus.REDEEMED
        holding_id = self.w.add(
            HoldingRow,
            client_id=c.id,
            product_id=p.id,
            amount_fen=from_fen(amount),
            start_date=start,
            maturity_date=maturity,
            status=status.value,
            sale_id=sale_id,
        )
        if status is HoldingStatus.ACTIVE:
            c.room -= amount
            lead = dt.timedelta(days=self.policy.calls.maturity_lead_days)
            if c.manager and maturity is not None and maturity <= self.today + lead:
                self.maturing[c.manager.id].append(_Maturing(holding_id, c, p, amount, maturity))

    def _assess(self, c: _Client) -> None:
        """One or two assessments, the first face to face; some have lapsed, some lapse within a month."""
        assert c.manager is not None
        rng = self.rng
        days_ago = rng.randint(1, 460)
        taken = [self.days.back(self.today - dt.timedelta(days=days_ago - 1), 1)]
        if days_ago < 330 and rng.random() < 0.4:
            taken.insert(0, self.days.back(taken[0] - dt.timedelta(days=rng.randint(365, 430)), 1))
        appetite = self._appetite(c)
        for k, day in enumerate(taken):
            answers, score = _answers(rng, appetite)
            lowest = answers["s2"] == "B"
            level = 1 if lowest else int(self.policy.assessment.level_for(score))
            taken_at = self.days.during_work(rng, day, last=16 * 60)
            valid_until = _shift_months(day, self.policy.assessment.validity_months)
            assessment_id = self.w.add(
                AssessmentRow,
                client_id=c.id,
                staff_id=c.manager.id,
                taken_at=taken_at,
                answers=answers,
                score=score,
                level=level,
                lowest_category=lowest,
                face_to_face=k == 0,
                valid_until=valid_until,
            )
            c.assessments.append(_Assessment(assessment_id, taken_at, day, valid_until, level, lowest))

    def _appetite(self, c: _Client) -> float:
        """The client's typical answer (0 = A … 4 = E): bolder with wealth, more careful with age."""
        appetite = self.rng.gauss(1.9, 0.8) + APPETITE_BONUS[c.tier]
        return appetite - 0.6 if c.age >= self.policy.assessment.elderly_age else appetite

    def _sales_history(self, c: _Client) -> None:
        """Sales within the client's assessments' validity; one attempt in twenty is blocked."""
        rng = self.rng
        attempts = []
        for _ in range(rng.randint(*SALES_PER_TIER[c.tier])):
            a = rng.choice(c.assessments)
            last = min(a.valid_until, self.today - dt.timedelta(days=1))
            day = self.days.pick(rng, max(a.taken_on, self.history_first), last)
            if day is not None:
                attempts.append((day, a))
        for day, a in sorted(attempts, key=lambda attempt: attempt[0]):
            if rng.random() < 0.05:
                self._blocked(c, a, day)
            else:
                self._sell(c, a, day)

    def _sale_time(self, a: _Assessment, day: dt.date) -> dt.datetime:
        if day == a.taken_on:
            return a.taken_at + dt.timedelta(minutes=self.rng.randint(20, 60))
        return self.days.during_work(self.rng, day)

    def _sell(self, c: _Client, a: _Assessment, day: dt.date, among: Sequence[_Product] | None = None) -> bool:
        """A suitable sale (of one of ``among``, if given) with its suitability record, holding and 回访;
        False when nothing suits."""
        assert c.manager is not None
        product = self._suitable_product(c, c.manager, a, day, self.products if among is None else among)
        if product is None:
            return False
        amount = self._sale_amount(c, product)
        maturity = None if product.term_days is None else day + dt.timedelta(days=product.term_days)
        if (maturity is None or maturity >= self.today) and amount > c.room:
            return False
        at = self._sale_time(a, day)
        suitability_id = self._suitability(c, a, product, amount, at, SuitabilityOutcome.SOLD)
        cooling = dt.timedelta(hours=product.cooling_off_hours)
        sale_id = self.w.add(
            SaleRow,
            client_id=c.id,
            staff_id=c.manager.id,
            outlet_id=c.manager.outlet_id,
            product_id=product.id,
            amount_fen=from_fen(amount),
            sold_at=at,
            suitability_id=suitability_id,
            cooling_off_until=at + cooling if cooling else None,
        )
        self._hold(c, product, amount, day, maturity, sale_id)
        self._service_callback(c, _Origin(TaskOrigin.SALE, sale_id, at), day)
        return True

    def _suitable_product(
        self, c: _Client, csm: _Csm, a: _Assessment, day: dt.date, among: Sequence[_Product]
    ) -> _Product | None:
        """A product on sale that the client may buy (level, age, proportion) and the CSM may sell."""
        ceiling = a.max_rating
        if c.age >= self.policy.assessment.elderly_age:
            ceiling = min(ceiling, ELDERLY_MAX_RATING)
        affordable = int(c.average * self.policy.suitability.max_share_of_assets)
        eligible = [
            p
            for p in among
            if p.category in SALE_WEIGHTS
            and p.rating <= ceiling
            and p.min_fen <= affordable
            and p.on_sale(day)
            and csm.may_sell(p, day)
        ]
        if not eligible:
            return None
        return self.rng.choices(eligible, weights=[SALE_WEIGHTS[p.category] for p in eligible])[0]

    def _sale_amount(self, c: _Client, p: _Product) -> int:
        """5–30% of the client's assets in round hundreds or thousands of yuan, at least the product's minimum."""
        if p.private:
            return p.min_fen
        unit = 1000 * YUAN if p.min_fen >= 10_000 * YUAN else 100 * YUAN
        return max(p.min_fen, int(c.average * self.rng.uniform(0.05, 0.3)) // unit * unit)

    def _blocked(self, c: _Client, a: _Assessment, day: dt.date) -> None:
        """An attempt the system stopped: the product is rated above the client's level."""
        above = [p for p in self.products if p.category in SALE_WEIGHTS and p.rating > a.max_rating and p.on_sale(day)]
        if above:
            product = self.rng.choice(above)
            amount = max(product.min_fen, c.average // 10 // (1000 * YUAN) * (1000 * YUAN))
            self._suitability(c, a, product, amount, self._sale_time(a, day), SuitabilityOutcome.BLOCKED)

    def _suitability(
        self, c: _Client, a: _Assessment, p: _Product, amount: int, at: dt.datetime, outcome: SuitabilityOutcome
    ) -> int:
        """The kept record of a decision: a snapshot of client, assessment and product, and the checks."""
        assert c.manager is not None
        sold = outcome is SuitabilityOutcome.SOLD
        warnings = [RISK_WARNING, ELDERLY_WARNING] if c.age >= self.policy.assessment.elderly_age else [RISK_WARNING]
        detail: dict[str, Any] = {
            "client_level": f"C{a.level}",
            "lowest_category": a.lowest,
            "age": c.age,
            "assessment_valid_until": a.valid_until.isoformat(),
            "product_code": p.code,
            "product_rating": f"R{p.rating}",
            "checks": {"risk_match": sold, "assessment_valid": True, "salesperson_qualified": True, "outlet": True},
            "warnings": warnings if sold else [],
        }
        if not sold:
            detail["reason"] = "rating_above_level"
        recording = f"DR{at:%Y%m%d}{self.rng.randrange(10**6):06d}" if sold and p.dual_recording else ""
        return self.w.add(
            SuitabilityRow,
            client_id=c.id,
            staff_id=c.manager.id,
            outlet_id=c.manager.outlet_id,
            product_id=p.id,
            amount_fen=from_fen(amount),
            assessment_id=a.id,
            outcome=outcome.value,
            created_at=at,
            recording_ref=recording,
            detail=detail,
        )

    def _service_callback(self, c: _Client, sale: _Origin, sold_on: dt.date) -> None:
        """The 回访, due the working day after a sale: done for most, still open for the latest few."""
        assert c.manager is not None
        rng = self.rng
        if sold_on >= self.today - dt.timedelta(days=self.policy.calls.service_callback_days):
            self.recent_sales[c.manager.id] += 1
        due = self.days.ahead(sold_on, 1)
        if due >= self.today or (due >= self.days.back(self.today, 3) and rng.random() < 0.3):
            self._task(c, c.manager.id, TaskKind.SERVICE_CALLBACK, due, sale)
            return
        call_day = min(self.days.ahead(sold_on, rng.randint(1, 4)), self.days.back(self.today, 1))
        self._done_by_call(c, c.manager.id, TaskKind.SERVICE_CALLBACK, due, sale, call_day)

    # --- contacts and tasks --------------------------------------------------------------------------------------

    def _contact(
        self,
        c: _Client,
        staff_id: int,
        channel: Channel,
        disposition: Disposition,
        at: dt.datetime,
        task_id: int | None = None,
    ) -> int:
        rng = self.rng
        duration = 0
        if channel is Channel.PHONE and disposition not in (Disposition.NO_ANSWER, Disposition.BUSY):
            duration = rng.randint(60, 300)
        elif channel is Channel.VISIT:
            duration = rng.randint(15, 60) * 60
        feedback = FEEDBACK.get(disposition)
        return self.w.add(
            ContactRow,
            client_id=c.id,
            staff_id=staff_id,
            channel=channel.value,
            started_at=at,
            duration_s=duration,
            disposition=disposition.value,
            note=rng.choice(NOTES[disposition]),
            feedback=rng.choice(feedback) if feedback and rng.random() < 0.6 else "",
            satisfaction=SATISFACTION.draw(rng) if disposition is Disposition.SERVICE_DONE else None,
            task_id=task_id,
        )

    def _task(
        self,
        c: _Client,
        staff_id: int,
        kind: TaskKind,
        due_on: dt.date,
        origin: _Origin,
        *,
        due_at: dt.datetime | None = None,
        note: str = "",
        closed_at: dt.datetime | None = None,
    ) -> int:
        return self.w.add(
            TaskRow,
            client_id=c.id,
            staff_id=staff_id,
            kind=kind.value,
            due_on=due_on,
            due_at=due_at,
            status=(TaskStatus.OPEN if closed_at is None else TaskStatus.DONE).value,
            origin=origin.kind.value,
            origin_id=origin.id,
            note=note,
            created_at=origin.at,
            closed_at=closed_at,
        )

    def _done_by_call(
        self, c: _Client, staff_id: int, kind: TaskKind, due: dt.date, origin: _Origin, day: dt.date, note: str = ""
    ) -> None:
        """A task closed by a service call on ``day``."""
        at = self.days.during_work(self.rng, day)
        task_id = self._task(c, staff_id, kind, due, origin, note=note, closed_at=at)
        self._contact(c, staff_id, Channel.PHONE, Disposition.SERVICE_DONE, at, task_id)

    def _next_task(self, c: _Client, disposition: Disposition, day: dt.date) -> NextTask | None:
        """The first task the call cadence leaves after an outcome on ``day``: the history keeps days, not hours, so
        a missed or busy call is tried again the next working day; a polite decline leaves its SMS, where allowed."""
        if disposition in (Disposition.NO_ANSWER, Disposition.BUSY):
            return NextTask(TaskKind.CALLBACK, self.cadence.next_working_day_after(day))
        if disposition is Disposition.INTERESTED or (disposition is Disposition.POLITE_DECLINE and c.sms_ok):
            state = ContactState(sms_opt_out=not c.sms_ok)
            return self.cadence.after_contact(disposition, self.days.at(day, WORK_START), state).tasks[0]
        return None

    def _contact_history(self, c: _Client) -> None:
        """3–8 contacts over 18 months; a task an outcome leaves is done by the next contact, by its due day."""
        if c.manager is None:
            return
        rng, staff_id = self.rng, c.manager.id
        days = self.days.sample(
            rng, self.history_first, self.today - dt.timedelta(HISTORY_QUIET_DAYS), rng.randint(3, 8)
        )
        if c.mobile_invalid:  # the number was found wrong lately
            days[-1] = self.days.back(self.today, rng.randint(1, 3))
        pending: tuple[TaskKind, dt.date, _Origin] | None = None
        for k, sampled in enumerate(days):
            day = sampled if pending is None else min(sampled, pending[1])
            channel, disposition = self._history_outcome(c, pending, last=k == len(days) - 1)
            at = self.days.during_work(rng, day)
            task_id = None
            if pending is not None:
                kind, due, origin = pending
                task_id = self._task(c, staff_id, kind, due, origin, closed_at=at)
            contact = _Origin(TaskOrigin.CONTACT, self._contact(c, staff_id, channel, disposition, at, task_id), at)
            follow = self._next_task(c, disposition, day)
            pending = None if follow is None else (follow.kind, follow.due_on, contact)
            if disposition is Disposition.WRONG_NUMBER:
                note = "核实客户手机号码"
                self._task(c, staff_id, TaskKind.VERIFY_NUMBER, self.days.ahead(day, 1), contact, note=note)

    def _history_outcome(
        self, c: _Client, pending: tuple[TaskKind, dt.date, _Origin] | None, *, last: bool
    ) -> tuple[Channel, Disposition]:
        """A channel and outcome; a pending SMS is sent, a pending call is made; opt-outs end the history."""
        if last and c.mobile_invalid:
            return Channel.PHONE, Disposition.WRONG_NUMBER
        if last and c.phone_opt_out:
            return Channel.PHONE, Disposition.DO_NOT_CALL
        if pending is not None:
            channel = Channel.SMS if pending[0] is TaskKind.SMS else Channel.PHONE
        else:
            channel = CHANNELS.draw(self.rng)
            if channel is Channel.SMS and not c.sms_ok:
                channel = Channel.PHONE
        return channel, OUTCOMES[channel].draw(self.rng)

    # --- the CSM's working day -----------------------------------------------------------------------------------

    def _working_day(self, csm: _Csm) -> None:
        """Today's queue: callbacks, follow-ups, SMS, appointments and their confirmations, maturities, 回访."""
        rng = self.rng
        reachable = [c for c in self.pools[csm.id] if c.phone_ok and c.capable]
        clients = iter(rng.sample(reachable, min(len(reachable), 45)))
        if not self.recent_sales[csm.id]:  # so that every CSM has a 回访 to make
            self._recent_sale(csm, self.days.back(self.today, rng.randint(1, 3)))
        # A private placement sold yesterday, still in its cooling-off period (by a CSM qualified for R5).
        self._recent_sale(csm, self.days.back(self.today, 1), [p for p in self.products if p.private])
        plan: tuple[tuple[Callable[[_Csm, _Client, dt.date], None], list[dt.date]], ...] = (
            (self._callback, self._spread(today=(3, 6), overdue=(1, 3), ahead=(2, 4))),
            (self._follow_up, self._spread(today=(1, 3), overdue=(0, 2), ahead=(1, 2))),
            (self._sms, self._spread(today=(0, 2), overdue=(0, 1), ahead=(0, 1))),
            (self._appointment, self._appointment_days()),
        )
        for handler, days in plan:
            for day, c in zip(days, clients, strict=False):
                handler(csm, c, day)
        self._calls_so_far(csm, clients)
        for holding in self.maturing[csm.id]:
            self._maturity_task(csm, holding)

    def _spread(self, *, today: tuple[int, int], overdue: tuple[int, int], ahead: tuple[int, int]) -> list[dt.date]:
        """Due days: some today, some in the last working days, some in the coming ones."""
        rng, days = self.rng, self.days
        return (
            [self.today] * rng.randint(*today)
            + [days.back(self.today, rng.randint(1, 3)) for _ in range(rng.randint(*overdue))]
            + [days.ahead(self.today, rng.randint(1, 5)) for _ in range(rng.randint(*ahead))]
        )

    def _appointment_days(self) -> list[dt.date]:
        """Some past weeks' appointments, one or two today, a few on the next working day and after."""
        rng, days = self.rng, self.days
        return (
            [days.back(self.today, rng.randint(1, 40)) for _ in range(rng.randint(3, 6))]
            + [self.today] * rng.randint(1, 2)
            + [days.ahead(self.today, 1)] * rng.randint(1, 3)
            + [days.ahead(self.today, rng.randint(2, 5)) for _ in range(rng.randint(0, 2))]
        )

    def _earlier_call(self, csm: _Csm, c: _Client, due: dt.date, back: int, disposition: Disposition) -> _Origin:
        """The call, ``back`` working days before ``due`` (and before today), that led to a task."""
        at = self.days.during_work(self.rng, self.days.back(min(due, self.today), back))
        return _Origin(TaskOrigin.CONTACT, self._contact(c, csm.id, Channel.PHONE, disposition, at), at)

    def _callback(self, csm: _Csm, c: _Client, due: dt.date) -> None:
        """A call to return: at a time the busy client named, or after no answer."""
        if self.rng.random() < 0.5:
            origin = self._earlier_call(csm, c, due, self.rng.randint(1, 2), Disposition.BUSY)
            due_at = self.days.at(due, WORK_START + 30 * self.rng.randint(1, 15))
            self._task(c, csm.id, TaskKind.CALLBACK, due, origin, due_at=due_at, note="客户约定时间回电")
        else:
            origin = self._earlier_call(csm, c, due, self.rng.randint(1, 2), Disposition.NO_ANSWER)
            self._task(c, csm.id, TaskKind.CALLBACK, due, origin, note="上次未接通,再次致电")

    def _follow_up(self, csm: _Csm, c: _Client, due: dt.date) -> None:
        origin = self._earlier_call(csm, c, due, self.policy.calls.interested_days, Disposition.INTERESTED)
        self._task(c, csm.id, TaskKind.FOLLOW_UP, due, origin, note="客户有意向,跟进")

    def _sms(self, csm: _Csm, c: _Client, due: dt.date) -> None:
        if c.sms_ok:
            origin = self._earlier_call(csm, c, due, 5, Disposition.POLITE_DECLINE)
            self._task(c, csm.id, TaskKind.SMS, due, origin, note="婉拒一周后发送产品短信")

    def _appointment(self, csm: _Csm, c: _Client, day: dt.date) -> None:
        """An appointment booked by phone: past ones happened (or not), upcoming ones get a confirmation task."""
        rng = self.rng
        booking = self._earlier_call(csm, c, day, rng.randint(2, 5), Disposition.APPOINTMENT)
        starts_at = self.days.at(day, WORK_START + 30 * rng.randint(1, 14))
        confirm_day = self.days.back(day, self.policy.calls.appointment_confirm_days_before)
        status = AppointmentStatus.BOOKED
        if day < self.today:
            status = PAST_APPOINTMENT.draw(rng)
        elif day == self.today and rng.random() < 0.6:
            status = AppointmentStatus.CONFIRMED
        confirmed = status in (AppointmentStatus.CONFIRMED, AppointmentStatus.DONE, AppointmentStatus.NO_SHOW)
        appointment_id = self.w.add(
            AppointmentRow,
            client_id=c.id,
            staff_id=csm.id,
            starts_at=starts_at,
            minutes=rng.choice((30, 45, 60)),
            purpose=rng.choice(APPOINTMENT_PURPOSES),
            place=f"{self.outlets[csm.outlet_id]}理财室",
            status=status.value,
            confirmed_at=self.days.during_work(rng, confirm_day) if confirmed else None,
        )
        if day > self.today:
            origin = _Origin(TaskOrigin.APPOINTMENT, appointment_id, booking.at)
            self._task(c, csm.id, TaskKind.APPOINTMENT_CONFIRM, confirm_day, origin, note="提前一天电话确认预约")
        if status is AppointmentStatus.DONE:
            self._contact(c, csm.id, Channel.VISIT, OUTCOMES[Channel.VISIT].draw(rng), starts_at)

    def _calls_so_far(self, csm: _Csm, clients: Iterator[_Client]) -> None:
        """This morning's calls, if the working day has begun; a missed one is retried later today."""
        if not self.policy.calendar.is_working_day(self.today) or self.now_minute < WORK_START + 15:
            return
        rng = self.rng
        latest = min(self.now_minute - 5, WORK_END)
        for minute, c in zip(sorted(rng.sample(range(WORK_START, latest), 4)), clients, strict=False):
            at = self.days.at(self.today, minute, rng.randrange(60))
            disposition = OUTCOMES[Channel.PHONE].draw(rng)
            origin = _Origin(TaskOrigin.CONTACT, self._contact(c, csm.id, Channel.PHONE, disposition, at), at)
            follow = self._next_task(c, disposition, self.today)
            if follow is not None and follow.kind is TaskKind.CALLBACK:
                retry = at + dt.timedelta(minutes=self.policy.calls.no_answer_retry_minutes)
                self._task(c, csm.id, follow.kind, self.today, origin, due_at=retry, note="未接通,稍后再拨")
            elif follow is not None:
                self._task(c, csm.id, follow.kind, follow.due_on, origin)

    def _recent_sale(self, csm: _Csm, day: dt.date, among: Sequence[_Product] | None = None) -> None:
        """A sale on a recent ``day`` to the first of the CSM's clients it suits."""
        for c in self.pools[csm.id]:
            valid = [a for a in c.assessments if a.taken_on <= day <= a.valid_until]
            if valid and self._sell(c, valid[-1], day, among):
                return

    def _maturity_task(self, csm: _Csm, h: _Maturing) -> None:
        """The system's reminder, raised ``maturity_lead_days`` before maturity; most raised earlier are done."""
        lead = dt.timedelta(days=self.policy.calls.maturity_lead_days)
        due = min(working_days.on_or_after(self.policy.calendar, h.maturity - lead), self.today)
        origin = _Origin(TaskOrigin.SYSTEM, h.id, min(self.days.at(due, 7 * 60), self.now))
        note = f"{h.product.name} {from_fen(h.amount):,} 元 {h.maturity:%m-%d} 到期"
        if due < self.today and self.rng.random() < 0.8:
            call_day = self.days.pick(self.rng, due, self.today - dt.timedelta(days=1)) or due
            self._done_by_call(h.client, csm.id, TaskKind.MATURITY, due, origin, call_day, note)
        else:
            self._task(h.client, csm.id, TaskKind.MATURITY, due, origin, note=note)

    # --- referrals -----------------------------------------------------------------------------------------------

    def _referrals(self, csm: _Csm) -> None:
        """Walk-ins referred by the lobby manager or a teller; 沃德-level clients referred on to a wealth manager."""
        rng, pool = self.rng, self.pools[csm.id]
        for c in rng.sample(pool, min(len(pool), rng.randint(2, 5))):
            referrer = rng.choice(self.referrers)
            self._refer(c, ReferralKind.WALK_IN, referrer, csm.id, rng.choice(WALK_IN_REASONS), within_days=40)
        for c in pool:
            if c.tier is Tier.WODE and rng.random() < 0.4:
                manager = rng.choice(self.wealth_managers)
                self._refer(c, ReferralKind.WODE, csm.id, manager, rng.choice(WODE_REASONS), within_days=120)

    def _refer(
        self, c: _Client, kind: ReferralKind, from_id: int, to_id: int, reason: str, *, within_days: int
    ) -> None:
        """A referral in the last ``within_days`` working days: the last three days' still open, with a task."""
        rng = self.rng
        day = self.days.back(self.today, rng.randint(1, within_days))
        at = self.days.during_work(rng, day)
        status = ReferralStatus.OPEN if day >= self.days.back(self.today, 3) else CLOSED_REFERRAL.draw(rng)
        if status is ReferralStatus.RETURNED:
            reason = rng.choice(RETURN_REASONS)
        referral_id = self.w.add(
            ReferralRow,
            client_id=c.id,
            kind=kind.value,
            from_staff_id=from_id,
            to_staff_id=to_id,
            created_at=at,
            status=status.value,
            reason=reason,
            closed_at=None if status is ReferralStatus.OPEN else at + dt.timedelta(hours=rng.randint(2, 48)),
        )
        if status is ReferralStatus.OPEN:
            origin = _Origin(TaskOrigin.REFERRAL, referral_id, at)
            self._task(c, to_id, TaskKind.REFERRAL, self.days.ahead(day, 1), origin, note=reason)


def _grade(k: int) -> Grade:
    """csm01 is senior; every grade appears among the first six."""
    if k == 1 or k % 5 == 0:
        return Grade.SENIOR
    return Grade.ASSISTANT if k % 3 == 0 else Grade.CSM


def _answers(rng: random.Random, appetite: float) -> tuple[dict[str, str], int]:
    """Twelve answers around the client's appetite (A = 2 … E = 10 points), their score, and the screening answers:
    ``s1`` "A" = has full civil capacity; ``s2`` "B" = accepts no loss at all (the lowest category)."""
    picks = [min(4, max(0, round(rng.gauss(appetite, 0.9)))) for _ in range(12)]
    answers = {f"q{n}": "ABCDE"[pick] for n, pick in enumerate(picks, 1)}
    answers["s1"] = "A"
    answers["s2"] = "B" if rng.random() < 0.03 else "A"
    return answers, sum(2 * (pick + 1) for pick in picks)


def _address(rng: random.Random) -> str:
    road = f"{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 999)}弄"
    return f"上海市{road}{rng.randint(1, 60)}号{rng.randint(101, 2204)}室"


def _age(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@functools.lru_cache(maxsize=4096)
def _shift_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier if negative), kept within the month."""
    return arrow.Arrow.fromdate(day).shift(months=months).date()
