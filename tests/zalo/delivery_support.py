"""A commune whose residents are on Telegram, on Zalo (in and out of the 7-day window) and on
the web sheet or paper only, with the real Telegram application on its sandbox and the real
Zalo transport on the Zalo sandbox, sharing one FakeClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from bot.zalo_residents import connect_sandbox
from bot.zalo_sandbox import ZaloSandbox, ZaloSandboxServer
from handlers.zalo import delivery as zalo_delivery
from handlers.zalo.client import ClientSettings
from handlers.zalo.clients import ZaloClients
from storage import people as people_db
from storage import residents as residents_db
from storage.people import Channel
from surveys.broadcasts import Launched, Plan
from surveys.people import zalo_address
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY, FakeClock
from tests.handlers.conftest import Harness

IN_WINDOW = ("8800000000000000001", "8800000000000000002")
OUTSIDE = ("8800000000000000009",)
TELEGRAM = (1001, 1002, 1003)


@dataclass
class Commune:
    harness: Harness
    zalo: ZaloSandbox
    clients: ZaloClients
    persons: dict[str, int] = field(default_factory=dict)  # Zalo user id -> person id
    pauses: list[float] = field(default_factory=list)  # the Zalo client's retry pauses

    @property
    def services(self) -> Services:
        return self.harness.services

    def offers_to(self, user_id: str) -> list[str]:
        return [t for t in self.zalo.texts_to(user_id) if t.startswith("Xã đang lấy ý kiến")]


async def add_person(services: Services, channel: Channel, address: str, name: str) -> int:
    now = services.env.now()
    async with services.db.transaction() as conn:
        person = await people_db.person_for(conn, channel, address, create=True, now=now)
        assert person is not None
        await residents_db.upsert_membership(conn, person, name, COMMUNE, now)
    return person


async def zalo_writes(commune: Commune, user_id: str) -> None:
    """The person writes to the OA: Zalo opens their window, ykien records when (as the inbox
    worker does with storage.people.touch)."""
    commune.zalo.write(user_id, "Xin chào xã")
    address = zalo_address(commune.zalo.oa_id, user_id)
    async with commune.services.db.transaction() as conn:
        await people_db.touch(conn, Channel.ZALO, address, commune.services.env.now())


@asynccontextmanager
async def mixed_commune(harness: Harness, clock: FakeClock) -> AsyncIterator[Commune]:
    """Three Telegram residents, two Zalo residents who wrote today, one who last wrote eight
    days ago, two web-sheet households and one paper household."""
    services = harness.services
    zalo = ZaloSandbox(clock=lambda: clock.now.timestamp())
    async with ZaloSandboxServer(zalo) as server:
        await connect_sandbox(services.env, zalo)
        pauses: list[float] = []

        async def pause(seconds: float) -> None:
            pauses.append(seconds)
            clock.advance(seconds=seconds)

        settings = ClientSettings(api_url=server.url, oauth_url=server.url, rate=1000.0)
        clients = ZaloClients(services.env, settings, sleep=pause)
        commune = Commune(harness, zalo, clients, pauses=pauses)
        zalo_delivery.register(services.outbox, clients)
        try:
            token = await services.residents.join_token(COMMUNE)
            for uid in TELEGRAM:
                await harness.send(harness.user(uid, f"Dân {uid}"), f"/start j{token}")
            for uid in OUTSIDE:
                zalo.follow(uid)
                commune.persons[uid] = await add_person(
                    services, Channel.ZALO, zalo_address(zalo.oa_id, uid), "Dân Zalo cũ"
                )
                await zalo_writes(commune, uid)
            clock.advance(days=8)
            # The OA's token is refreshed before it is used again (it lives 25 hours).
            for uid in IN_WINDOW:
                zalo.follow(uid)
                commune.persons[uid] = await add_person(
                    services, Channel.ZALO, zalo_address(zalo.oa_id, uid), "Dân Zalo"
                )
                await zalo_writes(commune, uid)
            await add_person(services, Channel.WEB, "web-session-1", "Hộ web 1")
            await add_person(services, Channel.WEB, "web-session-2", "Hộ web 2")
            await add_person(services, Channel.PAPER, "77", "Hộ giấy")
            yield commune
        finally:
            await clients.close()


async def launch(services: Services, key: str = "mixed") -> tuple[Plan, Launched]:
    now = services.env.now()
    plan = await services.broadcasts.plan(COMMUNE, SURVEY, closes_at=now + timedelta(days=7))
    return plan, await services.broadcasts.launch(plan, launch_key=key, created_by="test")
