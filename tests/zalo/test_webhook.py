"""Signed webhooks from the OA sandbox to the real handler on 127.0.0.1: verified before they
are read, queued once whatever Zalo redelivers, refused (403, nothing stored) when forged."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.sandbox import FakeClock
from bot.zalo_sandbox import Event, ZaloSandbox, signature
from handlers.zalo.buttons import Button
from handlers.zalo.client import ZaloClient
from handlers.zalo.events import ButtonPress, TextMessage, parse
from handlers.zalo.inbox import queue_into
from handlers.zalo.webhook import Rejection, WebhookKeys, verify, webhook_handler
from storage.db import Database
from surveys.env import Env, Settings
from surveys.zalo_inbox import pending
from tests.zalo.conftest import USER


@pytest.fixture
async def hook(zalo: ZaloSandbox, zenv: Env) -> AsyncIterator[str]:
    """The webhook served as the bot serves it, registered with the sandbox; yields its URL."""
    app = web.Application()
    keys = WebhookKeys(zalo.app_id, zalo.oa_secret)
    app.router.add_post("/zalo/webhook", webhook_handler(keys, queue_into(zenv)))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/zalo/webhook"
    zalo.webhook.register(url)
    yield url
    await zalo.webhook.stop()
    await runner.cleanup()


async def _kinds(env: Env) -> list[tuple[str, str, str]]:
    return [(e.kind, e.user_id, e.body) for e in await pending(env)]


async def test_follow_text_and_press_are_queued(
    hook: str, zalo: ZaloSandbox, zenv: Env, client: ZaloClient
) -> None:
    zalo.follow(USER)
    zalo.write(USER, "Xã Tân Uyên")
    assert (await client.send_buttons(USER, "Câu 1", [Button("Hài lòng", "yk:ans:1:5")])).sent
    zalo.press(USER, "Hài lòng")
    zalo.send_sticker(USER)  # acknowledged, nothing to queue
    await zalo.webhook.flush()
    assert len(zalo.webhook.log.delivered) == 4 and zalo.webhook.log.failures == []
    assert await _kinds(zenv) == [
        ("follow", USER, ""),
        ("text", USER, "Xã Tân Uyên"),
        ("button", USER, "yk:ans:1:5"),
    ]


async def test_forged_or_unsigned_is_refused_and_stores_nothing(
    hook: str, zalo: ZaloSandbox, zenv: Env, caplog: pytest.LogCaptureFixture
) -> None:
    zalo.follow(USER)
    event = zalo.write(USER, "giả mạo")
    zalo.webhook.queue.clear()
    assert await zalo.webhook.post_forged(event) == 403
    assert await zalo.webhook.post_forged(event, header=None) == 403
    other = signature(zalo.app_id, event.raw, event.body["timestamp"], "another OA's secret")
    assert await zalo.webhook.post_forged(event, header=other) == 403
    assert await _kinds(zenv) == []
    assert "bad_signature" in caplog.text and "unsigned" in caplog.text


async def test_a_forged_body_is_not_read_even_when_malformed(hook: str, zalo: ZaloSandbox) -> None:
    """Verification comes first: a forged body the parser would choke on still gets 403."""
    junk = Event({"event_name": "user_send_text", "timestamp": "1", "message": None})
    assert await zalo.webhook.post_forged(junk) == 403


async def test_a_duplicate_delivery_is_queued_once(hook: str, zalo: ZaloSandbox, zenv: Env) -> None:
    zalo.follow(USER)
    zalo.write(USER, "1")
    zalo.webhook.duplicate_next(2)
    await zalo.webhook.flush()
    assert len(zalo.webhook.log.delivered) == 4
    assert await _kinds(zenv) == [("follow", USER, ""), ("text", USER, "1")]


async def test_a_slow_acknowledgement_is_retried_and_handled_once(
    hook: str, zalo: ZaloSandbox, zenv: Env
) -> None:
    zalo.follow(USER)
    zalo.write(USER, "2")
    zalo.webhook.slow_next(1)
    await zalo.webhook.flush()
    assert zalo.webhook.log.failures == ["acknowledged after more than 2 s"]
    assert await _kinds(zenv) == [("follow", USER, ""), ("text", USER, "2")]


async def test_a_webhook_that_keeps_failing_is_disabled(
    zalo: ZaloSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    zalo.webhook.register("http://127.0.0.1:9/nothing-listens-here")
    zalo.follow(USER)
    with caplog.at_level(logging.ERROR):
        await zalo.webhook.flush()
    assert len(zalo.webhook.log.failures) == 6 and zalo.webhook.log.abandoned
    assert zalo.webhook.url is None and "webhook disabled" in caplog.text
    await zalo.webhook.stop()


def test_verify_and_parse(zalo: ZaloSandbox) -> None:
    keys = WebhookKeys(zalo.app_id, zalo.oa_secret)
    zalo.follow(USER)
    event = zalo.write(USER, "yk:ans:3:4")
    raw, header = event.raw.encode(), zalo.webhook.signed(event)
    body = verify(raw, header, keys)
    assert isinstance(body, dict)
    press = parse(body)
    assert isinstance(press, ButtonPress) and press.payload == "yk:ans:3:4"
    assert press.key == f"{zalo.oa_id}:{event.msg_id}" and press.oa_id == zalo.oa_id
    assert verify(raw + b" ", header, keys) is Rejection.BAD_SIGNATURE
    assert verify(raw, "sha=abc", keys) is Rejection.UNSIGNED
    assert verify(b"not json", header, keys) is Rejection.NOT_JSON
    other_app = WebhookKeys("999", zalo.oa_secret)
    theirs = Event({**event.body, "app_id": "999"})
    signed = signature("999", theirs.raw, theirs.body["timestamp"], zalo.oa_secret)
    assert verify(theirs.raw.encode(), signed, keys) is Rejection.BAD_SIGNATURE
    assert isinstance(verify(theirs.raw.encode(), signed, other_app), dict)
    ours = signature(zalo.app_id, theirs.raw, theirs.body["timestamp"], zalo.oa_secret)
    assert verify(theirs.raw.encode(), ours, keys) is Rejection.OTHER_APP
    # typed text that merely resembles a payload is still text unless it has our shape
    typed = parse({**body, "message": {"msg_id": "m", "text": "yk: tôi muốn hỏi"}})
    assert isinstance(typed, TextMessage)
    assert json.loads(raw)["sender"]["id"] == USER


async def test_a_200_means_committed_and_a_failed_store_is_not_acknowledged(
    tmp_path: Path, zalo: ZaloSandbox, zclock: FakeClock
) -> None:
    """Zalo's 200 comes after the commit (another connection sees the row); when the store
    fails the answer is 500, so Zalo keeps the event and delivers it again."""
    path = tmp_path / "ykien.db"
    db = await Database.open(path)
    env = Env(db, lambda: datetime.fromtimestamp(zclock(), UTC), Settings())
    app = web.Application()
    keys = WebhookKeys(zalo.app_id, zalo.oa_secret)
    app.router.add_post("/hook", webhook_handler(keys, queue_into(env)))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    zalo.webhook.register(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
    try:
        zalo.follow(USER)
        await zalo.webhook.flush()
        other = await Database.open(path)
        assert [e.kind for e in await pending(Env(other, env.clock, Settings()))] == ["follow"]
        await db.close()  # the store now fails
        zalo.write(USER, "mất điện")
        await zalo.webhook.flush()
        assert zalo.webhook.log.failures == ["HTTP 500"] * 6
        assert [e.kind for e in await pending(Env(other, env.clock, Settings()))] == ["follow"]
        await other.close()
    finally:
        await zalo.webhook.stop()
        await runner.cleanup()
