"""`ykien sandbox` in a real browser: a trainer plays a resident, then commune staff."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.config import Config
from bot.training import RESIDENT_ID, Training, TrainingServer
from handlers.views import labels
from storage.db import Database
from tests.browser import BROWSER, expect
from tests.conftest import FakeClock

pytestmark = BROWSER


@pytest_asyncio.fixture(loop_scope="session")
async def training(tmp_path: Path) -> AsyncIterator[TrainingServer]:
    clock = FakeClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # 10:00 in Hà Nội
    async with TrainingServer(Training(Config(), tmp_path, clock=clock)) as server:
        yield server


async def answers_of(path: Path, telegram_id: int) -> dict[str, int]:
    """{question id: value} of the resident's stored answers, read from the bot's file."""
    db = await Database.open(path, migrate_now=False)
    try:
        async with db.conn.execute(
            "SELECT a.question_id, a.value_int FROM answers a "
            "JOIN responses p ON p.id = a.response_id "
            "JOIN addresses r ON r.resident_id = p.resident_id "
            "WHERE r.channel = 'telegram' AND r.address = ?",
            (str(telegram_id),),
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}
    finally:
        await db.close()


async def test_resident_answers_then_staff_sees_it_in_progress(
    page: Any, training: TrainingServer
) -> None:
    await page.goto(training.url)
    await expect(page.locator(".bar .who")).to_contain_text("Người dân 1")
    last = page.locator("#chat .msg.bot").last

    await page.get_by_role("button", name=re.compile("Quét mã QR của xã")).click()
    await expect(page.locator("#chat")).to_contain_text("Xã Tân Uyên")
    await page.get_by_role("button", name="Bản Nà Ban").click()
    await page.get_by_role("button", name=labels.START_SURVEY).click()
    await expect(last).to_contain_text("Câu 1/13")
    await last.get_by_role("button", name=labels.SCALE[5]).click()
    await expect(last).to_contain_text("Câu 2/13")
    await last.get_by_role("button", name=labels.SCALE[4]).click()
    await expect(last).to_contain_text("Câu 3/13")
    stored = await answers_of(training.training.db_path, RESIDENT_ID)
    assert stored == {"duong": 5, "dien": 4}  # roads, then electricity

    await page.get_by_role("link", name=re.compile("Cán bộ xã 1")).click()
    await expect(page.locator(".bar .who")).to_contain_text("Cán bộ xã 1")
    await expect(page.locator("#chat")).to_contain_text("cán bộ xã")  # invitation accepted
    await page.locator("#text").fill("/progress")
    await page.locator("#text").press("Enter")
    await expect(last).to_contain_text("Đợt 1")
    await expect(last).to_contain_text("1 người đã bắt đầu, 0 người trả lời xong")

    page.once("dialog", lambda dialog: dialog.accept())  # "Xóa toàn bộ dữ liệu tập huấn…?"
    await page.get_by_role("button", name="Làm lại từ đầu").click()
    await expect(page.locator("#chat")).to_contain_text("Chưa có tin nhắn nào")
    assert await answers_of(training.training.db_path, RESIDENT_ID) == {}


async def test_without_javascript_forms_post_and_the_page_shows_the_reply(
    page_without_js: Any, training: TrainingServer
) -> None:
    page = page_without_js
    await page.goto(training.url)
    await page.get_by_role("button", name=re.compile("Quét mã QR của xã")).click()
    # No script: the answer to the form is the whole page, once the bot has finished.
    await expect(page.locator("#chat")).to_contain_text("Xã Tân Uyên")
    await page.get_by_role("button", name="Bản Nà Ban").click()
    await page.get_by_role("button", name=labels.START_SURVEY).click()
    last = page.locator("#chat .msg.bot").last
    await last.get_by_role("button", name=labels.SCALE[3]).click()
    await expect(last).to_contain_text("Câu 2/13")

    await page.get_by_role("link", name=re.compile("Cán bộ xã 1")).click()
    await page.get_by_role("button", name="Gửi").click()
    await expect(page.locator("#chat .notice")).to_contain_text("Tin nhắn trống")
    await page.locator("summary").click()  # the command menu, as Telegram's ☰ button
    await page.locator(".menu button", has_text="/progress").click()
    await expect(last).to_contain_text("1 người đã bắt đầu")

    old_db = training.training.db_path
    await page.get_by_role("button", name="Làm lại từ đầu").click()  # no script, no question
    await expect(page.locator(".bar .who")).to_contain_text("Người dân 1")
    await expect(page.locator("#chat")).to_contain_text("Chưa có tin nhắn nào")
    assert training.training.db_path != old_db
    assert await answers_of(old_db, RESIDENT_ID) == {"duong": 3}
    assert await answers_of(training.training.db_path, RESIDENT_ID) == {}
