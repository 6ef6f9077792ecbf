"""The bank's fixed vocabularies. Values are stable codes stored in the database and named in catalogs."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(StrEnum):
    CSM = "csm"
    SUPERVISOR = "supervisor"
    WEALTH_MANAGER = "wealth_manager"
    LOBBY = "lobby"
    TELLER = "teller"
    ADMIN = "admin"


class Grade(StrEnum):
    """The three grades of customer service manager."""

    SENIOR = "senior"
    CSM = "csm"
    ASSISTANT = "assistant"


class QualificationKind(StrEnum):
    WEALTH_BASIC = "wealth_basic"  # 理财从业资格: R1–R4
    FUND = "fund"  # 基金从业资格
    INSURANCE = "insurance"  # 保险代理资格
    AFP = "afp"
    CFP = "cfp"
    EFP = "efp"


class ProductCategory(StrEnum):
    DEPOSIT = "deposit"
    WEALTH = "wealth"  # the bank's own wealth products (得利宝-style)
    FUND = "fund"
    INSURANCE = "insurance"
    METAL = "metal"
    BOND = "bond"


class AssetType(StrEnum):
    """A wealth product's asset type (资管新规 2018, art. 4): what it invests in, which sets the least a qualified
    investor buys of a private placement. Other categories have none."""

    FIXED_INCOME = "fixed_income"  # 固定收益类: at least 80% in deposits, bonds and other debt
    EQUITY = "equity"  # 权益类: at least 80% in shares
    COMMODITY = "commodity"  # 商品及金融衍生品类: at least 80% in commodities and derivatives
    MIXED = "mixed"  # 混合类: none of the three reaches 80%


class RiskRating(IntEnum):
    """Product risk rating R1 (低) … R5 (高)."""

    R1 = 1
    R2 = 2
    R3 = 3
    R4 = 4
    R5 = 5

    @property
    def code(self) -> str:
        return self.name


class RiskLevel(IntEnum):
    """Client risk tolerance C1 (保守) … C5 (激进). C*n* may buy R1–R*n*."""

    C1 = 1
    C2 = 2
    C3 = 3
    C4 = 4
    C5 = 5

    @property
    def code(self) -> str:
        return self.name


class Tier(StrEnum):
    ORDINARY = "ordinary"
    JIAOYIN = "jiaoyin"  # 交银理财
    WODE = "wode"  # 沃德


class AccountKind(StrEnum):
    DEBIT_CARD = "debit_card"
    PAYROLL_CARD = "payroll_card"
    CREDIT_CARD = "credit_card"
    SAVINGS = "savings"


class Channel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    VISIT = "visit"
    LETTER = "letter"
    WECHAT = "wechat"
    EMAIL = "email"


class Disposition(StrEnum):
    """The documented outcome codes of a contact."""

    INTERESTED = "interested"
    APPOINTMENT = "appointment"
    AGREED_TO_BUY = "agreed_to_buy"
    POLITE_DECLINE = "polite_decline"
    FIRM_DECLINE = "firm_decline"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    DO_NOT_CALL = "do_not_call"
    SERVICE_DONE = "service_done"  # 回访 completed
    INFORMED = "informed"  # a message delivered (SMS, letter) with no answer expected


# Outcomes after which no next contact is agreed: a quiet period, an opt-out, a finished 回访, a message delivered.
SETTLING_OUTCOMES = frozenset(
    {Disposition.FIRM_DECLINE, Disposition.DO_NOT_CALL, Disposition.SERVICE_DONE, Disposition.INFORMED}
)


class TaskKind(StrEnum):
    CALLBACK = "callback"  # the client asked to be called at a time
    SERVICE_CALLBACK = "service_callback"  # 回访 after a purchase
    APPOINTMENT_CONFIRM = "appointment_confirm"
    MATURITY = "maturity"
    ASSESSMENT_RENEWAL = "assessment_renewal"
    FOLLOW_UP = "follow_up"  # interested client
    SMS = "sms"
    VERIFY_NUMBER = "verify_number"
    REFERRAL = "referral"
    REVIEW = "review"  # supervisor review
    ID_UPDATE = "id_update"  # KYC: the client's ID expired or expires soon; take the new one at the next visit
    EVENT_INVITE = "event_invite"  # invite a client to a marketing event (营销活动)
    EVENT_REMINDER = "event_reminder"  # remind an invitee who accepted, the working day before
    EVENT_FOLLOW_UP = "event_follow_up"  # follow up an attendee within the policy's days after the event


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class SkipReason(StrEnum):
    """Why a call was left for the day (kept as its code with the task: ``csm_tui.domain.task_notes``)."""

    NOT_NOW = "not_now"  # the client is away, ill, travelling
    CONTACTED_ELSEWHERE = "contacted_elsewhere"  # seen at the counter, by a colleague
    NOT_SUITABLE = "not_suitable"
    OTHER = "other"


class TaskOrigin(StrEnum):
    CONTACT = "contact"
    SALE = "sale"
    APPOINTMENT = "appointment"
    REFERRAL = "referral"
    EVENT = "event"  # a marketing event's invitation (origin_id: the invitation)
    SYSTEM = "system"
    MANUAL = "manual"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class ReferralKind(StrEnum):
    WALK_IN = "walk_in"  # from a teller or the lobby manager to a CSM
    WODE = "wode"  # to a 沃德 client manager
    CLIENT = "client"  # an existing client recommends someone


class ReferralStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    RELEASED = "released"  # an accepted 沃德 referral ended: the client left the 沃德 client manager's book


class SuitabilityOutcome(StrEnum):
    SOLD = "sold"
    BLOCKED = "blocked"
    REFUSED = "refused"  # the client declined, or refused the recording
    CANCELLED = "cancelled"  # cancelled in the cooling-off period


class HoldingStatus(StrEnum):
    ACTIVE = "active"
    MATURED = "matured"
    REDEEMED = "redeemed"
    CANCELLED = "cancelled"


class QueueReason(StrEnum):
    """Why a client is in today's call queue, in the queue's order of priority."""

    CALLBACK = "callback"  # the client asked to be called at a time
    SERVICE_CALLBACK = "service_callback"  # 回访 inside the window after a purchase
    APPOINTMENT_CONFIRM = "appointment_confirm"  # tomorrow's meeting
    EVENT_REMINDER = "event_reminder"  # an accepted invitation to tomorrow's event
    MATURITY = "maturity"  # a holding maturing soon
    LARGE_OUTFLOW = "large_outflow"  # much money left since the previous data date
    TIER_AT_RISK = "tier_at_risk"  # the 3-month average will fall below the client's tier within days
    ASSESSMENT = "assessment"  # the risk assessment expires while a holding matures
    ID_EXPIRY = "id_expiry"  # KYC: the client's ID expired or expires within the policy's days
    BIRTHDAY = "birthday"  # a greeting on the working day before the client's birthday
    FOLLOW_UP = "follow_up"  # an interested client
    EVENT_FOLLOW_UP = "event_follow_up"  # an attendee of a recent marketing event
    EVENT_INVITE = "event_invite"  # an invitation to a marketing event
    REFERRAL = "referral"  # a walk-in referred by a teller or the lobby manager
    WODE_REFERRAL = "wode_referral"  # a client at the 沃德 standard referred by a CSM to a 沃德 client manager
    IDLE_DEPOSITS = "idle_deposits"  # precision marketing: large idle demand deposits, no wealth product
    NEAR_JIAOYIN = "near_jiaoyin"  # just under the 交银理财 threshold
    NEAR_WODE = "near_wode"  # just under the 沃德 threshold

    @property
    def prospect(self) -> bool:
        return self in PROSPECT_REASONS


PROSPECT_REASONS = frozenset({QueueReason.IDLE_DEPOSITS, QueueReason.NEAR_JIAOYIN, QueueReason.NEAR_WODE})


class ProspectCallKind(StrEnum):
    """A call to a prospect (潜在客户): the first after they were taken, a retry after no answer, a follow-up."""

    FIRST_CALL = "first_call"
    RETRY = "retry"
    FOLLOW_UP = "follow_up"


class ProspectOutcome(StrEnum):
    """What came of a call to a prospect; not interested, do not call and a wrong number stop the calls."""

    REACHED = "reached"  # spoken to (a note of what was said): a follow-up call later
    NO_ANSWER = "no_answer"  # retried by the cadence
    NOT_INTERESTED = "not_interested"
    DO_NOT_CALL = "do_not_call"  # the consent to be contacted withdrawn: purged at the next nightly purge
    WRONG_NUMBER = "wrong_number"
    # the same person taken twice before the database held one person one prospect (migration 0020): the later
    # one's calls stopped, the first CSM follows them; never a call's outcome
    TAKEN_TWICE = "taken_twice"


PROSPECT_STOPS = frozenset({ProspectOutcome.NOT_INTERESTED, ProspectOutcome.DO_NOT_CALL, ProspectOutcome.WRONG_NUMBER})


class ChecklistPhase(StrEnum):
    """The three parts of the manual's day."""

    BEFORE = "before"  # 班前
    DURING = "during"  # 班中
    AFTER = "after"  # 班后


class ChecklistMeasure(StrEnum):
    """What an automatic checklist item counts: ``done / total`` from the day's data."""

    MEETINGS_CONFIRMED = "meetings_confirmed"  # today's meetings confirmed (or already held)
    CALLBACKS = "callbacks"  # callbacks due by today, made
    MATURITIES = "maturities"  # clients with a product maturing soon, contacted
    PRODUCTS_READ = "products_read"  # new or changed products on the shelf, read
    CALLS = "calls"  # phone calls against the daily target
    REFERRALS = "referrals"  # walk-in referrals received, handled
    SERVICE_CALLBACKS = "service_callbacks"  # 回访 due by today, made
    MEETINGS_RECORDED = "meetings_recorded"  # today's meetings that have begun, with their outcome recorded
    TOMORROW_CONFIRMED = "tomorrow_confirmed"  # the next working day's meetings confirmed
    NEXT_CONTACTS = "next_contacts"  # clients contacted today with their next contact agreed
    SUMMARY = "summary"  # the day summary written


class MysteryItem(StrEnum):
    """The mystery-shopper (神秘客) checklist: what the shopper checks the CSM does."""

    GREETING = "greeting"  # greets the client
    NEEDS = "needs"  # finds the client's needs
    ASSESSMENT_VALIDITY = "assessment_validity"  # checks the risk assessment is valid
    RISK_LEVEL = "risk_level"  # states the product's risk level
    RISK_STATEMENT = "risk_statement"  # says 理财非存款、投资有风险
    NO_PROMISE = "no_promise"  # promises no principal or return
    DUAL_RECORDING = "dual_recording"  # follows 双录
    CLOSE = "close"  # a courteous close


class AppraisalGrade(StrEnum):
    """The annual grade: A, B and C by forced distribution; D only by a supervisor's decision with a reason."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class AmlSign(StrEnum):
    """What a CSM saw that made them suspect money laundering (可疑交易的识别点)."""

    LARGE_CASH = "large_cash"  # large or structured (split) cash
    UNCLEAR_FUNDS = "unclear_funds"  # source of funds unclear
    THIRD_PARTY = "third_party"  # payments to or from third parties
    BEHAVIOUR = "behaviour"  # the client's behaviour


class AmlStatus(StrEnum):
    """A suspicion report's state: open until the outlet's AML reviewer decides it, once."""

    OPEN = "open"
    REPORTED = "reported"  # reported on to the anti-money-laundering centre
    DISMISSED = "dismissed"


class LeaveKind(StrEnum):
    """Why a CSM is away (请假 / 休假)."""

    ANNUAL = "annual"  # 年休假
    SICK = "sick"  # 病假
    PERSONAL = "personal"  # 事假
    TRAINING = "training"  # 脱产培训
    OTHER = "other"


class EventKind(StrEnum):
    """The manual's marketing events (营销活动)."""

    COMMUNITY = "community"  # 小区营销
    PAYROLL = "payroll"  # 代发工资单位集团营销: a company that pays salaries through the bank
    SECURITIES = "securities"  # 证券客户: clients with securities custody (银证转账)
    SALON = "salon"  # 客户沙龙
    BRANCH = "branch"  # the branch's own event


class InviteRule(StrEnum):
    """Who an event's invitation by rule picks (of the clients the inviter may call)."""

    EMPLOYER = "employer"  # the employees of the payroll event's company
    SECURITIES = "securities"  # clients with securities custody
    PROSPECTS = "prospects"  # precision marketing: idle deposits or just under a tier (as the call queue's)


class InviteStatus(StrEnum):
    """Where an invitation stands."""

    INVITED = "invited"  # to be called
    NO_ANSWER = "no_answer"  # called, not reached yet: called again by the cadence
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WALK_IN = "walk_in"  # came without an invitation, checked in on the day


# Queue reasons whose day and time are fixed with the client (a callback the client asked for, a 回访 inside its
# window, a meeting's confirmation): never held back when a backlog is spread over the days after a leave.
FIXED_REASONS = frozenset(
    {QueueReason.CALLBACK, QueueReason.SERVICE_CALLBACK, QueueReason.APPOINTMENT_CONFIRM, QueueReason.EVENT_REMINDER}
)
