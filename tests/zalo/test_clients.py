"""The process's clients: one per OA, sharing a session; an OA never connected fails, typed."""

from __future__ import annotations

from bot.zalo_sandbox import ZaloSandbox, ZaloSandboxServer
from handlers.zalo.client import ClientSettings
from handlers.zalo.clients import ZaloClients
from handlers.zalo.outcomes import SendStatus
from surveys.env import Env
from surveys.zalo_tokens import ZaloTokens
from tests.zalo.conftest import USER, Pauses


async def test_one_client_per_oa_over_one_session(
    zenv: Env, zalo: ZaloSandbox, zserver: ZaloSandboxServer, connected: ZaloTokens,
    pauses: Pauses,
) -> None:  # fmt: skip
    settings = ClientSettings(api_url=zserver.url, oauth_url=zserver.url, rate=1000.0)
    clients = ZaloClients(zenv, settings, sleep=pauses)
    try:
        client = clients.of(zalo.oa_id)
        assert clients.of(zalo.oa_id) is client
        zalo.follow(USER)
        assert (await client.send_text(USER, "Xin chào")).status is SendStatus.SENT
        other = clients.of("not-connected")
        assert other is not client
        assert (await other.send_text(USER, "Xin chào")).status is SendStatus.FAILED
        assert zalo.texts_to(USER) == ["Xin chào"]
    finally:
        await clients.close()
