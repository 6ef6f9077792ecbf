"""Who does which kind of work: the role groups the rules below the screens enforce (``storage.access``, the
events' store, the client and AML services) and the app offers (the command palette, the key bar), named once."""

from __future__ import annotations

from csm_tui.domain.enums import Role

EVERYONE = frozenset(Role)
# Who has a scoreboard: the CSMs scored, their supervisors, the admin.
SCOREBOARD_ROLES = frozenset({Role.CSM, Role.SUPERVISOR, Role.ADMIN})
# Who plans events and invites (each their own clients; a supervisor the team's, the admin everyone's).
PLANNERS = frozenset({Role.CSM, Role.SUPERVISOR, Role.ADMIN})
# Who checks people in on an event's day: the planners and the lobby (大堂经理), who meets people at the door.
DOORKEEPERS = frozenset({*PLANNERS, Role.LOBBY})
# Who works with clients in full (their own, a 沃德 manager those referred to them, a supervisor the team's, the
# admin everyone's): a queue of calls, a client list, assessments, sales, meetings. The lobby and tellers never
# read a client in full: they refer.
CLIENT_WORK_ROLES = frozenset({Role.CSM, Role.WEALTH_MANAGER, Role.SUPERVISOR, Role.ADMIN})
# Who is given a book of clients of their own: the bank's imports name them managers, a walk-in goes to a CSM. A
# supervisor or the admin has none (unless one kept a book when moved from a CSM's post, until it is given out): their
# queue, client list and assessments say so rather than what a CSM would do to fill them.
BOOK_ROLES = frozenset({Role.CSM, Role.WEALTH_MANAGER})
# Who sells: client managers (of every grade) and 沃德 client managers. A supervisor reviews sales, the lobby and
# tellers refer, the admin runs the branch's data: none of them sells, whatever certificates they hold.
SELLING_ROLES = BOOK_ROLES
# Who has suspicion reports to list: a CSM those filed, the reviewers (a supervisor or the admin, by policy).
AML_LIST_ROLES = frozenset({Role.CSM, Role.SUPERVISOR, Role.ADMIN})
# Who files a suspicion report on a client: the CSM who serves them (a reviewer does not report to themselves).
AML_FILERS = frozenset({Role.CSM})
# Who records whom a client of their own book introduced, and follows them as a prospect: a CSM, a 沃德 client
# manager (of the 沃德 clients they accepted).
INTRODUCTION_TAKERS = BOOK_ROLES
# Who lists prospects: a CSM and a 沃德 client manager their own, a supervisor the team's.
PROSPECT_LIST_ROLES = frozenset({*INTRODUCTION_TAKERS, Role.SUPERVISOR})
# Who records a change of a client's civil capacity (a supervisor of the client's team, the admin; a CSM may not).
CAPACITY_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})

# Who records walk-ins at the counter, sending them to a CSM: the lobby, tellers, a supervisor, the admin.
COUNTER_ROLES = frozenset({Role.LOBBY, Role.TELLER, Role.SUPERVISOR, Role.ADMIN})
# Who is referred clients, to accept or return: a CSM (walk-ins), a 沃德 client manager (a CSM's 沃德 referrals).
REFERRAL_RECEIVERS = frozenset({Role.CSM, Role.WEALTH_MANAGER})
# Who releases a 沃德 client from a 沃德 client manager's book: the manager, their supervisor, the admin.
WODE_RELEASERS = frozenset({Role.WEALTH_MANAGER, Role.SUPERVISOR, Role.ADMIN})

# Each kind of work the app offers (a command palette entry, a key) → who may do it, as the services enforce it:
# what they would refuse a role is not offered to it (the palette leaves it out, the key bar and F1 do not show it,
# the key does nothing). The lobby and tellers find any client with F3 as the OCRM summary (masked), never in full:
# no queue, client list, sale or agenda of their own.
WORK_ROLES: dict[str, frozenset[Role]] = {
    "checklist": EVERYONE,
    "queue": CLIENT_WORK_ROLES,
    "clients": CLIENT_WORK_ROLES,  # a client's record in full: read, edit, log, follow up, refer
    "suitability": CLIENT_WORK_ROLES,
    "scoreboard": SCOREBOARD_ROLES,
    "referrals": EVERYONE,
    "walk_in": COUNTER_ROLES,
    "decide_referral": REFERRAL_RECEIVERS,
    "release_wode": WODE_RELEASERS,
    "events": DOORKEEPERS,
    "plan_events": PLANNERS,  # plan, invite, record answers, export the results (the lobby only checks people in)
    "search": EVERYONE,
    "new_sale": SELLING_ROLES,
    "agenda": CLIENT_WORK_ROLES,
    "shelf": EVERYONE,
    "leave": frozenset({Role.CSM}),  # a CSM's own; a supervisor records the team's from their checklists
    "export": CLIENT_WORK_ROLES,  # one's own task list and contact records
    "import": frozenset({Role.ADMIN}),
    "aml": AML_LIST_ROLES,
    "aml_report": AML_FILERS,
    "prospects": PROSPECT_LIST_ROLES,
    "introduce": INTRODUCTION_TAKERS,  # whoever has the client in their own book records whom they introduced
    "capacity": CAPACITY_ROLES,
    "data_state": frozenset({Role.ADMIN}),
    "help": EVERYONE,
    "quit": EVERYONE,
}


def offered(role: Role, work: str) -> bool:
    """The role may do ``work`` (a key of ``WORK_ROLES``)."""
    return role in WORK_ROLES[work]
