"""Figures timed in this process by calling the services the screens call: queue, outcome save, session open,
client search, client detail, the scoreboard's quarter table."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.desk import workstation
from bench.figures import CLIENT_DETAIL, OUTCOME_SAVE, QUEUE_BUILD, SCOREBOARD, SEARCH, SESSION_OPEN, Measured
from bench.plan import Bench
from bench.stats import time_ms
from csm_tui.domain.enums import Disposition
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.calls.preparation import prepare
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.clients import client_detail
from csm_tui.services.clients.finding import find_clients
from csm_tui.services.scoreboard.quarter_scores import team_table
from csm_tui.services.workstation import Workstation
from storage.orm import ClientRow


def queue_build(bench: Bench) -> list[Measured]:
    """The timed CSM's queue; beside it, their book and open tasks (``TimedCsm.note``)."""
    csm = bench.csm
    ws = workstation(bench.engine, csm.login)
    detail = {"rows": len(today_queue(ws)), "csm": csm.login, "book": csm.book, "open_tasks": csm.open_tasks}
    return [Measured(QUEUE_BUILD, time_ms(lambda: today_queue(ws), bench.plan.runs), detail, note=csm.note())]


def client_search(bench: Bench) -> list[Measured]:
    """Each successive prefix of one of the timed CSM's clients' name, initials, number and mobile, as a CSM types them.

    A row's median is the slowest keystroke's median; its detail gives every keystroke's median.
    """
    ws = workstation(bench.engine, bench.csm.login)
    measured = []
    for kind, text in _sample_client(bench, ws).items():
        per_key = {
            text[:n]: time_ms(partial(find_clients, ws, text[:n]), bench.plan.runs) for n in range(1, len(text) + 1)
        }
        slowest = max(per_key, key=lambda prefix: per_key[prefix].median)
        detail = {"keystrokes": {prefix: round(s.median, 2) for prefix, s in per_key.items()}, "slowest": slowest}
        measured.append(Measured(SEARCH[kind], per_key[slowest], detail))
    return measured


def _sample_client(bench: Bench, ws: Workstation) -> dict[str, str]:
    """What to type for one of the signed-in CSM's clients: the first with a three-character name."""
    query = (
        select(ClientRow.name, ClientRow.name_initials, ClientRow.number, ClientRow.mobile)
        .where(ClientRow.manager_id == ws.staff.id)
        .order_by(func.length(ClientRow.name) != 3, ClientRow.id)
        .limit(1)
    )
    with Session(bench.engine) as session:
        row = session.execute(query).one()
    return {"name": row.name, "initials": row.name_initials, "number": row.number, "mobile": row.mobile}


def outcome_save(bench: Bench) -> list[Measured]:
    """What the call session does on an outcome key: save the outcome (one transaction), then load the next card."""
    ws = workstation(bench.engine, bench.csm.login)
    items = iter(today_queue(ws))
    now = ws.time.now().datetime

    def save_and_next() -> None:
        item = next(items)
        outcome = Outcome(Disposition.INTERESTED, note="bench")
        record(ws, item.client_id, outcome, task_id=item.main.task_id, started_at=now)
        prepare(ws, next(items).client_id)

    return [Measured(OUTCOME_SAVE, time_ms(save_and_next, bench.plan.runs))]


def session_open(bench: Bench) -> list[Measured]:
    """What the queue does on its call key: the first client's card (an audited read)."""
    ws = workstation(bench.engine, bench.csm.login)
    first = today_queue(ws)[0].client_id
    return [Measured(SESSION_OPEN, time_ms(partial(prepare, ws, first), bench.plan.runs))]


def client_detail_open(bench: Bench) -> list[Measured]:
    """The client detail screen's load for the signed-in CSM's richest client."""
    ws = workstation(bench.engine, bench.csm.login)
    richest = find_clients(ws)[0].id
    return [Measured(CLIENT_DETAIL, time_ms(partial(client_detail.load, ws, richest), bench.plan.runs))]


def scoreboard(bench: Bench) -> list[Measured]:
    """The branch's quarter table as the admin's scoreboard loads it: every CSM's card of the current quarter,
    ranked and graded (aggregate queries grouped by staff)."""
    admin = workstation(bench.engine, "admin")
    rows = len(team_table(admin).rows)
    return [Measured(SCOREBOARD, time_ms(partial(team_table, admin), bench.plan.runs), {"csms": rows})]
