"""The demo branch: a believable, deterministic branch to try the workstation on, as the product would have written it.

``build_demo`` fills a fresh database (schema at head) with three outlets, staff of every role, thirty products and
the requested number of clients, each with accounts, six months of daily balances (as spans), holdings, risk
assessments, sales with their suitability records and 18 months of contacts; and it gives every CSM a working day:
tasks overdue, due today and ahead, appointments today and on the next working day, referrals; and marketing events
past and ahead, prospects, clients whose ID expired or expires soon, suspicion reports. Everything is drawn
from one seed and dated from the branch's today, so one seed, size and clock give one database. Rows go in through
SQLAlchemy Core, in batches, in one transaction.

The bank's rules decide what the draws lead to, never a copy of them: a client's tier (``rules.tiers``), the
questionnaire's score and category (``rules.suitability``), the tasks an outcome leaves and when they are due
(``rules.cadence``, ``rules.working_days``), whether a sale may be made and what its record keeps (the sale service's
4S check and record, ``services.selling.attempts``), an event's slot, calls and follow-ups (``rules.events``), the
conversion of prospects (the import's ``storage.prospects.convert_matching``), lunar birthdays and money at risk.

- ``people``: outlets, staff and their certificates, clients with identities, accounts and balances;
- ``products``: the shelf, and what a client may be sold;
- ``portfolio``: risk assessments, deposits, sales with their suitability records, holdings and 回访;
- ``history``: contacts and the tasks they leave, over 18 months;
- ``working_day``: each CSM's day (callbacks, follow-ups, SMS, appointments, maturities) and referrals;
- ``marketing``: marketing events with their invitations, attendance, follow-ups and sales; prospects; suspicion
  reports; drawn after the working days;
- ``households``: couples, families, lunar birthdays and money at risk, drawn last from their own stream;
- ``branch`` (what the parts share) and ``writer`` (batched inserts).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, fields

from sqlalchemy import Engine, select

from csm_tui.clock import Clock
from csm_tui.policy import Policy
from storage import audit, score_tallies
from storage.demo.branch import Branch
from storage.demo.history import Diary
from storage.demo.households import add_households_and_risks
from storage.demo.marketing import Marketing, convert_prospects
from storage.demo.people import BRANCH_NAME, People
from storage.demo.portfolio import Portfolio
from storage.demo.products import Shelf
from storage.demo.working_day import WorkingDay
from storage.demo.writer import Writer, write_meta
from storage.engine import SQLITE_BEGIN
from storage.orm import StaffRow

CSM_RANGE = (6, 20)
CLIENTS_PER_CSM = 250
IMPORTED_AT = 7 * 60  # this morning's import of the bank's data: minutes after midnight

__all__ = ["DemoExists", "DemoSummary", "build_demo"]


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
    events: int
    event_invitations: int
    prospects: int
    aml_reports: int


def build_demo(
    engine: Engine,
    clock: Clock,
    *,
    clients: int = 3000,
    seed: int = 1,
    policy: Policy | None = None,
    csms: int | None = None,
    book: int | None = None,
) -> DemoSummary:
    """Fill a fresh database (schema at head) with a demo branch of ``clients`` clients, in one transaction.

    ``csms`` managers share the clients (by default one per 250 clients, at least 6 and at most 20); ``book``: about
    how many csm01 manages (the bench's timed CSM, the same book at every size), when others share the rest; by
    default csm01's book is drawn like every other CSM's. Raises DemoExists when the staff table is not empty.
    Deterministic per seed, size, managers, book and clock.
    """
    policy = policy or Policy()
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if conn.scalar(select(StaffRow.id).limit(1)) is not None:
                raise DemoExists
            writer = Writer(conn)
            branch = Branch(writer, clock, policy, seed)
            csms = csms or min(CSM_RANGE[1], max(CSM_RANGE[0], clients // CLIENTS_PER_CSM))
            _build(branch, clients, csms, book)
            writer.flush()
            writer.advance_sequences()
            convert_prospects(conn, min(branch.days.at(branch.today, IMPORTED_AT), branch.now))
            writer.counts["balance_spans"] += add_households_and_risks(
                conn, policy, seed, branch.today, branch.as_of, branch.now
            )
            facts = {"is_demo": "1", "branch_name": BRANCH_NAME, "data_as_of": branch.as_of.isoformat()}
            drawn = {"demo_seed": str(seed), "demo_clients": str(clients), "demo_csms": str(csms)}
            write_meta(conn, facts | drawn | ({} if book is None else {"demo_book": str(book)}))
            offset = branch.now.astimezone(zoneinfo.ZoneInfo(policy.calendar.tz)).utcoffset() or dt.timedelta(0)
            score_tallies.rebuild(conn, int(offset.total_seconds()))  # the scoreboard's tallies of these records
            detail = {"clients": clients, "seed": seed}
            audit.append(conn, clock.now().datetime, None, [("demo.build", "branch", "", detail)])
    return DemoSummary(**{f.name: writer.counts[f.name] for f in fields(DemoSummary)})


def _build(branch: Branch, clients: int, csms: int, book: int | None) -> None:
    """Staff and shelf first, then each client with its portfolio and history, then each CSM's day."""
    people, shelf, diary = People(branch), Shelf(branch), Diary(branch)
    portfolio = Portfolio(branch, shelf, diary)
    day = WorkingDay(branch, portfolio, diary)
    people.outlets_and_staff(csms)
    shelf.stock()
    for client in people.clients(clients, book):
        portfolio.draw(client)
        diary.contact_history(client)
    for csm in branch.csms:
        day.plan(csm)
        day.referrals(csm)
    people.expire_ids()
    marketing = Marketing(branch, portfolio, diary)
    marketing.events()
    marketing.introductions()
    marketing.aml_reports()
