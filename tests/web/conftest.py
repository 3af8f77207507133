"""The e-sheet served by aiohttp's test server on 127.0.0.1 around the test's Services."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from handlers.web.app import build_web_app
from storage.households import Household
from surveys.access import Actor
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY, FakeClock

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Browser:
    """One browser (its own cookie jar) on the e-sheet."""

    client: TestClient
    csrf: str = ""

    async def get(self, path: str) -> tuple[int, str]:
        response = await self.client.get(path)
        return response.status, await self._read(response)

    async def post(self, path: str, **form: str) -> tuple[int, str]:
        response = await self.client.post(path, data={"csrf": self.csrf, **form})
        return response.status, await self._read(response)

    async def _read(self, response: ClientResponse) -> str:
        text = await response.text()
        found = _CSRF.search(text)
        if found:
            self.csrf = found[1]
        return text


@dataclass
class WebSheet:
    services: Services
    clock: FakeClock
    server: TestServer
    households: list[Household]
    browsers: list[Browser]

    async def browser(self) -> Browser:
        client = TestClient(self.server)
        await client.start_server()
        self.browsers.append(Browser(client))
        return self.browsers[-1]

    async def opened(self, household: Household | None = None) -> Browser:
        """A browser that opened the household's card link and pressed Bắt đầu."""
        browser = await self.browser()
        code = (household or self.households[0]).code
        status, _ = await browser.get(f"/x/{COMMUNE}/{code}")
        assert status == 200
        status, _ = await browser.post("/s/start")
        assert status == 200
        return browser

    async def answered(self, household: Household, comment: str | None = None) -> Browser:
        """A browser of the household that answered every question ("4", yes, the first
        choice) and typed `comment` (skipped when None); not yet submitted."""
        browser = await self.opened(household)
        survey = await self.services.answering.survey(SURVEY)
        assert survey is not None
        for index, question in enumerate(survey.questions):
            if question.kind == "text":
                form = {"skip": "1"} if comment is None else {"text": comment}
                await browser.post(f"/s/q/{index}", **form)
                continue
            value = {"scale": "4", "yesno": "1"}.get(question.kind) or question.choices[0].code
            await browser.post(f"/s/q/{index}", value=value)
        return browser


@pytest.fixture
async def web(services: Services, clock: FakeClock) -> AsyncIterator[WebSheet]:
    await services.residents.add_villages(COMMUNE, ["Bản Nà Ún", "Bản Phiêng"])
    issued = await services.households.issue(Actor.operator(), COMMUNE, "Bản Nà Ún", 3)
    await services.rounds.open(COMMUNE, SURVEY, closes_at=clock() + timedelta(days=7))
    server = TestServer(build_web_app(services, secure=False), host="127.0.0.1", port=0)
    await server.start_server()
    sheet = WebSheet(services, clock, server, [h for h, _ in issued.households], [])
    yield sheet
    for b in sheet.browsers:
        await b.client.close()
    await server.close()
