"""The demo branch: complete, valid, consistent with the bank's rules, and the same for the same seed."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import fields
from decimal import Decimal
from zoneinfo import ZoneInfo

import arrow
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    AmlStatus,
    Channel,
    Disposition,
    Grade,
    InviteStatus,
    ProspectCallKind,
    QualificationKind,
    ReferralKind,
    Role,
    SuitabilityOutcome,
    TaskKind,
    TaskOrigin,
    TaskStatus,
    Tier,
)
from csm_tui.domain.models import Client, NewContactRecord
from csm_tui.domain.values import MobileNumber, ResidentId
from csm_tui.policy import Policy
from csm_tui.rules import events as rules_events
from csm_tui.rules import kyc, suitability
from csm_tui.rules.cadence import NEEDS_TIME, Cadence, ContactState
from csm_tui.rules.tiers import average_window, tier_of
from csm_tui.services import phrase_check
from csm_tui.services.clients import aml
from csm_tui.services.events import prospects, results
from csm_tui.services.ports import AccessDenied
from csm_tui.services.selling import attempts
from csm_tui.services.workstation import Workstation
from storage import audit
from storage.access import Access
from storage.demo import DemoExists, DemoSummary, build_demo
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import (
    AmlReportRow,
    AppointmentRow,
    AssessmentRow,
    AuditRow,
    BalanceSpanRow,
    Base,
    ClientRow,
    ContactRow,
    EventProductRow,
    EventRow,
    HoldingRow,
    InvitationRow,
    MetaRow,
    ProspectContactRow,
    ProspectRow,
    ProspectTaskRow,
    QualificationRow,
    ReferralRow,
    SaleRow,
    StaffRow,
    SuitabilityRow,
    TaskRow,
)
from storage.prospects import convert_matching
from storage.repositories import (
    AssessmentRepository,
    BalanceRepository,
    ClientRepository,
    ContactRepository,
    OutletRepository,
    ProductRepository,
    SaleRepository,
    StaffRepository,
    SuitabilityRepository,
)
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import PgServer
from widgets import signature_page

NOW = "2026-11-27T02:00:00Z"  # 10:00 on a Friday in Shanghai
TODAY = dt.date(2026, 11, 27)
AS_OF = dt.date(2026, 11, 25)  # T+2
SHANGHAI = ZoneInfo("Asia/Shanghai")
CLIENTS = 300
POLICY = Policy()


def _build(url: str, seed: int) -> tuple[Engine, DemoSummary]:
    engine = make_engine(url)
    upgrade(engine)
    return engine, build_demo(engine, FrozenClock(NOW), clients=CLIENTS, seed=seed)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """A maker of fresh, empty databases on one backend: the demo is built as ``csm demo`` builds it, on either."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("demo")
        names = itertools.count()
        yield lambda: f"sqlite:///{folder}/d{next(names)}.db"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    made: list[str] = []

    def fresh() -> str:
        made.append(server.create_database())
        return server.url(made[-1])

    yield fresh
    for name in made:
        server.drop_database(name)


@pytest.fixture(scope="module")
def demo(backend: Callable[[], str]) -> Iterator[tuple[Engine, DemoSummary]]:
    engine, summary = _build(backend(), seed=1)
    yield engine, summary
    engine.dispose()


@pytest.fixture
def db(demo: tuple[Engine, DemoSummary]) -> Iterator[Session]:
    with Session(demo[0]) as session:
        yield session


def _client_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(ClientRow.__table__).order_by(ClientRow.id))]


def _local(at: dt.datetime) -> dt.datetime:
    return at.astimezone(SHANGHAI)


def test_summary_counts_the_rows(demo: tuple[Engine, DemoSummary], db: Session) -> None:
    _, summary = demo
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    for f in fields(summary):
        assert db.scalar(select(func.count()).select_from(tables[f.name])) == getattr(summary, f.name), f.name
    assert (summary.clients, summary.products, summary.outlets) == (CLIENTS, 30, 3)
    assert summary.staff == 8 + 6  # admin, three supervisors, two wealth managers, lobby, teller; six CSMs
    assert summary.contacts > 3 * CLIENTS and summary.tasks > 0 and summary.sales > 0 and summary.referrals > 0


def test_every_role_with_fixed_logins(db: Session) -> None:
    staff = {s.login: s for s in db.scalars(select(StaffRow))}
    assert {s.role for s in staff.values()} == {r.value for r in Role}
    fixed = {"admin", "sup01", "sup02", "sup03", "wm01", "wm02", "lobby01", "teller01"}
    assert fixed | {f"csm{k:02d}" for k in range(1, 7)} == set(staff)
    csms = [s for s in staff.values() if s.role == Role.CSM]
    assert staff["csm01"].grade == Grade.SENIOR
    assert {s.grade for s in csms} == {g.value for g in Grade}
    supervisor_of = {s.outlet_id: s.id for s in staff.values() if s.role == Role.SUPERVISOR}
    assert all(s.supervisor_id == supervisor_of[s.outlet_id] for s in csms)


def test_qualifications_valid_expiring_and_lapsed(db: Session) -> None:
    rows = db.execute(select(StaffRow.login, QualificationRow).join(QualificationRow)).all()
    by_login: dict[str, dict[str, QualificationRow]] = {}
    for login, q in rows:
        by_login.setdefault(login, {})[q.kind] = q
    assert all(QualificationKind.WEALTH_BASIC in by_login[f"csm{k:02d}"] for k in range(1, 7))
    afp = by_login["csm01"][QualificationKind.AFP]
    assert afp.obtained_on <= TODAY <= (afp.expires_on or TODAY)
    expiries = [q.expires_on for _, q in rows if q.expires_on is not None]
    assert any(TODAY <= day <= TODAY + dt.timedelta(days=30) for day in expiries)
    assert any(day < TODAY for day in expiries)


def test_identities_are_valid_and_unique(db: Session) -> None:
    clients = db.scalars(select(ClientRow)).all()
    assert all(ric.is_valid(c.resident_id) for c in clients)
    assert all(20 <= ResidentId(c.resident_id).age_on(TODAY) <= 85 for c in clients)
    assert len({c.resident_id for c in clients}) == len({c.number for c in clients}) == CLIENTS
    mobiles = [c.mobile for c in clients if not c.mobile_invalid and c.mobile]
    assert all(MobileNumber(m) == m for m in mobiles)
    assert len(set(mobiles)) == len(mobiles)


def test_clients_load_as_domain_models(db: Session) -> None:
    """Every row passes the domain's own validation: ID, mobile, money, accounts."""
    clients = [Client.model_validate(row, from_attributes=True) for row in db.scalars(select(ClientRow))]
    assert all(c.accounts for c in clients)
    assert all(c.manager_id is None or c.outlet_id is not None for c in clients)


def test_three_month_average_is_the_mean_of_the_spans(db: Session) -> None:
    balances = BalanceRepository(db, Access(db, None))
    first, last = average_window(AS_OF)
    clients = db.scalars(select(ClientRow)).all()
    for c in clients:
        assert balances.average(c.id, first, last) == c.avg_3m, c.number
        latest = db.scalars(
            select(BalanceSpanRow).where(BalanceSpanRow.client_id == c.id).order_by(BalanceSpanRow.first_day.desc())
        ).first()
        assert latest is not None and latest.last_day == AS_OF == c.assets_as_of
        assert latest.balance == c.balance
    assert sum(c.avg_3m != c.balance for c in clients) > 0.8 * CLIENTS


def test_tier_mix(db: Session) -> None:
    counts = Counter(tier_of(average, POLICY.tiers) for average in db.scalars(select(ClientRow.avg_3m)))
    assert all(counts[t] for t in Tier)
    assert 0.45 * CLIENTS < counts[Tier.ORDINARY] < 0.75 * CLIENTS
    assert counts[Tier.WODE] < counts[Tier.JIAOYIN] < counts[Tier.ORDINARY]


def test_only_clients_the_tier_rule_puts_in_wode_are_referred_on_as_wode(db: Session) -> None:
    """The demo judges a client's tier by ``rules.tiers.tier_of`` of the 3-month average it stores."""
    referred = db.scalars(
        select(ClientRow.avg_3m)
        .join(ReferralRow, ReferralRow.client_id == ClientRow.id)
        .where(ReferralRow.kind == ReferralKind.WODE)
    ).all()
    assert referred
    assert {tier_of(average, POLICY.tiers) for average in referred} == {Tier.WODE}


def _origin(task: TaskRow) -> int:
    assert task.origin_id is not None
    return task.origin_id


def _no_answers_before(contacts: list[ContactRow], contact: ContactRow) -> int:
    day = _local(contact.started_at).date()
    return sum(
        c.disposition == Disposition.NO_ANSWER
        and _local(c.started_at).date() == day
        and c.started_at < contact.started_at
        for c in contacts
    )


def test_every_task_a_contact_left_is_one_the_cadence_gives_its_outcome(db: Session) -> None:
    """Kind, due day and agreed time, from ``Cadence.after_contact`` with the client's state at the contact (missed
    calls earlier that day, SMS opt-out) and, for a busy client, the time the task was agreed for."""
    cadence = Cadence(POLICY)
    contacts = {c.id: c for c in db.scalars(select(ContactRow))}
    by_client: dict[int, list[ContactRow]] = {}
    for c in contacts.values():
        by_client.setdefault(c.client_id, []).append(c)
    sms_opt_out = {i: flag for i, flag in db.execute(select(ClientRow.id, ClientRow.sms_opt_out))}
    tasks = db.scalars(select(TaskRow).where(TaskRow.origin == TaskOrigin.CONTACT)).all()
    assert len(tasks) > CLIENTS
    kinds: Counter[tuple[str, Disposition]] = Counter()
    for t in tasks:
        contact = contacts[_origin(t)]
        disposition = Disposition(contact.disposition)
        state = ContactState(_no_answers_before(by_client[t.client_id], contact), sms_opt_out[t.client_id])
        agreed = t.due_at if disposition in NEEDS_TIME else None
        follow = cadence.after_contact(disposition, contact.started_at, state, agreed)
        assert (t.kind, t.due_on, t.due_at) in {(s.kind, s.due_on, s.due_at) for s in follow.tasks}, t.id
        assert t.created_at == contact.started_at and t.client_id == contact.client_id
        kinds[t.kind, disposition] += 1
    for kind, outcome in [
        (TaskKind.CALLBACK, Disposition.NO_ANSWER),
        (TaskKind.CALLBACK, Disposition.BUSY),
        (TaskKind.FOLLOW_UP, Disposition.INTERESTED),
        (TaskKind.SMS, Disposition.POLITE_DECLINE),
        (TaskKind.FOLLOW_UP, Disposition.POLITE_DECLINE),
    ]:
        assert kinds[kind, outcome], (kind, outcome)


def test_every_confirmation_call_and_service_callback_is_the_cadences(db: Session) -> None:
    cadence = Cadence(POLICY)
    appointments = {a.id: a for a in db.scalars(select(AppointmentRow))}
    sales = {s.id: s for s in db.scalars(select(SaleRow))}
    phone_opt_out = {i: flag for i, flag in db.execute(select(ClientRow.id, ClientRow.phone_opt_out))}
    confirmations = db.scalars(select(TaskRow).where(TaskRow.kind == TaskKind.APPOINTMENT_CONFIRM)).all()
    assert confirmations
    for t in confirmations:
        assert t.origin == TaskOrigin.APPOINTMENT
        steps = cadence.appointment_confirmation(appointments[_origin(t)].starts_at, t.created_at)
        assert [(s.kind, s.due_on) for s in steps] == [(t.kind, t.due_on)], t.id
    callbacks = db.scalars(select(TaskRow).where(TaskRow.origin == TaskOrigin.SALE)).all()
    assert len(callbacks) == len(sales)
    for t in callbacks:
        sale = sales[_origin(t)]
        step = cadence.service_callback(sale.sold_at, phone_opt_out[sale.client_id])
        assert (t.kind, t.due_on, t.client_id) == (step.kind, step.due_on, sale.client_id), t.id


def test_every_service_callback_done_is_recorded_on_a_service_callback(db: Session) -> None:
    """回访完成 answers a 回访 and nothing else (``outcomes.record`` refuses it otherwise): the demo draws it on no
    other call, and records it on the 回访 it answers."""
    done = db.execute(
        select(ContactRow.id, TaskRow.kind)
        .outerjoin(TaskRow, TaskRow.id == ContactRow.task_id)
        .where(ContactRow.disposition == Disposition.SERVICE_DONE)
    ).all()
    assert done
    assert [contact for contact, kind in done if kind != TaskKind.SERVICE_CALLBACK] == []


def test_no_service_callback_is_left_open_past_the_working_day_before(db: Session) -> None:
    """A branch makes its 回访 within days of the sale: the demo leaves open those due today or later, and a few due
    the working day before (Thursday), never older ones."""
    due = db.scalars(
        select(TaskRow.due_on).where(TaskRow.kind == TaskKind.SERVICE_CALLBACK, TaskRow.status == TaskStatus.OPEN)
    ).all()
    assert due
    assert min(due) >= TODAY - dt.timedelta(days=1)


def test_a_referral_task_is_due_the_day_the_referral_is_made(db: Session) -> None:
    referrals = {r.id: r for r in db.scalars(select(ReferralRow))}
    tasks = db.scalars(select(TaskRow).where(TaskRow.origin == TaskOrigin.REFERRAL)).all()
    assert tasks
    for t in tasks:
        referral = referrals[_origin(t)]
        assert (t.kind, t.staff_id) == (TaskKind.REFERRAL, referral.to_staff_id)
        assert t.due_on == _local(referral.created_at).date()


def test_csm01_has_a_working_day(db: Session) -> None:
    csm01 = db.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
    due = db.scalars(select(TaskRow.due_on).where(TaskRow.staff_id == csm01, TaskRow.status == TaskStatus.OPEN)).all()
    assert sum(d == TODAY for d in due) >= 3
    assert any(d < TODAY for d in due) and any(d > TODAY for d in due)
    appointments = db.scalars(select(AppointmentRow).where(AppointmentRow.staff_id == csm01)).all()
    assert any(_local(a.starts_at).date() == TODAY and a.status in ("booked", "confirmed") for a in appointments)
    assert any(a.status in ("done", "no_show", "cancelled") for a in appointments)


def test_history_happens_in_working_hours_and_never_ahead(db: Session) -> None:
    now = arrow.get(NOW).datetime
    for at in db.scalars(select(ContactRow.started_at)):
        local = _local(at)
        assert at <= now and POLICY.calendar.is_working_day(local.date())
        assert dt.time(9) <= local.time() <= dt.time(17, 30)
    assert all(t.closed_at is None or t.created_at <= t.closed_at <= now for t in db.scalars(select(TaskRow)))


def test_every_sale_is_one_the_4s_check_allows_decided_again_from_the_database(db: Session) -> None:
    """Each sale, decided again as the sale service decides it (``attempts.check`` on the client with the figures
    the record kept, the assessment, the product, the salesperson and outlet, and what the client bought before), is
    allowed, with the checks, 双录 and cooling-off its record and sale keep; the record's detail is the service's own
    (``attempts.snapshot``)."""
    access = Access(db, None)
    clients, assessments = ClientRepository(db, access), AssessmentRepository(db, access)
    products, staff, outlets = ProductRepository(db, access), StaffRepository(db, access), OutletRepository(db, access)
    sales, records = SaleRepository(db, access), SuitabilityRepository(db, access)
    sold = db.scalars(select(SaleRow).order_by(SaleRow.id)).all()
    assert sold
    for row in sold:
        seller = staff.get(row.staff_id)
        record = next(r for r in records.for_client(row.client_id) if r.id == row.suitability_id)
        kept = record.detail["client"]  # the figures as they stood (money at risk is drawn after the sales)
        figures = {"balance": Decimal(kept["balance"]), "avg_3m": Decimal(kept["avg_3m"])}
        client = clients.get(row.client_id).model_copy(update=figures)
        assessment = next(a for a in assessments.history(row.client_id) if a.id == record.assessment_id)
        product, outlet = products.get(row.product_id), outlets.get(row.outlet_id)
        assert seller is not None and product is not None and outlet is not None
        before = [s for s in sales.for_client(row.client_id) if s.sold_at < row.sold_at]
        recent = suitability.recent_purchases(before, client.assets_as_of, row.sold_at, POLICY)
        status = suitability.assessment_status([assessment], row.sold_at, POLICY)
        ctx = attempts.SaleContext(client, status, [assessment], [], outlet, seller, recent)
        verdict = attempts.check(ctx, assessment, product, row.amount, row.sold_at, POLICY)
        assert verdict.allowed and not verdict.insisted, [c for c in verdict.failed]
        assert record.outcome is SuitabilityOutcome.SOLD and record.amount == row.amount
        assert [(c["code"], c["passed"]) for c in record.detail["checks"]] == [(c.code, True) for c in verdict.checks]
        assert record.detail["dual_recording"] == verdict.dual_recording == bool(record.recording_ref)
        assert attempts.Confirmations(**record.detail["confirmations"]).missing(verdict) == []
        hours = verdict.cooling_off_hours
        assert row.cooling_off_until == (row.sold_at + dt.timedelta(hours=hours) if hours else None)
        holding = db.scalars(select(HoldingRow).where(HoldingRow.sale_id == row.id)).one()
        assert holding.amount == row.amount


def test_the_signature_page_prints_a_demo_record_as_it_prints_the_wizards(db: Session) -> None:
    """A record the demo wrote reads as one the wizard wrote: the printable page shows client, product and checks."""
    access = Access(db, None)
    row = db.scalars(select(SaleRow).order_by(SaleRow.id)).first()
    assert row is not None
    record = next(r for r in SuitabilityRepository(db, access).for_client(row.client_id) if r.id == row.suitability_id)
    page = signature_page.render(record, "徐汇营业部", POLICY.calendar.tz)
    assert record.detail["client"]["masked_id"] in page and record.detail["product"]["name"] in page
    assert page.count("✓") >= len(suitability.CHECK_CODES)


def test_a_blocked_attempt_keeps_the_checks_that_refused_it(db: Session) -> None:
    blocked = db.scalars(select(SuitabilityRow).where(SuitabilityRow.outcome == SuitabilityOutcome.BLOCKED)).all()
    assert blocked
    for record in blocked:
        checks = record.detail["checks"]
        assert [c["code"] for c in checks] == list(suitability.CHECK_CODES)
        assert any(not c["passed"] for c in checks) and record.recording_ref == ""


def test_every_assessment_stores_what_the_questionnaire_rule_scores_of_its_answers(db: Session) -> None:
    """The demo answers the policy's questionnaire and keeps what ``rules.suitability.score`` makes of the answers:
    the score, the level and the lowest category; valid as long as the rule says."""
    first_taken: set[int] = set()
    lowest = 0
    for a in db.scalars(select(AssessmentRow).order_by(AssessmentRow.client_id, AssessmentRow.taken_at)):
        scored = suitability.score(a.answers, POLICY)
        assert (a.score, a.level, a.lowest_category) == (scored.score, scored.level, scored.lowest_category), a.id
        assert a.valid_until == suitability.valid_until(a.taken_at, POLICY)
        assert a.face_to_face == (a.client_id not in first_taken)
        first_taken.add(a.client_id)
        lowest += scored.lowest_category
    assert lowest, "a few clients accept no loss at all"
    valid_until = db.scalars(select(AssessmentRow.valid_until)).all()
    assert any(day < TODAY for day in valid_until)
    assert any(TODAY <= day <= TODAY + dt.timedelta(days=30) for day in valid_until)


def test_a_client_who_accepts_no_loss_answers_so_and_is_in_the_lowest_category(db: Session) -> None:
    """The screening answer the product's questionnaire reads as "I accept no loss at all" is the one the lowest
    category is stored with, and only with it."""
    no_loss = next(s for s in POLICY.assessment.questionnaire.screening if s.code == "s2")
    for a in db.scalars(select(AssessmentRow)):
        assert a.lowest_category == (a.answers["s2"] == no_loss.lowest_on == "A")
        assert a.answers["s1"] == "A"  # full civil capacity


def test_meta_and_audit(db: Session) -> None:
    meta = {row.key: row.value for row in db.execute(select(MetaRow.key, MetaRow.value))}
    assert meta["is_demo"] == "1" and meta["data_as_of"] == AS_OF.isoformat()
    assert (meta["demo_seed"], meta["demo_clients"]) == ("1", str(CLIENTS))
    assert audit.verify(db.connection()) is None
    entry = db.scalars(select(AuditRow)).one()
    assert (entry.action, entry.detail) == ("demo.build", {"clients": CLIENTS, "seed": 1})


def test_same_seed_same_branch(demo: tuple[Engine, DemoSummary], backend: Callable[[], str]) -> None:
    (same, _), (other, _) = _build(backend(), seed=1), _build(backend(), seed=2)
    try:
        assert _client_rows(same) == _client_rows(demo[0])
        assert _client_rows(other) != _client_rows(demo[0])
    finally:
        same.dispose()
        other.dispose()


def test_a_row_the_product_writes_after_the_build_takes_a_fresh_id(db: Session) -> None:
    """The build writes its own ids; on PostgreSQL it moves each sequence past them, so the workstation's first
    contact logged on the demo branch is stored (and not refused as a duplicate key)."""
    client = db.scalars(select(ClientRow).where(ClientRow.manager_id.is_not(None)).order_by(ClientRow.id)).first()
    assert client is not None and client.manager_id is not None
    highest = db.scalar(select(func.max(ContactRow.id)))
    contact = NewContactRecord(
        client_id=client.id,
        staff_id=client.manager_id,
        channel=Channel.PHONE,
        started_at=arrow.get(NOW).datetime,
        disposition=Disposition.NO_ANSWER,
    )
    stored = ContactRepository(db, Access(db, None)).add(contact)
    assert highest is not None and stored.id > highest
    db.rollback()


def test_a_second_build_is_refused(demo: tuple[Engine, DemoSummary]) -> None:
    with pytest.raises(DemoExists):
        build_demo(demo[0], FrozenClock(NOW), clients=10)


# --- marketing events, prospects, KYC and AML (issue 21) ------------------------------------------------------------


def _ws(engine: Engine, db: Session, login: str) -> Workstation:
    staff = StaffRepository(db, Access(db, None)).by_login(login)
    assert staff is not None
    clock = FrozenClock(NOW)
    factory = SqlUnitOfWorkFactory(engine, clock).acting_as(staff)
    return Workstation(
        uow=factory, staff=staff, outlet=None, time=BranchTime(clock, POLICY.calendar.tz), policy=POLICY, demo=True
    )


def test_every_event_recounts_equal_through_the_results_service(demo: tuple[Engine, DemoSummary], db: Session) -> None:
    """The event screen's results (``services.events.results``) are what the rows hold: invited, accepted, attended,
    followed up, the featured products sold to attendees within the attribution days, and the prospects who became
    clients; the past events have all of them, the one ahead its invitations being called."""
    ws = _ws(demo[0], db, "admin")
    events = db.scalars(select(EventRow).order_by(EventRow.starts_at)).all()
    assert {_local(e.starts_at).date() < TODAY for e in events} == {True, False}
    totals: Counter[str] = Counter()
    for e in events:
        got = results.results(ws, e.id)
        rows = db.scalars(select(InvitationRow).where(InvitationRow.event_id == e.id)).all()
        invited = [r for r in rows if r.status != InviteStatus.WALK_IN]
        came = {r.id for r in rows if r.attended_at is not None}
        followed = {
            t.origin_id
            for t in db.scalars(select(TaskRow).where(TaskRow.kind == TaskKind.EVENT_FOLLOW_UP))
            if t.status == TaskStatus.DONE
        }
        featured = set(db.scalars(select(EventProductRow.product_id).where(EventProductRow.event_id == e.id)))
        attendees = {r.client_id for r in rows if r.attended_at is not None}
        day = _local(e.starts_at).date()
        sales = [
            s
            for s in db.scalars(select(SaleRow).where(SaleRow.client_id.in_(attendees)))
            if s.product_id in featured
            and day <= _local(s.sold_at).date() <= day + dt.timedelta(days=POLICY.events.attribution_days)
        ]
        converted = db.scalar(
            select(func.count()).where(ProspectRow.event_id == e.id, ProspectRow.converted_client_id.is_not(None))
        )
        assert (got.invited, got.accepted) == (len(invited), sum(r.status == InviteStatus.ACCEPTED for r in invited))
        assert (got.attended, got.followed_up) == (len(came), len(came & followed)), e.title
        assert (got.sales, got.sales_amount, got.new_clients) == (len(sales), sum(s.amount for s in sales), converted)
        assert got.attended <= e.capacity and rules_events.slot_problem(POLICY, e.starts_at, e.minutes) is None
        if day < TODAY:
            totals.update(attended=got.attended, followed_up=got.followed_up, walk_ins=len(rows) - len(invited))
            totals.update(sales=got.sales, new_clients=got.new_clients)
    assert all(totals[k] for k in ("attended", "followed_up", "walk_ins", "sales", "new_clients")), totals


def test_every_invitation_call_is_the_one_the_event_rules_give(db: Session) -> None:
    """An invitation's first call is due the day it is made (``rules.events.invitation_due``); a call not answered
    is tried again by the cadence's retry while the event is ahead; one accepted is reminded the working day before
    (``reminder_day``); an attendee is followed up by ``follow_up_day``; all in the client's own manager's queue.
    The event ahead still has invitation calls in the queues today."""
    cadence = Cadence(POLICY)
    events = {e.id: e for e in db.scalars(select(EventRow))}
    invitations = {i.id: i for i in db.scalars(select(InvitationRow))}
    managers = {i: m for i, m in db.execute(select(ClientRow.id, ClientRow.manager_id))}
    contacts = db.scalars(select(ContactRow).order_by(ContactRow.started_at)).all()
    missed: dict[int, list[ContactRow]] = {}
    for c in contacts:
        if c.disposition == Disposition.NO_ANSWER:
            missed.setdefault(c.client_id, []).append(c)
    open_invites_today = 0
    tasks = db.scalars(select(TaskRow).where(TaskRow.origin == TaskOrigin.EVENT).order_by(TaskRow.id)).all()
    assert tasks
    for t in tasks:
        invitation = invitations[_origin(t)]
        event = events[invitation.event_id]
        event_day = _local(event.starts_at).date()
        assert t.client_id == invitation.client_id and t.staff_id == invitation.staff_id == managers[t.client_id]
        created_on = _local(t.created_at).date()
        if t.kind == TaskKind.EVENT_FOLLOW_UP:
            assert invitation.attended_at == t.created_at
            assert t.due_on == rules_events.follow_up_day(POLICY, event_day)
        elif t.kind == TaskKind.EVENT_REMINDER:
            assert t.due_on == rules_events.reminder_day(POLICY, event_day, created_on)
        elif t.created_at == invitation.created_at:
            assert t.due_on == rules_events.invitation_due(POLICY, created_on)
        else:  # after a call not answered
            before = [c for c in missed[t.client_id] if _local(c.started_at).date() == created_on]
            retry = cadence.retry(t.created_at, sum(c.started_at < t.created_at for c in before))
            assert (t.due_on, t.due_at) == (retry.due_on, retry.due_at) and t.due_on < event_day
        assert t.status == TaskStatus.OPEN or (t.closed_at is not None and t.closed_at <= arrow.get(NOW).datetime)
        if t.kind == TaskKind.EVENT_INVITE and t.status == TaskStatus.OPEN:
            assert event_day > TODAY  # a past event's invitations are all called
            open_invites_today += t.due_on <= TODAY
    assert open_invites_today


def test_prospects_are_within_the_retention_and_some_became_clients(
    demo: tuple[Engine, DemoSummary], db: Session
) -> None:
    """Met at an event's door or introduced by one of the manager's own clients; none older than the policy's
    retention (they would be purged); converted ones are the clients with their resident ID, and none other
    matches a client."""
    cutoff = prospects.retention_cutoff(BranchTime(FrozenClock(NOW), POLICY.calendar.tz), POLICY)
    clients = {c.id: c for c in db.scalars(select(ClientRow))}
    mobiles = {c.mobile for c in clients.values()}
    rows = db.scalars(select(ProspectRow)).all()
    assert any(p.event_id for p in rows) and any(p.introduced_by for p in rows)
    assert sum(p.converted_client_id is not None for p in rows) >= 2
    for p in rows:
        assert p.consent and cutoff <= p.created_at <= arrow.get(NOW).datetime and p.met_by == p.manager_id
        if p.introduced_by is not None:
            assert clients[p.introduced_by].manager_id == p.manager_id
        if p.converted_client_id is not None:
            assert clients[p.converted_client_id].resident_id == p.resident_id
        else:
            assert p.mobile not in mobiles and p.resident_id is None
    with Session(demo[0]) as session:  # the import's matching finds nothing more to convert
        assert convert_matching(session, arrow.get(NOW).datetime) == []
        session.rollback()
    first = {t.prospect_id: t for t in db.scalars(select(ProspectTaskRow)) if t.kind is ProspectCallKind.FIRST_CALL}
    reached = {c.task_id for c in db.scalars(select(ProspectContactRow))}
    for p in rows:  # each has their first call: made (reached) on its day, or still in their CSM's queue
        task = first[p.id]
        assert task.staff_id == p.manager_id and task.due_on > p.created_at.date()
        if task.status is TaskStatus.DONE:
            assert task.id in reached
        else:
            assert task.status is (TaskStatus.CANCELLED if p.converted_client_id else TaskStatus.OPEN)


def test_every_prospect_still_followed_has_a_call_to_come(db: Session) -> None:
    """A prospect reached on their first call is followed up as the service schedules it (after the policy's
    days): none neither converted nor stopped is left with no open call, shown 'to call' with nothing due."""
    followed = {p.id for p in db.scalars(select(ProspectRow)) if p.converted_client_id is None and p.stopped is None}
    open_calls = {t.prospect_id for t in db.scalars(select(ProspectTaskRow)) if t.status is TaskStatus.OPEN}
    assert followed and followed <= open_calls, followed - open_calls


def test_every_csm_has_clients_whose_id_expired_or_expires_within_the_notice(db: Session) -> None:
    """So that the KYC reason is in every CSM's queue; an expired ID expired after the client's last suitability
    decision (the 4S check refuses a sale on it); a long-term ID only on someone old enough to be issued one."""
    notice = POLICY.kyc.id_expiry_notice_days
    clients = db.scalars(select(ClientRow).where(ClientRow.manager_id.is_not(None))).all()
    states: dict[int, set[kyc.IdState]] = {}
    for c in clients:
        states.setdefault(c.manager_id or 0, set()).add(kyc.id_state(c.id_expiry, c.id_long_term, TODAY, notice))
        if c.id_long_term:
            assert not kyc.long_term_impossible(ResidentId(c.resident_id).age_on(TODAY))
        else:
            assert c.id_expiry is not None and not kyc.expiry_too_far(c.id_expiry, TODAY)
    assert all({kyc.IdState.EXPIRED, kyc.IdState.EXPIRING} <= s for s in states.values()), states
    expired = {c.id: c.id_expiry for c in clients if kyc.id_expired(c.id_expiry, c.id_long_term, TODAY)}
    for record in db.scalars(select(SuitabilityRow).where(SuitabilityRow.client_id.in_(expired))):
        expiry = expired[record.client_id]
        assert expiry is not None and _local(record.created_at).date() <= expiry


def test_suspicion_reports_are_filed_by_the_clients_csm_and_decided_by_the_outlets_reviewer(
    demo: tuple[Engine, DemoSummary], db: Session
) -> None:
    """Each report is its author's own client's, for the author's outlet; one is still open for the reviewer, the
    others decided once by the outlet's reviewer (never the author); the services show each to its author and the
    reviewer only."""
    staff = {s.id: s for s in db.scalars(select(StaffRow))}
    reports = db.scalars(select(AmlReportRow).order_by(AmlReportRow.id)).all()
    assert {r.status for r in reports} >= {AmlStatus.OPEN, AmlStatus.REPORTED, AmlStatus.DISMISSED}
    reviewer = Role(POLICY.aml.reviewer.value)
    for r in reports:
        author = staff[r.staff_id]
        assert author.role == Role.CSM and r.outlet_id == author.outlet_id
        assert phrase_check.check({"text": r.text}, POLICY.compliance.forbidden_phrases) == []  # as the service screens
        assert db.scalar(select(ClientRow.manager_id).where(ClientRow.id == r.client_id)) == author.id
        if r.status == AmlStatus.OPEN:
            assert (r.decided_by, r.decided_at, r.decision_reason) == (None, None, "")
        else:
            decider = StaffRepository(db, Access(db, None)).get(r.decided_by or 0)
            assert decider is not None and decider.id != author.id
            assert Access(db, decider).is_aml_reviewer(r.outlet_id, reviewer, r.staff_id) and r.decision_reason
            assert r.filed_at < (r.decided_at or r.filed_at)
        assert r.id in {e.report.id for e in aml.mine(_ws(demo[0], db, author.login))}
        supervisor = staff[author.supervisor_id or 0]
        assert r.id in {e.report.id for e in aml.to_review(_ws(demo[0], db, supervisor.login))}
        other = next(s for s in staff.values() if s.role == Role.CSM and s.id != author.id)
        with pytest.raises(AccessDenied):
            aml.get(_ws(demo[0], db, other.login), r.id)
