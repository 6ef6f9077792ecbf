"""Who does which kind of work: the role groups the rules below the screens enforce (``storage.access``, the
events' store) and the app offers (the command palette), named once."""

from __future__ import annotations

from csm_tui.domain.enums import Role

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
# Who has suspicion reports to list: a CSM those filed, the reviewers (a supervisor or the admin, by policy).
AML_LIST_ROLES = frozenset({Role.CSM, Role.SUPERVISOR, Role.ADMIN})
