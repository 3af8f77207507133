"""The webhook endpoint (bot/webhook.py) refuses before it reads (issue 17): the secret first
(403), then the size (413 over 1 MB, declared or streamed), then the JSON (400, logged without
the body); a good update reaches the Application and is stored."""

from __future__ import annotations

import json
import logging

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.webhook import MAX_BODY, SECRET_HEADER, TelegramWebhook, web_app
from tests.conftest import COMMUNE, resident_of, table_counts
from tests.handlers.conftest import running_harness

SECRET = "s3cret-token-for-the-test"
PATH = "/telegram/hook"


def update(text: str, uid: int = 501) -> dict:
    command = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": 7, "message": {"message_id": 1, "date": 0, "text": text,
            "entities": command if text.startswith("/") else [],
            "chat": {"id": uid, "type": "private"},
            "from": {"id": uid, "is_bot": False, "first_name": "Lan"}}}  # fmt: skip


@pytest.fixture
async def hook(services, clock):
    async with running_harness(services, clock) as harness:
        queued = []

        async def put(u) -> None:
            queued.append(u)

        webhook = TelegramWebhook(harness.app, SECRET, put)
        async with TestClient(TestServer(web_app(webhook, PATH))) as client:
            yield harness, client, queued


async def post(client, body: bytes, secret: str | None = SECRET, **kw) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with client.post(PATH, data=body, headers=headers, **kw) as resp:
        return resp.status


async def test_wrong_secret_is_refused_whatever_the_body(hook) -> None:
    harness, client, queued = hook
    before = await table_counts(harness.services.db)
    big = b"x" * (8 * MAX_BODY)
    assert await post(client, big, None) == 403
    assert await post(client, big, "not-the-secret") == 403
    assert await post(client, json.dumps(update("/stop")).encode(), SECRET[:-1]) == 403
    assert queued == [] and await table_counts(harness.services.db) == before


async def test_a_body_over_1_mb_is_refused_with_413(hook) -> None:
    harness, client, queued = hook
    before = await table_counts(harness.services.db)
    assert await post(client, b" " * (MAX_BODY + 1)) == 413  # declared length

    async def chunks():
        for _ in range(3):
            yield b" " * (MAX_BODY // 2)

    assert await post(client, chunks()) == 413  # streamed, no length declared
    assert queued == [] and await table_counts(harness.services.db) == before


async def test_malformed_json_gets_400_and_the_log_holds_no_body(hook, caplog) -> None:
    harness, client, queued = hook
    before = await table_counts(harness.services.db)
    secret_text = "CCCD 001099012345 của tôi"
    with caplog.at_level(logging.DEBUG):
        assert await post(client, f'{{"update_id": 1, "message": "{secret_text}'.encode()) == 400
        assert await post(client, b'{"no": "update_id"}') == 400
        assert await post(client, b"[1, 2]") == 400
    assert secret_text not in caplog.text and "001099012345" not in caplog.text
    assert "unreadable update refused" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert queued == [] and await table_counts(harness.services.db) == before


async def test_a_good_update_reaches_the_bot(hook) -> None:
    harness, client, queued = hook
    harness.user(501, "Lan")  # the sandbox knows the chat the bot answers
    token = await harness.services.residents.join_token(COMMUNE)
    assert await post(client, json.dumps(update(f"/start j{token}")).encode()) == 200
    (got,) = queued
    await harness.app.process_update(got)
    resident = await resident_of(harness.services, 501)
    assert resident is not None and resident.commune_code == COMMUNE
    assert "Xã Tân Uyên" in harness.user(501).messages[0].text
