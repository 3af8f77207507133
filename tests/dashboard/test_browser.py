"""The dashboard in a real browser (Debian's chromium through Playwright), on a laptop's screen:
an officer signs in from the link /dashboard sent in chat, sorts and filters the province table,
opens a commune and downloads its XLSX; staff of one commune cannot open another.

YKIEN_WRITE_DOCS=1 also writes the README's screenshots (docs/dashboard-*.png); without it the
tree is left untouched.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp import web
from openpyxl import load_workbook

from handlers.web.app import build_web_app
from storage import communes as communes_db
from surveys.access import Role
from surveys.env import Settings
from surveys.services import Services
from tests.browser import BROWSER, expect, new_page
from tests.conftest import COMMUNE, SURVEY, FakeClock, tg_person
from tests.handlers.conftest import running_harness
from tests.summary_support import answer, open_round

pytestmark = BROWSER
ROOT = Path(__file__).resolve().parents[2]
WRITE_DOCS = os.environ.get("YKIEN_WRITE_DOCS") == "1"
OFFICER, STAFF_A = 500, 600
PUBLIC = "https://ykien.test"
LAPTOP = {"viewport": {"width": 1280, "height": 900}}


@dataclass
class Served:
    services: Services
    clock: FakeClock
    url: str
    commune_b: int


@pytest_asyncio.fixture(loop_scope="session")
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    clock = FakeClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    settings = Settings(bot_username="ykien_test_bot", web_url=PUBLIC)
    services = await Services.open(str(tmp_path / "dash.db"), clock=clock, settings=settings)
    await services.residents.add_villages(COMMUNE, ["Thôn Nà Pa", "Thôn Cốc Pa"])
    await open_round(services, clock)
    for uid in range(1, 9):
        village = "Thôn Nà Pa" if uid < 6 else "Thôn Cốc Pa"
        await answer(services, uid, village=village, overall="0" if uid == 1 else "1",
                     comment="Cần thêm đèn đường" if uid % 2 else None)  # fmt: skip
    others = await communes_db.list_communes(services.db.conn, province_code=12)
    commune_b = next(c.code for c in others if c.code != COMMUNE)
    await services.residents.join(await tg_person(services, 90), "R90", commune_b)
    await services.broadcasts.open_round(commune_b, SURVEY, closes_at=clock() + timedelta(days=7))
    await services.access.grant(await tg_person(services, OFFICER), Role.OFFICER, province=12)
    await services.access.grant(await tg_person(services, STAFF_A), Role.STAFF, commune=COMMUNE)
    runner = web.AppRunner(build_web_app(services, secure=False), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Served(services, clock, f"http://127.0.0.1:{port}", commune_b)
    finally:
        await runner.cleanup()
        await services.close()


async def _chat_link(served: Served, user_id: int) -> str:
    """What /dashboard answers in the person's chat, pointed at the test server."""
    async with running_harness(served.services, served.clock) as harness:
        [text] = await harness.send(harness.user(user_id), "/dashboard")
    found = re.search(re.escape(PUBLIC) + r"(/d/in/\S+)", text)
    assert found is not None, text
    return served.url + found[1]


async def _shot(page: Any, name: str) -> None:
    if WRITE_DOCS:
        await page.screenshot(path=str(ROOT / "docs" / f"dashboard-{name}.png"))


async def _sign_in(page: Any, served: Served, user_id: int) -> None:
    await page.goto(await _chat_link(served, user_id))
    await page.get_by_role("button", name="Đăng nhập").click()


def _names(page: Any) -> Any:
    return page.locator("table.board tbody tr td:nth-child(2)")


async def test_officer_signs_in_sorts_filters_opens_a_commune_and_downloads(
    browser: Any, served: Served
) -> None:
    async with new_page(browser, **LAPTOP) as page:
        await _sign_in(page, served, OFFICER)
        await expect(page.locator("h1")).to_have_text("Lai Châu: các xã, phường")
        await expect(_names(page).first).to_have_text("Xã Tân Uyên")  # ranked first
        await expect(page.locator("img.chart")).to_have_js_property("complete", True)
        assert await page.locator("img.chart").evaluate("i => i.naturalWidth") > 0
        await _shot(page, "province")
        if WRITE_DOCS:
            path = str(ROOT / "docs" / "dashboard-province-chart.png")
            await page.locator("img.chart").screenshot(path=path)

        await page.get_by_role("link", name="Xã, phường").click()  # sort by name
        await expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Xã, phường")
        names = await _names(page).all_inner_texts()
        await page.get_by_role("link", name="Xã, phường ▲").click()  # and the other way
        await expect(_names(page).first).to_have_text(names[-1])

        await page.get_by_label("Kết luận").select_option(label="Cần chú ý")
        await page.get_by_role("button", name="Lọc").click()
        await expect(_names(page)).to_have_text(["Xã Tân Uyên"])
        await page.get_by_role("link", name="Bỏ lọc").click()
        await page.get_by_label("Tìm xã").fill("tan uyen")  # no diacritics
        await page.get_by_role("button", name="Lọc").click()
        await expect(_names(page)).to_have_text(["Xã Tân Uyên"])

        await page.get_by_role("link", name="Xã Tân Uyên").click()
        await expect(page.locator("h1")).to_contain_text("Xã Tân Uyên: Đợt 1 năm 2026")
        await expect(page.locator("main")).to_contain_text("IV. KẾT QUẢ THEO TIÊU CHÍ")
        assert await page.locator("main table").count() >= 4
        await _shot(page, "commune")
        async with page.expect_download() as download_info:
            await page.get_by_role("link", name="Bảng tính XLSX").click()
        download = await download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        data = await asyncio.to_thread(Path(await download.path()).read_bytes)
        workbook = load_workbook(io.BytesIO(data))
        assert workbook.sheetnames


async def test_staff_of_commune_a_cannot_open_commune_b(browser: Any, served: Served) -> None:
    async with new_page(browser, **LAPTOP) as page:
        await _sign_in(page, served, STAFF_A)
        await expect(page.locator("h1")).to_contain_text("Xã Tân Uyên")  # their commune
        await page.goto(f"{served.url}/d/c/{COMMUNE}/progress")
        await expect(page.locator("h1")).to_contain_text("Tiến độ: Xã Tân Uyên")
        response = await page.goto(f"{served.url}/d/c/{served.commune_b}")
        assert response is not None and response.status == 403
        await expect(page.locator("h1")).to_have_text("Không có quyền xem trang này")
        await _shot(page, "forbidden")


async def test_progress_runs_its_refresh_script_while_sending_and_has_a_link_without_js(
    browser: Any, served: Served
) -> None:
    staff_b = 601
    await served.services.access.grant(
        await tg_person(served.services, staff_b), Role.STAFF, commune=served.commune_b
    )
    async with new_page(browser, **LAPTOP) as page:
        await _sign_in(page, served, staff_b)
        await page.goto(f"{served.url}/d/c/{served.commune_b}/progress")
        await expect(page.locator(".auto")).to_be_visible()  # the script ran (and set its timer)
        assert await page.evaluate("document.scripts.length") == 1
        await _shot(page, "progress")
    async with new_page(browser, java_script_enabled=False, **LAPTOP) as page:
        await _sign_in(page, served, staff_b)
        await page.goto(f"{served.url}/d/c/{served.commune_b}/progress")
        await expect(page.locator(".auto")).to_be_hidden()
        await page.get_by_role("link", name="Tải lại").click()
        await expect(page.locator("h1")).to_contain_text("Tiến độ")
