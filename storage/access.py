"""Who may see and do what: the one place every repository, read model and store of a unit of work asks.

The acting staff member is the one the unit of work read from the database when it started (role, team as they
stand now); ``None`` is the system (an import run by the CLI, the demo builder), which may do everything but has no
scoreboard of its own. Answers that need the database (a client's manager, a staff member's supervisor) are read
once and kept for the unit of work's life, so a screen that asks about one client ten times reads it once.

The rules, by role (the bank's OCRM rule):
- a client in full: the CSM who manages them (and a colleague covering their leave, while it lasts and while the
  branch's policy as it stands lets a colleague cover: ``leave_calls_wait``), the supervisor
  of that CSM's team, a 沃德 client manager the client is referred to (open or accepted), the admin; lobby managers
  and tellers never (they refer).
- a client's record changed, an assessment taken, a sale or suitability record written, a family link or a 沃德
  referral made (``require_client_record``): as above, but not by a colleague who sees the client only while
  covering their manager's leave, nor by a 沃德 client manager whose referral of the client is still open (theirs
  to decide, not theirs yet: accepted, the client is in their book). A cover makes the calls (the card, the
  outcome, its follow-ups and flags); the client, their record and what is sold to them stay the CSM's (their
  supervisor's and the admin's meanwhile).
- a staff member's lists (queue, tasks, meetings, checklist, figures, exports): their own, a supervisor their team's,
  the admin everyone's. Their own book of clients (``book_of``): those they manage, and a 沃德 client manager's
  accepted 沃德 referrals; a supervisor's lists name the team's clients by the CSM who manages them. A 沃德 client
  manager's queue calls their book and the clients referred to them still open (``wode_called``).
- a CSM's scores: their own, a supervisor their team's, the admin every CSM's (the system has none to see).
- reference data (outlets, staff, products), balances and the bulk import: the admin (and the system) only.
- a suspicion report (AML): filed by the client's own CSM (not a cover, never a supervisor, teller or lobby manager);
  read by its author and the outlet's AML reviewers only (the policy's ``[aml] reviewer``: the outlet's active
  supervisors, or the active admins; the other when nobody of that role is active and at work, not on leave), as
  they stand at each reading — not by the admin as such, nor the client's supervisor: nobody else learns of it (no
  tipping off); decided by a reviewer only. The system (imports, the demo builder) may do everything, as elsewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, null, or_, select, true
from sqlalchemy.orm import Session

from csm_tui.clock import Clock
from csm_tui.domain.enums import ReferralKind, ReferralStatus, Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Staff
from csm_tui.domain.roles import SCOREBOARD_ROLES
from csm_tui.policy import LeaveCalls, LeavePolicy
from csm_tui.services.policy_audit import VALUES_KEY
from csm_tui.services.ports import AccessDenied
from storage.orm import ClientRow, LeaveRow, MetaRow, ReferralRow, StaffRow

# Referrals through which a 沃德 client manager works with a client in full.
WEALTH_REFERRALS = (ReferralStatus.OPEN, ReferralStatus.ACCEPTED)


@dataclass(frozen=True)
class Book:
    """Whose a client is to one staff member, as conditions over ``ClientRow`` for a list's query (``book_of``)."""

    own: ColumnElement[bool]  # in their own book (NULL for a client of nobody's: read it as not)
    others: ColumnElement[bool]  # not in it
    team: ColumnElement[str | None]  # a supervisor's team's client: the name of the CSM who manages it; else NULL


def book_of(session: Session, staff_id: int) -> Book:
    """A staff member's own book, by their role as it stands: the clients they manage and, for a 沃德 client manager,
    the clients referred to them as 沃德 clients and accepted (never open ones: those are still theirs to decide).
    For a supervisor, their team's clients are named by the CSM who manages them (seen in full, never their own)."""
    role = session.scalar(select(StaffRow.role).where(StaffRow.id == staff_id))
    own = ClientRow.manager_id == staff_id
    others = or_(ClientRow.manager_id.is_(None), ClientRow.manager_id != staff_id)
    if role is Role.WEALTH_MANAGER:
        accepted = wode_accepted(staff_id)
        own, others = or_(own, ClientRow.id.in_(accepted)), and_(others, ClientRow.id.not_in(accepted))
    team: ColumnElement[str | None] = cast(null(), String)
    if role is Role.SUPERVISOR:
        manager = select(StaffRow.name).where(StaffRow.id == ClientRow.manager_id, StaffRow.supervisor_id == staff_id)
        team = manager.scalar_subquery()
    return Book(own, others, team)


def wode_accepted(staff_id: ColumnElement[int] | int) -> Select[Any]:
    """The clients referred to ``staff_id`` as 沃德 clients and accepted by them (ids): their book's."""
    return _wode_referred(staff_id, ReferralStatus.ACCEPTED)


def wode_called(staff_id: ColumnElement[int] | int, *statuses: ReferralStatus) -> Select[Any]:
    """The clients referred to ``staff_id`` as 沃德 clients, open or accepted (ids): whose calls the 沃德 client
    manager makes from their queue — their book's, and those still theirs to decide (calling the client is part of
    deciding; a referral returned closes their calls on the client: ``services.clients.referrals.decide``).
    ``statuses``: only those (the open ones, which the queue says are not theirs yet)."""
    return _wode_referred(staff_id, *(statuses or WEALTH_REFERRALS))


def _wode_referred(staff_id: ColumnElement[int] | int, *statuses: ReferralStatus) -> Select[Any]:
    return select(ReferralRow.client_id).where(
        ReferralRow.to_staff_id == staff_id,
        ReferralRow.kind == ReferralKind.WODE,
        ReferralRow.status.in_(statuses),
    )


def leave_calls_wait(session: Session) -> bool:
    """The branch's leave policy as it stands in the database (the policy recorded at the last start whose file
    changed, ``services.policy_audit``) lets an absent CSM's calls wait: then nobody covers, whatever a leave names,
    from the moment it is recorded — not as the policy stood when the leave was. Nothing recorded: the shipped
    default; a record that cannot be read: the calls wait (no colleague sees another's clients on a doubt). A
    workstation whose own policy lets the calls wait (``SqlUnitOfWorkFactory.leave_calls``) covers nothing either."""
    if session.info.get("leave_calls") is LeaveCalls.WAIT:
        return True
    raw = session.scalar(select(MetaRow.value).where(MetaRow.key == VALUES_KEY))
    if raw is None:
        return LeavePolicy().calls is LeaveCalls.WAIT
    try:
        values = json.loads(raw)
    except ValueError:
        return True
    calls = values.get("leave.calls", LeavePolicy().calls.value) if isinstance(values, dict) else None
    return calls != LeaveCalls.COVER.value


def _leave_now(session: Session) -> list[ColumnElement[bool]] | None:
    """A leave as it stands at this instant (the unit of work's clock): not cancelled, begun and not yet ended;
    None without a clock."""
    clock: Clock | None = session.info.get("clock")
    if clock is None:
        return None
    now = clock.now().datetime
    return [LeaveRow.cancelled_at.is_(None), LeaveRow.starts_at <= now, LeaveRow.ends_at > now]


def cover_on_staff() -> list[ColumnElement[bool]]:
    """The colleague a leave names can still cover it, as the staff rows stand: active, and on staff until the
    leave's last day (a last day on staff set before it by a staff import ends the cover at once, as the leave could
    not have named them so: ``services.leave`` refuses it when recording). To be joined to ``LeaveRow``."""
    return [
        StaffRow.id == LeaveRow.cover_id,
        StaffRow.active.is_(True),
        or_(StaffRow.left_on.is_(None), StaffRow.left_on >= LeaveRow.last_day),
    ]


def covering_now(session: Session, actor_id: int, manager_id: int) -> bool:
    """``actor_id`` covers for ``manager_id`` at this instant: a leave of the manager's, not cancelled, that names
    the actor as cover, who can still cover it (``cover_on_staff``), and has begun and not yet ended, while the
    branch's policy lets a colleague cover (``leave_calls_wait``)."""
    live = _leave_now(session)
    if live is None or leave_calls_wait(session):
        return False
    query = select(LeaveRow.id).where(
        LeaveRow.staff_id == manager_id, LeaveRow.cover_id == actor_id, *live, *cover_on_staff()
    )
    return session.scalar(query.limit(1)) is not None


def _on_leave_now(session: Session) -> set[int]:
    """The staff on leave at this instant."""
    live = _leave_now(session)
    return set() if live is None else set(session.scalars(select(LeaveRow.staff_id).where(*live)))


class Access:
    """The acting staff member's rights within one unit of work (one transaction)."""

    def __init__(self, session: Session, actor: Staff | None) -> None:
        self.session = session
        self.actor = actor
        self._clients: dict[int, bool] = {}  # client id → may see in full
        self._by_cover: set[int] = set()  # client ids seen in full only through covering their manager's leave
        self._by_open_referral: set[int] = set()  # client ids seen in full only through a 沃德 referral still open
        self._supervisors: dict[int, int | None] = {}  # staff id → their supervisor's id
        self._covered: dict[int, bool] = {}  # staff id → the actor covers their leave now
        # active supervisors and admins: id, role, outlet, on leave now
        self._aml_staff: list[tuple[int, Role, int | None, bool]] | None = None
        # A deactivated staff member may do nothing (the unit of work refuses to start for them; a store made
        # without one refuses too).
        self._inactive = actor is not None and not actor.active

    # --- the acting staff member --------------------------------------------------------------------------------

    @property
    def admin(self) -> bool:
        """The system (no actor: imports, the demo builder) and the branch admin may do everything."""
        return self.actor is None or (self.actor.role is Role.ADMIN and not self._inactive)

    @property
    def actor_id(self) -> int | None:
        return None if self.actor is None else self.actor.id

    def is_self(self, staff_id: int | None) -> bool:
        return self.actor is not None and not self._inactive and staff_id is not None and self.actor.id == staff_id

    def has_role(self, *roles: Role) -> bool:
        return self.actor is not None and not self._inactive and self.actor.role in roles

    def require_admin(self, what: str) -> None:
        if not self.admin:
            raise AccessDenied(what)

    def require_own(self, staff_id: int, what: str) -> None:
        """Written in one's own name only (a checklist, products read); the system writes for anyone."""
        if self.actor is not None and not self.is_self(staff_id):
            raise AccessDenied(what)

    # --- staff members' lists -----------------------------------------------------------------------------------

    def supervisor_of(self, staff_id: int) -> int | None:
        if staff_id not in self._supervisors:
            query = select(StaffRow.supervisor_id).where(StaffRow.id == staff_id)
            self._supervisors[staff_id] = self.session.scalar(query)
        return self._supervisors[staff_id]

    def in_team(self, staff_id: int) -> bool:
        """The staff member is in the acting supervisor's team."""
        return self.has_role(Role.SUPERVISOR) and self.supervisor_of(staff_id) == self.actor_id

    def may_act_for(self, staff_id: int) -> bool:
        """Whose lists (queue, tasks, meetings, checklist, figures) the actor may read: their own, a supervisor their
        team's, an admin everyone's."""
        return self.admin or self.is_self(staff_id) or self.in_team(staff_id)

    def covers(self, staff_id: int) -> bool:
        """The acting CSM covers ``staff_id``'s leave at this instant (``covering_now``)."""
        if not self.has_role(Role.CSM) or self.actor_id is None:
            return False
        if staff_id not in self._covered:
            self._covered[staff_id] = covering_now(self.session, self.actor_id, staff_id)
        return self._covered[staff_id]

    def require_act_for(self, staff_id: int, what: str) -> None:
        if not self.may_act_for(staff_id):
            raise AccessDenied(what)

    def require_calls_of(self, staff_id: int, what: str) -> None:
        """Refuse unless the actor reads ``staff_id``'s lists (``may_act_for``) or makes their calls now, covering
        their leave (a cover makes the calls, the outcome and its follow-ups: see the module's docstring)."""
        if not (self.may_act_for(staff_id) or self.covers(staff_id)):
            raise AccessDenied(what)

    # --- clients ------------------------------------------------------------------------------------------------

    def may_see_client(self, client_id: int, manager_id: int | None = None, *, known: bool = False) -> bool:
        """The OCRM rule, by role (see the module's docstring). ``manager_id`` as just read with the client
        (``known``), else read here; the answer is kept for the unit of work."""
        if self.admin:
            return True
        if client_id not in self._clients:
            if not known:
                manager_id = self.session.scalar(select(ClientRow.manager_id).where(ClientRow.id == client_id))
            self._clients[client_id] = self._sees_client(client_id, manager_id)
        return self._clients[client_id]

    def _sees_client(self, client_id: int, manager_id: int | None) -> bool:
        if manager_id is not None and (self.is_self(manager_id) or self.in_team(manager_id)):
            return True
        if manager_id is not None and self.covers(manager_id):  # a colleague on leave, covered by the actor now
            self._by_cover.add(client_id)  # a CSM: no referral of their own makes more of it
            return True
        if self.has_role(Role.WEALTH_MANAGER):
            referred = select(ReferralRow.kind, ReferralRow.status).where(
                ReferralRow.client_id == client_id,
                ReferralRow.to_staff_id == self.actor_id,
                ReferralRow.status.in_(WEALTH_REFERRALS),
            )
            found = {(kind, status) for kind, status in self.session.execute(referred)}
            if found and (ReferralKind.WODE, ReferralStatus.ACCEPTED) not in found:
                self._by_open_referral.add(client_id)  # theirs to decide, not theirs yet: no write right
            return bool(found)
        return False

    def require_client(self, client_id: int, manager_id: int | None = None, *, known: bool = False) -> None:
        """Refuse unless the actor may work with the client's full record."""
        if not self.may_see_client(client_id, manager_id, known=known):
            raise AccessDenied("client")

    def require_client_record(self, client_id: int, manager_id: int | None = None, *, known: bool = False) -> None:
        """Refuse unless the actor may change the client's record or sell to them: who may see them in full, except
        a colleague who does so only while covering the manager's leave, and a 沃德 client manager whose referral
        of the client is still open (``wode_referral_open``; see the module's docstring)."""
        self.require_client(client_id, manager_id, known=known)
        if client_id in self._by_cover:
            raise AccessDenied("client_cover")
        if client_id in self._by_open_referral:
            raise DomainError("wode_referral_open")

    def require_client_calls(self, client_id: int, manager_id: int | None = None, *, known: bool = False) -> None:
        """Refuse unless the actor may set the contact flags a call finds (``ClientRepository.set_flags``): who may
        see the client in full, a colleague covering the manager's leave too, but not a 沃德 client manager whose
        referral of the client is still open (``wode_referral_open``: the flags stay the client's CSM's until
        accepted; the calls themselves and the follow-ups they book are the 沃德 client manager's to make)."""
        self.require_client(client_id, manager_id, known=known)
        if client_id in self._by_open_referral:
            raise DomainError("wode_referral_open")

    def only_covering(self, client_id: int) -> bool:
        """The actor sees the client in full only while covering their manager's leave (the call, nothing more)."""
        return self.may_see_client(client_id) and client_id in self._by_cover

    def only_referred(self, client_id: int) -> bool:
        """The actor, a 沃德 client manager, sees the client in full only through a referral still open (theirs to
        decide: nothing of the client's record changed until accepted)."""
        return self.may_see_client(client_id) and client_id in self._by_open_referral

    def in_book(self, client_id: int) -> bool:
        """The client is in the actor's own book (``book_of``): one they manage or, a 沃德 client manager, one whose
        沃德 referral they accepted. Nobody's for the system; an admin's or a supervisor's only if they manage it."""
        if self.actor_id is None or self._inactive:
            return False
        own = book_of(self.session, self.actor_id).own
        return self.session.scalar(select(ClientRow.id).where(ClientRow.id == client_id, own)) is not None

    def book_read(self, staff_id: int) -> Book:
        """``staff_id``'s book as the actor may read it (whose lists: ``may_act_for``, else refused): one's own and,
        for the admin, anyone's whole; for a supervisor, a team member's only as far as the supervisor sees its
        clients in full (those the team's CSMs manage: never a 沃德 client manager's accepted clients of another
        team's CSM), the rest left out."""
        seen = self.lists_seen(staff_id)
        book = book_of(self.session, staff_id)
        return Book(and_(book.own, seen), book.others, book.team)

    def lists_seen(self, staff_id: int) -> ColumnElement[bool]:
        """Of ``staff_id``'s lists (whose: ``may_act_for``, else refused), the clients the actor sees in full, as a
        condition over ``ClientRow``: every one for one's own lists and the admin; for a supervisor, those the
        team's CSMs manage (never a 沃德 client manager's clients of another team's CSM)."""
        self.require_act_for(staff_id, "views")
        if self.admin or self.is_self(staff_id):
            return true()
        team = select(StaffRow.id).where(StaffRow.supervisor_id == self.actor_id)
        return or_(ClientRow.manager_id == self.actor_id, ClientRow.manager_id.in_(team))

    def releasing(self, client_id: int) -> None:
        """The actor released the client from a 沃德 client manager's book (theirs, or on behalf of a team member:
        ``ReferralRepository.release``): for the rest of the unit of work they cancel the manager's calls and
        meetings on the client, seen in full whoever manages them."""
        self._clients[client_id] = True
        self._by_cover.discard(client_id)
        self._by_open_referral.discard(client_id)

    def forget_client(self, client_id: int) -> None:
        """The client's manager or referrals changed in this unit of work: ask the database again."""
        self._clients.pop(client_id, None)
        self._by_cover.discard(client_id)
        self._by_open_referral.discard(client_id)

    # --- scores -------------------------------------------------------------------------------------------------

    @property
    def has_scoreboard(self) -> bool:
        """The branch's quarter figures (for ranks) are read by the system and by those who have a scoreboard."""
        return self.actor is None or self.has_role(*SCOREBOARD_ROLES)

    def require_scoreboard(self) -> None:
        if not self.has_scoreboard:
            raise AccessDenied("scores")

    def may_see_scores(self, csm_id: int, supervisor_id: int | None) -> bool:
        """Whose figures the actor may see: own; a supervisor their team's; the admin everyone's (the system, with
        no scoreboard of its own, none)."""
        if self.actor is None:
            return False
        if self.has_role(Role.ADMIN) or self.is_self(csm_id):
            return True
        return self.has_role(Role.SUPERVISOR) and supervisor_id == self.actor_id

    def require_scores(self, csm_id: int) -> None:
        if not self.may_see_scores(csm_id, self.supervisor_of(csm_id)):
            raise AccessDenied("scores")

    def require_appraiser(self, csm_id: int, *roles: Role) -> None:
        """Appraisal records of a CSM are written by the system, or by one of ``roles`` who sees the CSM's scores."""
        if self.actor is None:
            return
        if not self.has_role(*roles) or not self.may_see_scores(csm_id, self.supervisor_of(csm_id)):
            raise AccessDenied("appraisal")

    # --- suspicion reports (AML) --------------------------------------------------------------------------------

    def require_aml_filer(self, client_id: int, staff_id: int) -> None:
        """A report is filed by the client's own CSM, in their own name (the system files for anyone)."""
        if self.actor is None:
            return
        if not self.has_role(Role.CSM) or not self.is_self(staff_id):
            raise AccessDenied("aml")
        self.require_client_record(client_id)  # own clients only; a cover makes calls, nothing more

    def aml_reviewers(self, outlet_id: int, reviewer: Role, author_id: int) -> tuple[int, ...]:
        """Who reviews a report of the outlet by ``author_id``, as the staff stand in the database at this unit of
        work (so at each reading and each decision, never as at the filing): the policy's ``reviewer`` — the
        outlet's active supervisors, or the active admins — or, when nobody of that role is active and at work (not
        on leave now), the other (the admins, or the outlet's supervisors); never the author (a CSM promoted since),
        who leaves the report to the others. A reviewer on leave hands the reports over while away, and takes them
        back on return. A report is never left to nobody while someone could review it: when everyone who could is
        on leave, they review it still. Empty: nobody can (the service refuses to file a report then)."""
        if self._aml_staff is None:
            away = _on_leave_now(self.session)
            rows = self.session.execute(
                select(StaffRow.id, StaffRow.role, StaffRow.outlet_id)
                .where(StaffRow.active, StaffRow.role.in_((Role.SUPERVISOR, Role.ADMIN)))
                .order_by(StaffRow.id)
            )
            self._aml_staff = [(r.id, r.role, r.outlet_id, r.id in away) for r in rows]
        others = [(i, role, at, off) for i, role, at, off in self._aml_staff if i != author_id]

        def of(role: Role, *, at_work: bool) -> tuple[int, ...]:
            return tuple(
                i
                for i, r, at, off in others
                if r is role and (role is Role.ADMIN or at == outlet_id) and not (at_work and off)
            )

        order = (Role.ADMIN, Role.SUPERVISOR) if reviewer is Role.ADMIN else (Role.SUPERVISOR, Role.ADMIN)
        for at_work in (True, False):
            for role in order:
                if found := of(role, at_work=at_work):
                    return found
        return ()

    def is_aml_reviewer(self, outlet_id: int, reviewer: Role, author_id: int) -> bool:
        """The actor decides the report now (``aml_reviewers``); the system may do everything."""
        if self.actor is None:
            return True
        return self.has_role(Role.SUPERVISOR, Role.ADMIN) and self.actor.id in self.aml_reviewers(
            outlet_id, reviewer, author_id
        )

    def may_read_aml(self, author_id: int, outlet_id: int, reviewer: Role) -> bool:
        return self.is_self(author_id) or self.is_aml_reviewer(outlet_id, reviewer, author_id)

    def aml_review_scope(self) -> list[int] | str | None:
        """Whose reports the actor may review, before asking of each (``is_aml_reviewer``): ``"all"`` (the
        system, an admin), the supervisor's outlet, or None (a role that never reviews)."""
        if self.actor is None or self.has_role(Role.ADMIN):
            return "all"
        if self.has_role(Role.SUPERVISOR):
            return [] if self.actor.outlet_id is None else [self.actor.outlet_id]
        return None
