"""A list the app writes out of several things (a client's accounts and opt-outs, the team's items behind, the
reasons of a queue row) is written in the user's language: "、" and "；" in Chinese, ", " and "; " in English,
never Chinese marks in English nor ASCII ones between Chinese words."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update
from textual.widgets import Static

from csm_tui.i18n import catalog, t
from screens.client_detail import ClientDetailScreen
from screens.dialogs import MysteryCheckDialog
from storage.engine import make_engine
from storage.orm import AccountRow, ClientRow, StaffRow
from tests.support.pilot import make_app, press_settled, settle, table_rows
from widgets.row_detail import RowDetail
from widgets.table import KeyTable

CHINESE_MARKS = ("、", "；", "，")


def _client_with_accounts_and_opt_outs(url: str) -> int:
    """One of csm01's clients with two accounts or more, who has asked for neither calls nor SMS."""
    engine = make_engine(url)
    with engine.begin() as conn:
        csm = conn.execute(select(StaffRow.id).where(StaffRow.login == "csm01")).scalar_one()
        client = conn.execute(
            select(AccountRow.client_id)
            .join(ClientRow, ClientRow.id == AccountRow.client_id)
            .where(ClientRow.manager_id == csm)
            .group_by(AccountRow.client_id)
            .having(func.count() >= 2)
            .order_by(AccountRow.client_id)
            .limit(1)
        ).scalar_one()
        conn.execute(update(ClientRow).where(ClientRow.id == client).values(phone_opt_out=True, sms_opt_out=True))
    engine.dispose()
    return client


@pytest.mark.parametrize(("lang", "between", "items"), [("zh_CN", "、", "；"), ("en", ", ", "; ")])
async def test_a_clients_accounts_and_opt_outs_are_listed_with_the_languages_marks(
    demo_url: str, lang: str, between: str, items: str
) -> None:
    client = _client_with_accounts_and_opt_outs(demo_url)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(ClientDetailScreen(app.ws, client))
        await settle(pilot)
        lines = str(app.screen.query_one("#identity").render()).splitlines()
        accounts = next(line for line in lines if line.startswith(t("detail.accounts", value="")))
        assert accounts.count("****") >= 2 and items in accounts
        if lang == "zh_CN":
            assert "; " not in accounts
        else:
            assert not any(mark in "\n".join(lines) for mark in CHINESE_MARKS)
        assert any(between in line for line in lines if line not in (accounts,))


async def test_the_team_list_in_english_names_the_items_behind_without_chinese_marks(demo_url: str) -> None:
    app = make_app(demo_url, lang="en", login="sup01")
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        behind = [row[3] for row in table_rows(app)]
        assert any(", " in items for items in behind)
        assert not any(mark in items for items in behind for mark in CHINESE_MARKS)


async def test_a_queue_rows_reasons_in_english_are_listed_without_chinese_marks(demo_url: str) -> None:
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "2")
        table = app.screen.query_one(KeyTable)
        row = next(n for n, cells in enumerate(table_rows(app)) if "+" in cells[2])
        table.move_cursor(row=row)
        await pilot.press("right")
        await settle(pilot)
        assert isinstance(app.screen, RowDetail)
        text = str(app.screen.query_one("#row-text").render())
        assert ", " in text and "、" not in text


def test_no_chinese_text_of_the_catalog_uses_ascii_brackets_or_semicolons() -> None:
    """Not only beside a character: "无法读取 {path}({reason})" is Chinese text with ASCII brackets too. A mark
    standing alone between spaces is a key's name ("在客户页按 ! 提交"), not punctuation."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    key = re.compile(r"(?<= )[();?!](?= )")
    mixed = [
        f"{k} = {v}" for k, v in catalog("zh_CN").items() if cjk.search(v) and re.search(r"[();?!]", key.sub("", v))
    ]
    assert mixed == []


@pytest.mark.parametrize(("lang", "opening"), [("zh_CN", "（"), ("en", " (")])
async def test_the_mystery_check_lists_its_items_with_points_in_the_languages_brackets(
    demo_url: str, lang: str, opening: str
) -> None:
    app = make_app(demo_url, lang=lang, login="sup01")
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "5", "m")
        assert isinstance(app.screen, MysteryCheckDialog)
        items = [str(s.render()) for s in app.screen.query(Static) if str(s.render())[:1].isdigit()]
        assert items and all(opening in item for item in items), items
        other = " (" if lang == "zh_CN" else "（"
        assert not any(other in item for item in items)
