"""The header names who is signed in and their outlet; the admin, who has no outlet, is named alone, without a
separator left hanging ("梁鑫 · ")."""

from __future__ import annotations

from tests.support.pilot import make_app, settle


async def test_the_admins_header_names_them_without_a_dangling_separator(demo_url: str) -> None:
    app = make_app(demo_url, login="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.ws.outlet is None
        assert app.title == app.ws.staff.name


async def test_a_csms_header_names_them_and_their_outlet(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.ws.outlet is not None
        assert app.title == f"{app.ws.staff.name} · {app.ws.outlet.name}"
