"""Back from the call session, the queue's cursor is on its top row (the most urgent call as the queue now stands),
so that ``c`` goes on from the top — not from whatever row took the place of the one the session started on.

The call session's branch: csm01's nine callbacks due this morning, in order, then one 回访.
"""

from __future__ import annotations

from screens.call_session import CallSession
from screens.queue import QueueScreen
from tests.support.calls_branch import CallsBranch
from tests.support.pilot import make_app, press_settled, table_rows
from widgets.table import KeyTable


async def test_c_after_calls_from_a_lower_row_starts_again_at_the_top_of_the_queue(calls_branch: CallsBranch) -> None:
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2", "j", "j", "c")  # from the third row
        session = app.screen
        assert isinstance(session, CallSession)
        assert session.item.client_id == calls_branch.clients[2]
        await press_settled(pilot, "p", "enter")  # politely declined: reached, out of today's queue
        assert session.item.client_id == calls_branch.clients[3]
        await press_settled(pilot, "escape")

        assert isinstance(app.screen, QueueScreen)
        names = [row[1] for row in table_rows(app)]
        assert names[:3] == ["客户0", "客户1", "客户3"]
        assert app.screen.query_one(KeyTable).cursor_row == 0
        await press_settled(pilot, "c")
        session = app.screen
        assert isinstance(session, CallSession)
        assert session.item.client_id == calls_branch.clients[0]


async def test_the_queue_keeps_its_cursor_when_no_session_was_started(calls_branch: CallsBranch) -> None:
    """A dialog of the queue's own (a skip) leaves the cursor where the CSM works, on the next row."""
    app = make_app(calls_branch.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2", "j", "j", "s", "1", "enter")
        assert isinstance(app.screen, QueueScreen)
        assert [row[1] for row in table_rows(app)][2] == "客户3"
        assert app.screen.query_one(KeyTable).cursor_row == 2
