"""The dashboard served by aiohttp's test server around the test's Services: an officer of
the province, staff of two of its communes, and residents who answered in one of them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from handlers.web.app import build_web_app
from storage import communes as communes_db
from storage.db import Database
from surveys.access import Actor, Role
from surveys.env import Settings
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock, tg_person
from tests.summary_support import answer, open_round

# Telegram ids; the dash fixture checks that the officer's and staff's are their person ids
# too (not ADMIN's: a harness makes the configured administrator's person when it starts)
OFFICER, STAFF_A, STAFF_B, ADMIN, RESIDENT = 500, 600, 601, 700, 1
PROVINCE = 12  # Lai Châu, where COMMUNE (Xã Tân Uyên) is
WEB_URL = "https://ykien.test"
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
async def services(db: Database, clock: FakeClock) -> Services:
    """As the suite's, with the public URL the chat's /dashboard links point to."""
    settings = Settings(
        bot_username="ykien_test_bot", web_url=WEB_URL, admin_ids=frozenset({ADMIN})
    )
    svc = Services(db, clock=clock, settings=settings)
    await svc.seed()
    return svc


@dataclass
class Browser:
    """One browser (its own cookie jar) on the dashboard."""

    client: TestClient
    csrf: str = ""

    async def get(self, path: str) -> tuple[int, str]:
        response = await self.client.get(path, allow_redirects=True)
        return response.status, await self._read(response)

    async def response(self, path: str) -> ClientResponse:
        return await self.client.get(path)

    async def post(self, path: str, **form: str) -> tuple[int, str]:
        response = await self.client.post(path, data={"csrf": self.csrf, **form})
        return response.status, await self._read(response)

    async def _read(self, response: ClientResponse) -> str:
        if response.content_type != "text/html":
            return ""  # a download or a chart
        text = await response.text()
        found = _CSRF.search(text)
        if found:
            self.csrf = found[1]
        return text


@dataclass
class Dashboard:
    services: Services
    clock: FakeClock
    server: TestServer
    commune_b: int  # another commune of the province, where STAFF_B works
    browsers: list[Browser] = field(default_factory=list)

    async def browser(self) -> Browser:
        client = TestClient(self.server)
        await client.start_server()
        self.browsers.append(Browser(client))
        return self.browsers[-1]

    async def link(self, user_id: int) -> str:
        """The path of a fresh sign-in link, as /dashboard makes it in chat."""
        person = await tg_person(self.services, user_id)
        return "/d/in/" + await self.services.signin.chat_link(Actor(person))

    async def signed_in(self, user_id: int) -> Browser:
        browser = await self.browser()
        path = await self.link(user_id)
        status, _ = await browser.get(path)
        assert status == 200
        response = await browser.client.post(
            path, data={"csrf": browser.csrf}, allow_redirects=False
        )
        assert response.status == 303 and response.headers["Location"] == "/d"
        return browser


@pytest.fixture
async def dash(services: Services, clock: FakeClock) -> AsyncIterator[Dashboard]:
    await services.residents.add_villages(COMMUNE, ["Thôn Nà Pa", "Thôn Cốc Pa"])
    await open_round(services, clock)
    for uid in range(1, 8):
        village = "Thôn Nà Pa" if uid < 6 else "Thôn Cốc Pa"
        await answer(services, uid, village=village, overall="0" if uid == 1 else "1",
                     comment=f"Góp ý số {uid}")  # fmt: skip
    others = await communes_db.list_communes(services.db.conn, province_code=PROVINCE)
    commune_b = next(c.code for c in others if c.code != COMMUNE)
    for uid in (OFFICER, STAFF_A, STAFF_B):  # audited as person:500 and so on
        assert await tg_person(services, uid) == uid
    await services.access.grant(OFFICER, Role.OFFICER, province=PROVINCE)
    await services.access.grant(STAFF_A, Role.STAFF, commune=COMMUNE)
    await services.access.grant(STAFF_B, Role.STAFF, commune=commune_b)
    server = TestServer(build_web_app(services, secure=False), host="127.0.0.1", port=0)
    await server.start_server()
    dashboard = Dashboard(services, clock, server, commune_b)
    yield dashboard
    for b in dashboard.browsers:
        await b.client.close()
    await server.close()
