"""bot/runtime.py and the one server in process: the scheduled refresh rotates tokens on the
clock (a FakeClock, moving between checks), a refused one is recorded, shown and logged without
secrets; every secret is masked once loaded and after each rotation; workers start, are woken
by the webhook after a new event (not a redelivery) and stop; the Zalo webhook verifies each
OA against its own keys, on the server that serves the e-sheet."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot import log_filter
from bot.config import Config
from bot.runtime import Runtime
from bot.runtime_refresh import CHECK_EVERY, MARGIN
from bot.web_server import Server
from bot.zalo_sandbox import ZaloSandbox, ZaloSandboxServer, signature
from handlers.views.texts import render
from handlers.zalo.clients import ZaloClients
from storage import zalo as zalo_db
from surveys.services import Services
from surveys.zalo_inbox import pending
from surveys.zalo_tokens import TokenState, connect, statuses
from tests.conftest import COMMUNE, FakeClock

USER = "8801234567890123456"
CODE = "MeVd6DceSpupfjWIxOznI1I4v7FuyZOgD3Gp"


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """The process's log handler with its Redact filter, as `ykien` sets it up."""
    stream = io.StringIO()
    handler = log_filter.setup("INFO", [], "k", stream=stream)
    yield stream
    root = logging.getLogger()
    root.removeHandler(handler)
    for each in root.handlers:
        for f in [f for f in each.filters if isinstance(f, log_filter.Redact)]:
            each.removeFilter(f)


def sandbox_for(clock: FakeClock, n: int = 1) -> ZaloSandbox:
    """An OA of its own app; its unix clock is the domain's FakeClock."""
    sandbox = ZaloSandbox(
        clock=lambda: clock().timestamp(),
        app_id=f"{n}234567890123456789",
        app_secret=f"app-secret-{n}-value",
        oa_secret=f"oa-secret-{n}-value",
        oa_id=f"{n}79745863508352884",
    )
    sandbox.webhook.retry_delays = (0.0,) * 5
    return sandbox


async def connected(services: Services, sandbox: ZaloSandbox) -> tuple[str, str]:
    access, refresh = sandbox.authorise()
    await connect(
        services.env, oa_id=sandbox.oa_id, app_id=sandbox.app_id, app_secret=sandbox.app_secret,
        oa_secret=sandbox.oa_secret, access_token=access, refresh_token=refresh,
        commune_code=COMMUNE,
    )  # fmt: skip
    return access, refresh


class Recorder:
    """A plugged worker: what the runtime asked of it (the worker itself is another's)."""

    def __init__(self, services: Services, clients: ZaloClients) -> None:
        self.services, self.clients = services, clients
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")

    def wake(self) -> None:
        self.calls.append("wake")

    async def stop(self) -> None:
        self.calls.append("stop")


@pytest.fixture
async def zalo(clock: FakeClock) -> AsyncIterator[tuple[ZaloSandbox, ZaloSandboxServer]]:
    sandbox = sandbox_for(clock)
    async with ZaloSandboxServer(sandbox) as server:
        yield sandbox, server
    assert sandbox.unimplemented == []


def config_for(server: ZaloSandboxServer, **extra: object) -> Config:
    return Config(zalo_api_url=server.url, zalo_oauth_url=server.url).override(**extra)


async def test_the_refresh_job_rotates_before_expiry_as_time_moves(
    services: Services, clock: FakeClock, zalo, log: io.StringIO
) -> None:
    sandbox, server = zalo
    first = await connected(services, sandbox)
    runtime = Runtime(services, config_for(server), workers=())
    try:
        job = runtime.refresher
        assert (await job.check()).refreshed == []  # 25 h left
        clock.advance(hours=25 - MARGIN.total_seconds() / 3600 - 0.5)
        assert (await job.check()).refreshed == []  # not yet within the margin
        clock.advance(hours=1)
        assert (await job.check()).refreshed == [sandbox.oa_id]
        account = await zalo_db.get_account(services.db.conn, sandbox.oa_id)
        assert account is not None and account.refresh_token != first[1]
        assert account.refresh_token in sandbox.tokens.refresh  # the new pair, unused
        assert account.access_expires_at == clock() + timedelta(hours=25)
        assert (await job.check()).refreshed == []  # fresh again
        clock.advance(hours=23.5)
        assert (await job.check()).refreshed == [sandbox.oa_id]
        assert sandbox.tokens.refreshes == 2
        [status] = await statuses(services.env)
        assert status.state is TokenState.CONNECTED and status.refreshed_at == clock()
    finally:
        await runtime.stop()
    assert "tokens refreshed" in log.getvalue()


async def test_the_job_loop_checks_every_interval_without_waiting(
    services: Services, clock: FakeClock, zalo
) -> None:
    """The loop's pause is injected: it moves the clock, and the third pause ends the test."""
    sandbox, server = zalo
    await connected(services, sandbox)
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock.advance(seconds=seconds)
        if len(pauses) == 150:  # 25 h of 10-minute checks
            raise RuntimeError("enough")

    runtime = Runtime(services, config_for(server), workers=(), sleep=sleep)
    with pytest.raises(RuntimeError, match="enough"):
        await runtime.refresher.run()
    await runtime.stop()
    assert set(pauses) == {CHECK_EVERY.total_seconds()}
    assert sandbox.tokens.refreshes == 1  # once, between 23 h and 23 h 10 after connecting
    account = await zalo_db.get_account(services.db.conn, sandbox.oa_id)
    assert account is not None and account.refreshed_at is not None
    assert timedelta(hours=23) - CHECK_EVERY < account.refreshed_at - account.connected_at
    assert account.refreshed_at - account.connected_at <= timedelta(hours=23)


async def test_a_refused_refresh_is_recorded_shown_and_logged_without_secrets(
    services: Services, clock: FakeClock, zalo, log: io.StringIO
) -> None:
    sandbox, server = zalo
    access, refresh = await connected(services, sandbox)
    sandbox.oauth(  # someone else spent the refresh token (another copy of the database)
        {"grant_type": "refresh_token", "app_id": sandbox.app_id, "refresh_token": refresh},
        sandbox.app_secret,
    )
    runtime = Runtime(services, config_for(server), workers=())
    await runtime.start()
    try:
        clock.advance(hours=24)
        assert (await runtime.refresher.check()).failed == [sandbox.oa_id]
        [status] = await statuses(services.env)
        assert status.state is TokenState.REFRESH_FAILED and "-14014" in (
            status.refresh_error or ""
        )
        shown = render("cli_zalo_status.txt", accounts=[status])
        assert "LÀM MỚI TOKEN THẤT BẠI" in shown and f"xã: {COMMUNE}" in shown
        account = await zalo_db.get_account(services.db.conn, sandbox.oa_id)
        assert account is not None and account.refresh_token == refresh  # nothing lost
        clock.advance(minutes=10)  # the next check tries again, and fails again
        assert (await runtime.refresher.check()).failed == [sandbox.oa_id]
    finally:
        await runtime.stop()
    text = log.getvalue()
    assert "token refresh refused" in text
    secrets = (sandbox.app_secret, sandbox.oa_secret, access, refresh)
    assert [s for s in secrets if s in text] == []


async def test_secrets_are_masked_once_loaded_and_after_each_rotation(
    services: Services, clock: FakeClock, zalo, log: io.StringIO
) -> None:
    sandbox, server = zalo
    access, refresh = await connected(services, sandbox)
    runtime = Runtime(services, config_for(server), workers=())
    await runtime.start()
    try:
        loaded = (sandbox.app_secret, sandbox.oa_secret, access, refresh)
        logging.getLogger("aiohttp.client").warning("leak: %s", " ".join(loaded))
        clock.advance(hours=24)
        assert (await runtime.refresher.check()).refreshed == [sandbox.oa_id]
        account = await zalo_db.get_account(services.db.conn, sandbox.oa_id)
        assert account is not None
        rotated = (account.access_token, account.refresh_token)
        logging.getLogger("handlers.zalo").error("leak again: %s %s", *rotated)
    finally:
        await runtime.stop()
    text = log.getvalue()
    assert "leak: *** *** *** ***" in text and "leak again: *** ***" in text
    assert [s for s in (*loaded, *rotated) if s in text] == []


async def test_one_server_two_oas_workers_woken_once_per_new_event(
    services: Services, clock: FakeClock, zalo
) -> None:
    """Two OAs of two apps on one server: each event is checked against the keys of the app it
    names; a forged, a foreign or an unknown app's event is refused and stores nothing."""
    first, api = zalo
    second = sandbox_for(clock, 2)
    await connected(services, first)
    await connected(services, second)
    config = config_for(api, web_listen="127.0.0.1:8080", zalo_verifier=CODE)  # not bound
    runtime = Runtime(services, config, workers=(Recorder,))
    await runtime.start()
    [worker] = runtime.workers
    assert isinstance(worker, Recorder) and worker.clients is runtime.clients
    http = TestServer(Server(config).build(services, runtime), host="127.0.0.1", port=0)
    await http.start_server()
    try:
        url = str(http.make_url("/zalo/webhook"))
        for oa in (first, second):
            oa.webhook.register(url)
            oa.follow(USER)
            oa.write(USER, f"xin chào {oa.oa_id}")
        first.webhook.duplicate_next(2)  # Zalo redelivers
        await first.webhook.flush()
        await second.webhook.flush()
        assert len(first.webhook.log.delivered) == 4 and first.webhook.log.failures == []
        assert len(second.webhook.log.delivered) == 2 and second.webhook.log.failures == []
        queued = [(e.oa_id, e.kind, e.body) for e in await pending(services.env)]
        assert queued == [
            (first.oa_id, "follow", ""),
            (first.oa_id, "text", f"xin chào {first.oa_id}"),
            (second.oa_id, "follow", ""),
            (second.oa_id, "text", f"xin chào {second.oa_id}"),
        ]
        assert worker.calls == ["start"] + ["wake"] * 4  # not for the two redeliveries

        event = second.write(USER, "giả mạo")
        second.webhook.queue.clear()
        # Signed with the second OA's secret but claiming the first app; an unknown app.
        claimed = signature(first.app_id, event.raw, event.body["timestamp"], second.oa_secret)
        assert await second.webhook.post_forged(event, claimed) == 403
        assert await second.webhook.post_forged(event) == 403
        stranger = sandbox_for(clock, 3)
        stranger.webhook.register(url)
        stranger.follow(USER)
        await stranger.webhook.flush()
        assert stranger.webhook.log.failures == ["HTTP 403"] * 6
        await stranger.webhook.stop()
        # Well signed by a connected app, for one of its OAs that ykien does not hold: taken
        # (Zalo would retry, then disable the webhook) and dropped.
        sibling = ZaloSandbox(
            clock=lambda: clock().timestamp(), app_id=first.app_id, oa_secret=first.oa_secret,
            oa_id="999745863508352884",
        )  # fmt: skip
        sibling.webhook.register(url)
        sibling.follow(USER)
        await sibling.webhook.flush()
        assert len(sibling.webhook.log.delivered) == 1
        await sibling.webhook.stop()
        assert len(await pending(services.env)) == 4 and worker.calls.count("wake") == 4

        async with aiohttp.ClientSession() as browser:
            async with browser.get(http.make_url(f"/zalo_verifier{CODE}.html")) as resp:
                page = await resp.text()
                assert resp.status == 200 and "Set-Cookie" not in resp.headers
            async with browser.get(http.make_url(f"/x/{COMMUNE}")) as resp:
                assert resp.status == 200 and "Set-Cookie" in resp.headers  # the e-sheet's
        assert f'name="zalo-platform-site-verification" content="{CODE}"' in page
    finally:
        await http.close()
        for oa in (first, second):
            await oa.webhook.stop()
        await runtime.stop()
    assert worker.calls[-1] == "stop"
