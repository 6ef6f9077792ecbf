"""The audit log never holds a full ID or phone number: a working session through the screens (sign in, open an own
client, reveal the identity, change the mobile) is audited step by step, every entry masked."""

from __future__ import annotations

import json

from sqlalchemy import select
from textual.widgets import Input

from screens.client_detail import ClientDetailScreen
from storage.engine import make_engine
from storage.orm import AuditRow, ClientRow
from tests.support.pilot import make_app, open_own_client, settle


async def test_after_a_session_the_audit_log_holds_no_full_id_or_phone_number(demo_url: str) -> None:
    """Sign in, open an own client, reveal the identity, change the mobile: every step is audited, masked."""
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        client_id = screen.detail.client.id
        await pilot.press("r", *"客户来电核实", "enter")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        mobile = app.screen.query_one("#mobile", Input)
        mobile.value = ""
        mobile.focus()
        await pilot.press(*"13912345678", "enter")
        await settle(pilot)
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        entries = conn.execute(select(AuditRow)).all()
        clients = conn.execute(select(ClientRow.resident_id, ClientRow.mobile)).all()
    engine.dispose()
    actions = {(e.action, e.entity, e.entity_id) for e in entries}
    assert {("reveal", "clients", str(client_id)), ("update", "clients", str(client_id))} <= actions
    assert any(e.action == "signin" for e in entries)
    log = json.dumps([[e.action, e.entity, e.entity_id, e.detail] for e in entries], ensure_ascii=False)
    secrets = {c.resident_id for c in clients} | {c.mobile for c in clients if c.mobile} | {"13912345678"}
    assert [s for s in secrets if s in log] == []
