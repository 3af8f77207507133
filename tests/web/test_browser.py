"""The e-sheet in a real browser on a 360-px phone: with JavaScript and without it, and a
household that answered on paper too (it counts once)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp import web

from handlers.views import labels
from handlers.web.app import build_web_app
from storage.households import Household
from surveys.access import Actor
from surveys.env import Settings
from surveys.services import Services
from tests.browser import BROWSER, expect
from tests.conftest import COMMUNE, SURVEY, FakeClock

pytestmark = BROWSER
MIN_TAP = 44  # px


@dataclass
class Served:
    services: Services
    url: str
    households: list[Household]
    round_id: int


@pytest_asyncio.fixture(loop_scope="session")
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    clock = FakeClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    services = await Services.open(
        str(tmp_path / "web.db"), clock=clock, settings=Settings(bot_username="ykien_bot")
    )
    await services.residents.add_villages(COMMUNE, ["Bản Nà Ún", "Bản Phiêng"])
    issued = await services.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 2)
    round_ = await services.rounds.open(COMMUNE, SURVEY, closes_at=clock() + timedelta(days=7))
    runner = web.AppRunner(build_web_app(services, secure=False), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Served(
            services, f"http://127.0.0.1:{port}", [h for h, _ in issued.households], round_.id
        )
    finally:
        await runner.cleanup()
        await services.close()


async def _fits_and_taps(page: Any) -> None:
    """No sideways scrolling at 360 px, and every button or link is big enough to tap."""
    await page.wait_for_load_state("load")  # the stylesheet applied
    width, small = await page.evaluate(
        """(least) => [document.documentElement.scrollWidth,
            [...document.querySelectorAll('button, a, select, textarea, input:not([type=hidden])')]
              .map(e => [e.textContent.trim(), e.getBoundingClientRect().height])
              .filter(([, h]) => h < least)]""",
        MIN_TAP,
    )
    assert width <= 360, width
    assert small == [], small


async def _complete(page: Any, served: Served) -> None:
    await page.goto(f"{served.url}/x/{COMMUNE}")
    await expect(page.locator("header")).to_contain_text("Xã Tân Uyên")
    await _fits_and_taps(page)
    await page.get_by_label("Thôn, tổ dân phố").select_option(label="Bản Nà Ún")
    code = served.households[0].code
    await page.get_by_label("Mã hộ gia đình").fill(f"{code[:5].lower()} {code[5:]}")
    await page.get_by_role("button", name="Mở phiếu của hộ").click()
    await expect(page.locator("main")).to_contain_text("Không lưu tên")
    await page.get_by_role("button", name="Bắt đầu").click()
    survey = await served.services.answering.survey(SURVEY)
    assert survey is not None
    total = len(survey.questions)
    for number, question in enumerate(survey.questions, start=1):
        await expect(page.locator(".count")).to_have_text(f"Câu {number}/{total}")
        if number in (1, total):
            await _fits_and_taps(page)
        if number == 2:  # the way back changes question 1, then question 2 again
            await page.get_by_role("link", name="« Câu trước").click()
            await expect(page.locator(".count")).to_have_text(f"Câu 1/{total}")
            await page.get_by_role("button", name=labels.SCALE[5]).click()
            await expect(page.locator(".count")).to_have_text(f"Câu 2/{total}")
        if question.kind == "text":
            await page.get_by_label("Ý kiến của hộ").fill("Cần thêm đèn đường")
            await page.get_by_role("button", name="Gửi ý kiến").click()
        elif question.kind == "scale":
            await page.get_by_role("button", name=labels.SCALE[4]).click()
        elif question.kind == "yesno":
            await page.get_by_role("button", name=labels.YESNO[1]).click()
        else:
            await page.get_by_role("button", name=question.choices[0].label).click()
    await expect(page.locator("h2")).to_have_text("Xem lại phiếu")
    await _fits_and_taps(page)
    await page.get_by_role("link", name="Sửa câu 1", exact=True).click()
    await page.get_by_role("button", name=labels.SCALE[3]).click()
    await expect(page.locator("main")).to_contain_text(labels.SCALE[3])
    await page.get_by_role("button", name="Gửi phiếu").click()
    await expect(page.locator("main")).to_contain_text("Cảm ơn hộ gia đình")
    await expect(page.locator("main")).to_contain_text("Xã Tân Uyên")


async def _stored(served: Served) -> list[tuple[Any, ...]]:
    rows = await served.services.db.conn.execute_fetchall(
        "SELECT a.question_id, a.value_int, a.value_text FROM answers a "
        "JOIN responses r ON r.id = a.response_id JOIN residents p ON p.id = r.resident_id "
        "WHERE p.household_id = ? ORDER BY a.question_id",
        (served.households[0].id,),
    )
    return [tuple(r) for r in rows]


async def test_sheet_with_javascript(page: Any, served: Served) -> None:
    await _complete(page, served)
    stored = await _stored(served)
    survey = await served.services.answering.survey(SURVEY)
    assert survey is not None
    assert len(stored) == len(survey.questions)
    assert (survey.questions[0].id, 3, None) in stored
    assert any(text == "Cần thêm đèn đường" for _, _, text in stored)


async def test_sheet_without_javascript_same_household_again(
    page_without_js: Any, served: Served
) -> None:
    await _complete(page_without_js, served)
    rows = await served.services.db.conn.execute_fetchall(
        "SELECT count(*), sum(counted) FROM responses WHERE round_id = ?", (served.round_id,)
    )
    assert tuple(rows[0]) == (1, 1)  # the household's one web response, counted once


async def test_paper_then_web_counts_once_and_shows_as_a_conflict(
    page: Any, served: Served
) -> None:
    household = served.households[1]
    survey = await served.services.answering.survey(SURVEY)
    assert survey is not None
    row = {"round": str(served.round_id), "household": household.code}
    for q in survey.questions:
        if q.kind != "text":
            row[q.id] = (
                "2" if q.kind == "scale" else "0" if q.kind == "yesno" else q.choices[0].code
            )
    entered = await served.services.sheets.enter(row)
    assert not hasattr(entered, "reason"), entered
    await page.goto(f"{served.url}/x/{COMMUNE}/{household.code}")
    await page.get_by_role("button", name="Bắt đầu").click()
    for q in survey.questions:
        if q.kind == "text":
            await page.get_by_role("button", name="Bỏ qua").click()
        elif q.kind == "scale":
            await page.get_by_role("button", name=labels.SCALE[5]).click()
        elif q.kind == "yesno":
            await page.get_by_role("button", name=labels.YESNO[1]).click()
        else:
            await page.get_by_role("button", name=q.choices[0].label).click()
    await expect(page.locator("main")).to_contain_text("Hộ đã có phiếu giấy")
    await page.get_by_role("button", name="Gửi phiếu").click()
    await expect(page.locator("main")).to_contain_text("phiếu giấy vẫn được tính")
    rows = await served.services.db.conn.execute_fetchall(
        "SELECT r.channel, r.counted, r.hold FROM responses r "
        "JOIN residents p ON p.id = r.resident_id WHERE p.household_id = ? ORDER BY r.id",
        (household.id,),
    )
    assert [tuple(r) for r in rows] == [("paper", 1, None), ("web", 0, "conflict")]
    held = await served.services.conflicts.held(Actor.operator(), served.round_id)
    assert held == [(household.code, 1)]
