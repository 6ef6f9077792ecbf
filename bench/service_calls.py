"""Figures timed in this process by calling the services the screens call: queue, outcome save, session open,
client search, client detail, the scoreboard's quarter table."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.desk import workstation
from bench.figures import CLIENT_DETAIL, OUTCOME_SAVE, QUEUE_BUILD, SCOREBOARD, SEARCH, SESSION_OPEN, Measured
from bench.plan import Bench
from bench.stats import Samples, time_ms
from csm_tui.domain.enums import Disposition
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.calls.preparation import prepare
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.clients import client_detail
from csm_tui.services.clients.finding import find_clients
from csm_tui.services.scoreboard.quarter_scores import team_table
from csm_tui.services.workstation import Workstation
from storage.orm import ClientRow

SEARCH_SAMPLE = 5  # clients whose name, initials, number and mobile are typed


def queue_build(bench: Bench) -> list[Measured]:
    """The timed CSM's queue; beside it, their book and open tasks (``TimedCsm.note``)."""
    csm = bench.csm
    ws = workstation(bench.engine, csm.login)
    detail = {"rows": len(today_queue(ws)), "csm": csm.login, "book": csm.book, "open_tasks": csm.open_tasks}
    return [Measured(QUEUE_BUILD, time_ms(lambda: today_queue(ws), bench.plan.runs), detail, note=csm.note())]


def client_search(bench: Bench) -> list[Measured]:
    """Each successive prefix of the name, initials, number and mobile of several of the timed CSM's clients
    (``SEARCH_SAMPLE``), as a CSM types them.

    Per client, the slowest keystroke; a row gives the median client's (which client is drawn differs by the size of
    the branch, and one client's letters can match many more or fewer than another's), its detail every client's
    slowest keystroke and the median client's every keystroke.
    """
    ws = workstation(bench.engine, bench.csm.login)
    typed: dict[str, list[str]] = {}
    for client in _sample_clients(bench, ws):
        for kind, text in client.items():
            typed.setdefault(kind, []).append(text)
    measured = []
    for kind, texts in typed.items():
        slowest = sorted((_slowest_keystroke(bench, ws, text) for text in texts), key=lambda found: found[1].median)
        text, samples, per_key = slowest[len(slowest) // 2]
        detail = {
            "clients": [[found[0], round(found[1].median, 2)] for found in slowest],
            "typed": text,
            "keystrokes": per_key,
            "slowest": max(per_key, key=per_key.__getitem__),
        }
        measured.append(Measured(SEARCH[kind], samples, detail))
    return measured


def _slowest_keystroke(bench: Bench, ws: Workstation, text: str) -> tuple[str, Samples, dict[str, float]]:
    """``text`` typed a character at a time: its slowest keystroke's samples, and every keystroke's median."""
    per_key = {text[:n]: time_ms(partial(find_clients, ws, text[:n]), bench.plan.runs) for n in range(1, len(text) + 1)}
    slowest = max(per_key.values(), key=lambda samples: samples.median)
    return text, slowest, {prefix: round(samples.median, 2) for prefix, samples in per_key.items()}


def _sample_clients(bench: Bench, ws: Workstation) -> list[dict[str, str]]:
    """What to type for ``SEARCH_SAMPLE`` of the signed-in CSM's clients: the first with a three-character
    name (others after them, in a book with too few)."""
    query = (
        select(ClientRow.name, ClientRow.name_initials, ClientRow.number, ClientRow.mobile)
        .where(ClientRow.manager_id == ws.staff.id)
        .order_by(func.length(ClientRow.name) != 3, ClientRow.id)
        .limit(SEARCH_SAMPLE)
    )
    with Session(bench.engine) as session:
        rows = session.execute(query).all()
    return [{"name": r.name, "initials": r.name_initials, "number": r.number, "mobile": r.mobile} for r in rows]


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
