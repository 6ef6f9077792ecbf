"""The branch's people: outlets, staff of every role with their certificates, and the clients, each written with
its identity, accounts and six months of balances as it is drawn; a client's tier is the tier rule's."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import update
from stdnum import luhn
from stdnum.cn import ric

from csm_tui.domain.enums import (
    AccountKind,
    Grade,
    QualificationKind,
    Role,
)
from csm_tui.domain.models import Outlet, Qualification, Staff
from csm_tui.domain.values import from_fen
from csm_tui.rules import kyc
from csm_tui.rules.tiers import daily_average, tier_of
from storage.demo.branch import (
    YUAN,
    Branch,
    Csm,
    DemoClient,
    Part,
    Weighted,
)
from storage.demo.households import risk_figures
from storage.orm import (
    AccountRow,
    BalanceSpanRow,
    ClientRow,
    OutletRow,
    QualificationRow,
    StaffRow,
)
from storage.repositories import name_initials

BRANCH_NAME = "交通银行上海某支行"
OUTLETS = (("SH001", "徐汇营业部"), ("SH002", "漕溪路支行"), ("SH003", "田林支行"))
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


GRADE_LOAD = {Grade.SENIOR: 1.5, Grade.CSM: 1.0, Grade.ASSISTANT: 0.6}  # relative size of a CSM's pool

# Companies paying salaries through the branch (代发工资单位), by weight: the first holds the demo's payroll event.
EMPLOYERS = Weighted(
    [("漕河泾科创发展有限公司", 4), ("徐汇城建集团", 2), ("田林医药科技有限公司", 2), ("申虹电子有限公司", 1)]
)
EMPLOYED_SHARE = 0.25  # of clients under 60 still working
SECURITIES_SHARE = (0.06, 0.2)  # of clients with securities custody (银证转账): below 交银理财, and at or above it
# KYC: each CSM's clients at these places of the book have an ID that expires within the policy's notice days, and
# one client (from the fourth on) an ID that expired lately; every other ID is valid past the notice, or long-term
# (长期) for some clients over 46.
ID_EXPIRING_AT = (5, 11)
ID_EXPIRED_FROM = 3
ID_EXPIRED_DAYS = 60  # expired at most this many days ago
ID_YEARS = ((26, 10), (200, 20))  # an ID issued before this age is valid for this many years (居民身份证法 art. 5)


class People(Part):
    """Outlets, staff and clients; identities and mobile numbers unique within the branch."""

    def __init__(self, branch: Branch) -> None:
        super().__init__(branch)
        self._initials: dict[str, str] = {}
        self._resident_ids: set[str] = set()
        self._names: dict[int, str] = {}
        self._more = random.Random(branch.seed * 53 + 11)  # what later features added, from a stream of its own

    def outlets_and_staff(self, csm_count: int) -> None:
        for code, name in OUTLETS:
            outlet_id = self.w.add(OutletRow, code=code, name=name, sells_wealth=True)
            self.outlets[outlet_id] = Outlet(id=outlet_id, code=code, name=name, sells_wealth=True)
        outlet_ids = list(self.outlets)
        self.branch.admin_id = self._person("admin", Role.ADMIN)
        supervisors = [
            self._person(f"sup{k:02d}", Role.SUPERVISOR, outlet_id, quals=(QualificationKind.WEALTH_BASIC,))
            for k, outlet_id in enumerate(outlet_ids, 1)
        ]
        wealth_quals = (QualificationKind.WEALTH_BASIC, QualificationKind.FUND, QualificationKind.CFP)
        self.branch.wealth_managers = [
            self._person(f"wm{k:02d}", Role.WEALTH_MANAGER, outlet_ids[k - 1], supervisors[k - 1], quals=wealth_quals)
            for k in (1, 2)
        ]
        self.branch.referrers = [
            self._person("lobby01", Role.LOBBY, outlet_ids[0], supervisors[0]),
            self._person("teller01", Role.TELLER, outlet_ids[0], supervisors[0]),
        ]
        for k in range(1, csm_count + 1):
            at = (k - 1) % len(outlet_ids)
            grade = _grade(k)
            login = f"csm{k:02d}"
            staff_id = self._person(login, Role.CSM, outlet_ids[at], supervisors[at], grade=grade)
            quals = self._csm_qualifications(k, staff_id)
            staff = Staff(
                id=staff_id, login=login, name=self._names[staff_id], role=Role.CSM, grade=grade,
                outlet_id=outlet_ids[at], supervisor_id=supervisors[at], started_on=self.staff_since,
                qualifications=tuple(Qualification(kind=q, obtained_on=o, expires_on=e) for q, (o, e) in quals.items()),
            )  # fmt: skip
            self.csms.append(Csm(staff_id, outlet_ids[at], grade, staff))
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
        name = self.fake.unique.name()
        staff_id = self.w.add(
            StaffRow,
            login=login,
            name=name,
            role=role.value,
            grade=None if grade is None else grade.value,
            outlet_id=outlet_id,
            supervisor_id=supervisor_id,
            started_on=self.staff_since,
        )
        for kind in quals:
            self._qualify(staff_id, kind, self._years_ago(2, 10), None)
        self._names[staff_id] = name
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

    def clients(self, count: int, book: int | None = None) -> Iterator[DemoClient]:
        """The clients, each written with its balances and accounts as it is drawn; csm01's book about ``book``."""
        fake, rng = self.fake, self.rng
        surnames = [fake.last_name() for _ in range(300)]
        given = [fake.first_name() for _ in range(1500)]
        jobs = [fake.job() for _ in range(150)]
        loads = [(csm, rng.uniform(0.7, 1.3) * GRADE_LOAD[csm.grade]) for csm in self.csms]
        managers = Weighted(_with_first_book(loads, book, count * (1 - UNASSIGNED_SHARE)))
        for index, number in enumerate(rng.sample(range(10**9, 10**10), count)):
            name = rng.choice(surnames) + rng.choice(given)
            manager = None if rng.random() < UNASSIGNED_SHARE else managers.draw(rng)
            occupation = rng.choice(jobs)
            yield self._client(index, f"C{number}", name, occupation, manager)

    def _client(self, index: int, number: str, name: str, occupation: str, manager: Csm | None) -> DemoClient:
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
        resident_id = self._resident_id(born)
        outlet_id = manager.outlet_id if manager else rng.choice(list(self.outlets))
        mobile, address = self._mobile(), _address(rng)  # drawn in this order, as ever
        occupation = RETIRED if age >= 60 and rng.random() < 0.85 else occupation
        extra = self._kyc_and_marketing(
            age, target, occupation, None if manager is None else len(self.pools[manager.id])
        )
        client_id = self.w.add(
            ClientRow,
            number=number,
            name=name,
            name_initials=self._name_initials(name),
            resident_id=resident_id,
            mobile=mobile,
            address=address,
            occupation=occupation,
            manager_id=manager.id if manager else None,
            outlet_id=outlet_id,
            balance_fen=from_fen(balance),
            avg_3m_fen=average,
            assets_as_of=self.as_of,
            **risk_figures(
                [(self.balance_days[f], self.balance_days[la], from_fen(fen)) for f, la, fen in spans], self.as_of
            ),
            **flags,
            **extra,
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
        client = DemoClient(
            id=client_id,
            manager=manager,
            age=age,
            tier=tier_of(average, self.policy.tiers),
            average=int(average * YUAN),
            balance=balance,
            capable=flags["civil_capacity"],
            phone_ok=not (flags["phone_opt_out"] or flags["mobile_invalid"]),
            sms_ok=not (flags["sms_opt_out"] or flags["mobile_invalid"]),
            sms_opt_out=flags["sms_opt_out"],
            mobile_invalid=flags["mobile_invalid"],
            phone_opt_out=flags["phone_opt_out"],
            room=balance * 9 // 10,
            identity=(number, name, resident_id),
            outlet_id=outlet_id,
            id_expiry=extra["id_expiry"],
            id_long_term=extra["id_long_term"],
            employer=extra["employer"],
            securities_custody=extra["securities_custody"],
        )
        if manager:
            self.pools[manager.id].append(client)
        else:
            self.branch.newcomers.append(client)
        return client

    def _kyc_and_marketing(self, age: int, average: int, occupation: str, place: int | None) -> dict[str, Any]:
        """The ID's expiry (KYC), the payroll company and securities custody, from their own stream; ``place``: the
        client's in their manager's book (``ID_EXPIRING_AT``)."""
        more, today = self._more, self.today
        notice = self.policy.kyc.id_expiry_notice_days
        long_term, expiry = False, None
        if place in ID_EXPIRING_AT:
            expiry = today + dt.timedelta(days=more.randrange(notice))
        elif not kyc.long_term_impossible(age) and more.random() < (0.9 if age >= 56 else 0.5):
            long_term = True
        else:
            years = next(years for below, years in ID_YEARS if age < below)
            expiry = today + dt.timedelta(days=more.randint(notice, years * 365))
        employed = age < 60 and occupation != RETIRED and more.random() < EMPLOYED_SHARE
        custody = SECURITIES_SHARE[average >= self.policy.tiers.jiaoyin * YUAN]
        return {
            "id_expiry": expiry,
            "id_long_term": long_term,
            "employer": EMPLOYERS.draw(more) if employed else "",
            "securities_custody": more.random() < custody,
        }

    def expire_ids(self) -> None:
        """Each CSM's one client whose ID expired lately, drawn once their history is: an ID that expired after the
        client's last suitability decision, which the 4S check then took on a valid ID (and refuses from now on)."""
        more, today = self._more, self.today
        expired: dict[int, dt.date] = {}
        for csm in self.csms:
            book = self.pools[csm.id]
            for c in (c for place, c in enumerate(book) if place >= ID_EXPIRED_FROM and place not in ID_EXPIRING_AT):
                first = today - dt.timedelta(days=ID_EXPIRED_DAYS)
                if c.last_decided is not None:
                    first = max(first, c.last_decided + dt.timedelta(days=1))
                if not c.id_long_term and first < today:
                    c.id_expiry = first + dt.timedelta(days=more.randrange((today - first).days))
                    c.forget_model()
                    expired[c.id] = c.id_expiry
                    break
        self.w.flush()
        for client_id, expiry in expired.items():
            self.w.conn.execute(update(ClientRow).where(ClientRow.id == client_id).values(id_expiry=expiry))

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
        return new_mobile(self.rng, self.branch.mobiles)

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


def new_mobile(rng: random.Random, taken: set[str]) -> str:
    """A mobile number none of ``taken`` (to which it is added)."""
    while True:
        number = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        if number not in taken:
            taken.add(number)
            return number


def _with_first_book(loads: list[tuple[Csm, float]], book: int | None, managed: float) -> list[tuple[Csm, float]]:
    """The CSMs' loads with the first one's set so that about ``book`` of the ``managed`` clients are theirs (the
    others' loads as drawn); all as drawn without a ``book``, or when no other CSM could take the rest."""
    share = 0.0 if book is None else book / managed
    if not 0 < share < 1 or len(loads) < 2:
        return loads
    (first, _), rest = loads[0], loads[1:]
    others = sum(load for _, load in rest)
    return [(first, share * others / (1 - share)), *rest]


def _grade(k: int) -> Grade:
    """csm01 is senior; every grade appears among the first six."""
    if k == 1 or k % 5 == 0:
        return Grade.SENIOR
    return Grade.ASSISTANT if k % 3 == 0 else Grade.CSM


def _address(rng: random.Random) -> str:
    road = f"{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 999)}弄"
    return f"上海市{road}{rng.randint(1, 60)}号{rng.randint(101, 2204)}室"


def _age(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
