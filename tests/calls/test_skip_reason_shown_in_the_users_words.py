"""A task whose note holds a skip reason's code — as every skipped call's does, and as an old or imported open task
may — shows the reason in the user's words (issue 18.5): on the client page's task list, in the queue's detail and on
the call card, in either language, never the code.

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai): the note of the first call of
csm01's queue holds the code.
"""

from __future__ import annotations

import pytest
from rich.console import Group
from sqlalchemy import update
from sqlalchemy.orm import Session

from csm_tui.domain.enums import SkipReason
from csm_tui.services.calls.queue import today_queue
from screens.call_session import CallSession
from screens.client_detail import COLUMNS
from storage.engine import make_engine
from storage.orm import TaskRow
from tests.support.branch import open_desk
from tests.support.pilot import make_app, open_client_page, press_settled, skip_said, whole_rows
from widgets.client_card import ClientCard

NOTE = "客户约定时间回电\n[contacted_elsewhere] 柜台已办理"


def _first_call_with_a_coded_note(url: str) -> int:
    """The client of csm01's first call, its task's note ending in a skip reason's code."""
    first = today_queue(open_desk(url, "csm01"))[0].main
    with Session(make_engine(url)) as session, session.begin():
        session.execute(update(TaskRow).where(TaskRow.id == first.task_id).values(note=NOTE))
    return first.client_id


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_coded_skip_reason_reads_in_the_users_words_on_the_client_page_queue_and_card(
    demo_url: str, lang: str
) -> None:
    client_id = _first_call_with_a_coded_note(demo_url)
    said = skip_said(lang, SkipReason.CONTACTED_ELSEWHERE, "柜台已办理")
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_client_page(pilot, client_id)
        note = COLUMNS["todo"].index("note")
        notes = [row[note].plain for row in app.screen.query_one("#todo").full]  # type: ignore[attr-defined]
        assert any(said in note for note in notes) and not any("[contacted_elsewhere]" in n for n in notes)
        await press_settled(pilot, "escape", "2")
        first = whole_rows(app)[0]
        assert said in first[3] and "[contacted_elsewhere]" not in first[3]  # the detail column
        await press_settled(pilot, "c")
        assert isinstance(app.screen, CallSession)
        content = app.screen.query_one(ClientCard).content
        card = "\n".join(str(line) for line in content.renderables) if isinstance(content, Group) else str(content)
        assert said in card and "[contacted_elsewhere]" not in card
