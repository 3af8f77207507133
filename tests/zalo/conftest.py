"""Fixtures for the Zalo tests: the OA sandbox on a real 127.0.0.1 port, one clock for both
sides (the sandbox's unix seconds and the domain's datetimes read the same FakeClock), a
connected OA and the real client, whose retry pauses move that clock instead of sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bot.sandbox import FakeClock
from bot.zalo_residents import connect_sandbox
from bot.zalo_sandbox import ZaloSandbox, ZaloSandboxServer
from handlers.zalo.client import ClientSettings, ZaloClient
from storage.db import Database
from surveys.env import Env, Settings
from surveys.services import Services
from surveys.zalo_tokens import ZaloTokens
from tests.conftest import FakeClock as Clock
from tests.handlers.conftest import Harness, running_harness
from tests.zalo.delivery_support import Commune, mixed_commune

START = datetime(2026, 11, 23, 3, 0, tzinfo=UTC).timestamp()
USER = "8801234567890123456"


@pytest.fixture
def zclock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def zalo(zclock: FakeClock) -> Iterator[ZaloSandbox]:
    """The fake OA; the test fails if anything called an endpoint it does not fake."""
    sandbox = ZaloSandbox(clock=zclock)
    sandbox.webhook.retry_delays = (0.0,) * 5
    yield sandbox
    assert sandbox.unimplemented == [], f"unfaked Zalo calls: {sandbox.unimplemented}"


@pytest.fixture
async def zserver(zalo: ZaloSandbox) -> AsyncIterator[ZaloSandboxServer]:
    async with ZaloSandboxServer(zalo) as server:
        yield server


@pytest.fixture
async def zdb() -> AsyncIterator[Database]:
    """A migrated empty database: the Zalo tables need no communes."""
    database = await Database.open(":memory:")
    yield database
    await database.close()


@pytest.fixture
def zenv(zdb: Database, zclock: FakeClock) -> Env:
    return Env(zdb, lambda: datetime.fromtimestamp(zclock(), UTC), Settings())


@pytest.fixture
async def connected(zenv: Env, zalo: ZaloSandbox) -> ZaloTokens:
    """The sandbox's OA connected with its first tokens, as `ykien zalo connect` does."""
    await connect_sandbox(zenv, zalo)
    return ZaloTokens(zenv, zalo.oa_id)


class Pauses:
    """The client's sleep: records each pause and moves the shared clock by it."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)
        self.clock.advance(seconds)


@pytest.fixture
def pauses(zclock: FakeClock) -> Pauses:
    return Pauses(zclock)


@pytest.fixture
async def client(
    connected: ZaloTokens, zserver: ZaloSandboxServer, pauses: Pauses
) -> AsyncIterator[ZaloClient]:
    settings = ClientSettings(
        api_url=zserver.url, oauth_url=zserver.url, rate=1000.0, retries=4, backoff=1.0, timeout=5.0
    )
    async with ZaloClient(connected, settings, sleep=pauses) as zalo_client:
        yield zalo_client


@pytest.fixture
async def harness(services: Services, clock: Clock) -> AsyncIterator[Harness]:
    """The Telegram bot against its sandbox, for the tests of a commune on every channel."""
    async with running_harness(services, clock) as running:
        yield running


@pytest.fixture
async def commune(harness: Harness, clock: Clock) -> AsyncIterator[Commune]:
    """A commune with Telegram, Zalo (in and out of the window) and web residents."""
    async with mixed_commune(harness, clock) as made:
        yield made
