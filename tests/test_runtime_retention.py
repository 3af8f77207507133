"""The daily retention pass belongs to the Runtime of every `ykien run` mode: `ykien run
--web-listen` without a Telegram token erases the inactive too (a minute after start, then
daily, as the clock moves); a failing pass is logged, counts only, and the next one runs; stop
ends the wait or the pass."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.config import Config
from bot.runtime import Runtime
from bot.runtime_retention import EVERY, FIRST, RetentionJob
from bot.web_server import free_port, serve_alone
from surveys.env import Settings
from surveys.people import Address, Channel
from surveys.privacy import PrivacyService
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock

WAIT = 20.0  # a safety net for a slow machine; every wait ends on a pause the job asks for
YEAR = Settings(retention_days=365)


class Pauses:
    """The injected sleep. Each retention pause is handed to the test, which ends it; it then
    moves the clock by its length. Any other pause (the token refresh's) never ends."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.asked: asyncio.Queue[tuple[float, asyncio.Future[None]]] = asyncio.Queue()

    async def __call__(self, seconds: float) -> None:
        if seconds not in (FIRST.total_seconds(), EVERY.total_seconds()):
            await asyncio.Event().wait()
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self.asked.put((seconds, gate))
        await gate
        self.clock.advance(seconds=seconds)

    async def next(self) -> tuple[float, asyncio.Future[None]]:
        async with asyncio.timeout(WAIT):
            return await self.asked.get()


class Announced(io.StringIO):
    """The process's standard error: `ykien run` says it is running once it listens."""

    def __init__(self) -> None:
        super().__init__()
        self.listening = asyncio.Event()

    def write(self, text: str) -> int:
        if "đang chạy" in text:
            self.listening.set()
        return super().write(text)


async def join(services: Services, telegram_id: int, name: str) -> None:
    assert await services.residents.join(Address(Channel.TELEGRAM, str(telegram_id)), name, COMMUNE)


async def known(services: Services, *telegram_ids: int) -> list[int]:
    return [
        i for i in telegram_ids if await services.people.find(Channel.TELEGRAM, str(i)) is not None
    ]


async def test_web_only_run_erases_the_inactive_a_minute_after_start_then_daily(
    db_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ykien run --web-listen` with no token: the process serves the e-sheet and its Runtime
    runs retention. Old (joined 400 days ago) goes at the first pass; Late (365 days minus
    12 hours) is still inside the period then and goes at the next day's pass; New stays."""
    seed = await Services.open(str(db_path), clock=clock, settings=YEAR)
    try:
        await join(seed, 1, "Cụ Già")
        clock.advance(days=400 - 364.5)
        await join(seed, 2, "Bà Muộn")
        clock.advance(days=364.5)
        await join(seed, 3, "Em Mới")
    finally:
        await seed.close()
    port = free_port()
    config = Config(db_path=db_path, web_listen=f"127.0.0.1:{port}", settings=YEAR)
    pauses, stop, stderr = Pauses(clock), asyncio.Event(), Announced()
    monkeypatch.setattr(sys, "stderr", stderr)
    served = asyncio.create_task(serve_alone(config, clock=clock, sleep=pauses, stop=stop))
    reader = await Services.open(str(db_path), clock=clock, settings=YEAR)
    try:
        seconds, gate = await pauses.next()
        assert seconds == FIRST.total_seconds()
        async with asyncio.timeout(WAIT):
            await stderr.listening.wait()
        url = f"http://127.0.0.1:{port}/x/{COMMUNE}"  # the web channel is up, alone
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 200
        assert await known(reader, 1, 2, 3) == [1, 2, 3]  # nothing before the first minute
        gate.set_result(None)
        seconds, gate = await pauses.next()  # the first pass is done
        assert seconds == EVERY.total_seconds()
        assert await known(reader, 1, 2, 3) == [2, 3]
        gate.set_result(None)
        seconds, gate = await pauses.next()  # a day later
        assert await known(reader, 1, 2, 3) == [3]
    finally:
        stop.set()
        async with asyncio.timeout(WAIT):
            assert await served == 0
        await reader.close()


class FailsOnce(PrivacyService):
    """The privacy service on a database that refuses the first pass (a full disk, say)."""

    failed = False

    async def run_retention(self) -> int:
        if not self.failed:
            self.failed = True
            raise OSError("database or disk is full")
        return await super().run_retention()


async def test_a_failed_pass_is_logged_and_the_next_day_runs_with_counts_only(
    services: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    services.env.settings = YEAR
    await join(services, 424242, "Zelda Nguyễn")
    clock.advance(days=366)
    pauses = Pauses(clock)
    job = RetentionJob(FailsOnce(services.env), sleep=pauses)
    caplog.set_level(logging.INFO, logger="bot.runtime_retention")
    job.start()
    try:
        _, gate = await pauses.next()
        gate.set_result(None)
        seconds, gate = await pauses.next()  # after the failed pass, the wait for the next
        assert (seconds, job.passes) == (EVERY.total_seconds(), 1)
        assert await known(services, 424242) == [424242]
        assert "retention: the pass failed" in caplog.text
        gate.set_result(None)
        await pauses.next()
        assert job.passes == 2 and await known(services, 424242) == []
    finally:
        await job.stop()
    assert "removed the identity of 1 inactive residents" in caplog.text
    assert "Zelda" not in caplog.text and "424242" not in caplog.text


class Stuck(PrivacyService):
    """A pass that does not end by itself (a long erasure), to stop in the middle."""

    running = asyncio.Event()

    async def run_retention(self) -> int:
        self.running.set()
        await asyncio.Event().wait()
        return 0


async def test_stop_ends_the_wait_or_a_pass_in_progress(
    services: Services, clock: FakeClock
) -> None:
    pauses = Pauses(clock)
    runtime = Runtime(services, Config(), workers=(), sleep=pauses)
    await runtime.start()
    seconds, _ = await pauses.next()
    assert seconds == FIRST.total_seconds()
    await runtime.stop()  # in the first wait
    assert runtime.retention.passes == 0 and pauses.asked.empty()

    stuck = Stuck(services.env)
    job = RetentionJob(stuck, sleep=pauses)
    job.start()
    _, gate = await pauses.next()
    gate.set_result(None)
    async with asyncio.timeout(WAIT):
        await stuck.running.wait()
        await job.stop()  # in the pass
    assert job.passes == 0 and pauses.asked.empty()
    async with services.db.transaction():  # no transaction was left open
        pass
