"""The Zalo conversation end to end, as it runs: the OA sandbox on 127.0.0.1 pushes signed
events to a real aiohttp app serving webhook_handler + queue_into, the worker drains the inbox
and replies through the real ZaloClient to the sandbox. One FakeClock drives both sides."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from bot.zalo_residents import connect_sandbox
from bot.zalo_sandbox import SentMessage, ZaloSandbox, ZaloSandboxServer
from handlers.zalo.client import ClientSettings
from handlers.zalo.clients import ZaloClients
from handlers.zalo.inbox import queue_into
from handlers.zalo.webhook import WebhookKeys, webhook_handler
from handlers.zalo.worker import ZaloWorker
from storage.records import Answer
from storage.responses import list_answers
from surveys.people import Channel, zalo_address
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY, FakeClock, table_counts

LAN = "8801234567890123456"
BINH = "8809876543210987654"


@dataclass
class Flow:
    zalo: ZaloSandbox
    services: Services
    clock: FakeClock
    clients: ZaloClients
    worker: ZaloWorker
    url: str

    def new_worker(self, **options: object) -> ZaloWorker:
        return ZaloWorker(self.services, self.clients, **options)  # type: ignore[arg-type]

    async def deliver(self, worker: ZaloWorker | None = None) -> int:
        """Pushes the sandbox's queued webhooks, then drains the inbox."""
        await self.zalo.webhook.flush()
        return await (worker or self.worker).drain()

    async def follow(self, user: str) -> list[str]:
        before = len(self.zalo.texts_to(user))
        self.zalo.follow(user)
        await self.deliver()
        return self.zalo.texts_to(user)[before:]

    async def send(self, user: str, text: str) -> list[str]:
        """The user types ``text``; returns the texts of the replies that followed."""
        before = len(self.zalo.texts_to(user))
        self.zalo.write(user, text)
        await self.deliver()
        return self.zalo.texts_to(user)[before:]

    async def press(self, user: str, title: str) -> list[str]:
        """The user presses the newest button titled ``title``."""
        before = len(self.zalo.texts_to(user))
        self.zalo.press(user, title)
        await self.deliver()
        return self.zalo.texts_to(user)[before:]

    def last(self, user: str) -> SentMessage:
        return self.zalo.messages_to(user)[-1]

    def payload_of(self, user: str, title: str) -> str:
        for message in reversed(self.zalo.messages_to(user)):
            for button in message.buttons:
                if button["title"] == title:
                    return str(button["payload"])
        raise AssertionError(f"no button {title!r}")

    async def person(self, user: str) -> int | None:
        return await self.services.people.find(Channel.ZALO, zalo_address(self.zalo.oa_id, user))

    async def answers(self, user: str) -> dict[str, tuple[int | None, str | None, bool]]:
        """The user's stored answers in the open round, by question id."""
        rows = await self.responses(user)
        assert len(rows) <= 1
        if not rows:
            return {}
        found: list[Answer] = await list_answers(self.services.db.conn, rows[0][0])
        return {a.question_id: (a.value_int, a.value_text, a.skipped) for a in found}

    async def responses(self, user: str) -> list[tuple[int, str]]:
        """(id, channel) of the user's responses."""
        person = await self.person(user)
        rows = await self.services.db.conn.execute_fetchall(
            "SELECT id, channel FROM responses WHERE resident_id = ? ORDER BY id", (person,)
        )
        return [(r[0], r[1]) for r in rows]

    async def inbox(self) -> list[tuple[str, str, str | None, bool]]:
        """(kind, body, failure, handled) of every inbox row, in order."""
        rows = await self.services.db.conn.execute_fetchall(
            "SELECT kind, body, failure, handled_at IS NOT NULL FROM zalo_inbox ORDER BY id"
        )
        return [(r[0], r[1], r[2], bool(r[3])) for r in rows]

    async def counts(self) -> dict[str, int]:
        """Row counts of every table but the inbox, which keeps each event (handled, emptied)."""
        counts = await table_counts(self.services.db)
        counts.pop("zalo_inbox")
        return counts

    async def open_round(self, days: int = 7) -> int:
        round_ = await self.services.rounds.open(
            COMMUNE, SURVEY, closes_at=self.clock.now + timedelta(days=days)
        )
        return round_.id

    async def join_token(self) -> str:
        token = await self.services.residents.join_token(COMMUNE)
        assert token is not None
        return token

    async def joined(self, user: str) -> list[str]:
        """The user follows and sends the commune's join code; the replies to the code."""
        await self.follow(user)
        return await self.send(user, await self.join_token())


@asynccontextmanager
async def running_flow(
    services: Services, clock: FakeClock, *, commune: int | None = COMMUNE
) -> AsyncIterator[Flow]:
    """The OA (tied to ``commune``) connected, its webhook served, a worker to drain it; on
    exit, fails on any Zalo call the sandbox does not fake."""
    zalo = ZaloSandbox(clock=lambda: clock.now.timestamp())
    zalo.webhook.retry_delays = (0.0,) * 5
    env = services.env
    await connect_sandbox(env, zalo, commune)

    async def moves_the_clock(seconds: float) -> None:
        clock.advance(seconds=seconds)

    async with ZaloSandboxServer(zalo) as server:
        settings = ClientSettings(
            api_url=server.url, oauth_url=server.url, rate=1000.0, retries=1, timeout=5.0
        )
        clients = ZaloClients(env, settings, sleep=moves_the_clock)
        worker = ZaloWorker(services, clients, concurrency=8)
        app = web.Application()
        keys = WebhookKeys(zalo.app_id, zalo.oa_secret)
        app.router.add_post("/zalo/webhook", webhook_handler(keys, queue_into(env, worker.wake)))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/zalo/webhook"
        zalo.webhook.register(url)
        try:
            yield Flow(zalo, services, clock, clients, worker, url)
        finally:
            await worker.stop()
            await zalo.webhook.stop()
            await runner.cleanup()
            await clients.close()
    assert zalo.unimplemented == [], zalo.unimplemented
