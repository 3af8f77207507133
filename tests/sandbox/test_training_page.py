"""`ykien sandbox` in a real browser: a trainer plays a resident, then commune staff."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from bot.training import RESIDENT_ID, Training, TrainingServer
from handlers import labels
from storage.db import Database
from tests.browser import ServedInThread
from tests.conftest import FakeClock

pytestmark = pytest.mark.browser
expect: Any = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def training(tmp_path: Path) -> Iterator[ServedInThread[TrainingServer]]:
    clock = FakeClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # 10:00 in Hà Nội
    with ServedInThread(lambda: TrainingServer(Training(Config(), tmp_path, clock=clock))) as s:
        yield s


def answers_of(served: ServedInThread[TrainingServer], telegram_id: int) -> dict[str, int]:
    """{question id: value} of the resident's stored answers, read from the bot's file."""

    async def read() -> dict[str, int]:
        db = await Database.open(served.value.training.db_path, migrate_now=False)
        try:
            async with db.conn.execute(
                "SELECT a.question_id, a.value_int FROM answers a "
                "JOIN responses p ON p.id = a.response_id "
                "JOIN residents r ON r.id = p.resident_id "
                "WHERE r.telegram_user_id = ?",
                (telegram_id,),
            ) as cur:
                return {row[0]: row[1] for row in await cur.fetchall()}
        finally:
            await db.close()

    return served.run(read)


def test_resident_answers_then_staff_sees_it_in_progress(page: Any, training: Any) -> None:
    page.goto(training.value.url)
    expect(page.locator(".bar .who")).to_contain_text("Người dân 1")
    last = page.locator("#chat .msg.bot").last

    page.get_by_role("button", name=re.compile("Quét mã QR của xã")).click()
    expect(page.locator("#chat")).to_contain_text("Xã Tân Uyên")
    page.get_by_role("button", name="Bản Nà Ban").click()
    page.get_by_role("button", name=labels.START_SURVEY).click()
    expect(last).to_contain_text("Câu 1/13")
    last.get_by_role("button", name=labels.SCALE[5]).click()
    expect(last).to_contain_text("Câu 2/13")
    last.get_by_role("button", name=labels.SCALE[4]).click()
    expect(last).to_contain_text("Câu 3/13")
    assert answers_of(training, RESIDENT_ID) == {"duong": 5, "dien": 4}  # roads, then electricity

    page.get_by_role("link", name=re.compile("Cán bộ xã 1")).click()
    expect(page.locator(".bar .who")).to_contain_text("Cán bộ xã 1")
    expect(page.locator("#chat")).to_contain_text("cán bộ xã")  # the invitation was accepted
    page.locator("#text").fill("/progress")
    page.locator("#text").press("Enter")
    expect(last).to_contain_text("Đợt 1")
    expect(last).to_contain_text("1 người đã bắt đầu, 0 người trả lời xong")
