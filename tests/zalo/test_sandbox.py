"""The OA sandbox's own contract: loud on what it does not fake, strict on bodies, drivable
from another process through its control API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.zalo_sandbox import SentMessage, ZaloSandbox, ZaloSandboxServer
from handlers.zalo.webhook import WebhookKeys, verify
from tests.zalo.conftest import USER


@contextlib.asynccontextmanager
async def _webhook_at(
    hook: Callable[[web.Request], Awaitable[web.Response]],
) -> AsyncIterator[str]:
    """A webhook receiver on a free local port, serving `hook`; its URL."""
    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    finally:
        await runner.cleanup()


async def _call(
    method: str,
    url: str,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> tuple[int, dict[str, Any]]:
    headers = {**(headers or {}), **({"access_token": token} if token else {})}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, url, headers=headers, **kwargs) as resp,
    ):
        return resp.status, await resp.json()


async def test_an_endpoint_it_does_not_fake_fails_loudly(
    zalo: ZaloSandbox, zserver: ZaloSandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        status, body = await _call("GET", f"{zserver.url}/v3.0/oa/getfollowers")
    assert status == 501 and body["error"] == -9999
    assert zalo.unimplemented == ["GET /v3.0/oa/getfollowers"]
    assert "not implemented: GET /v3.0/oa/getfollowers" in caplog.text
    zalo.unimplemented.clear()


async def test_unfaked_message_kinds_fail_loudly(
    zalo: ZaloSandbox, zserver: ZaloSandboxServer
) -> None:
    access, _ = zalo.authorise()
    zalo.follow(USER)
    url = f"{zserver.url}/v3.0/oa/message/cs"
    file = {"type": "file", "payload": {"token": "x"}}
    sms = {"title": "Gọi", "type": "oa.open.app", "payload": {}}
    bodies = [
        {"recipient": {"user_id": USER}, "message": {"attachment": file}},
        {"recipient": {"user_id": USER}, "message": {"text": "x", "attachment": {
            "type": "template", "payload": {"buttons": [sms]}}}},
        {"recipient": {"user_id": USER}, "message": {"text": "x", "sticker": 1}},
    ]  # fmt: skip
    for body in bodies:
        status, answer = await _call("POST", url, token=access, json=body)
        assert (status, answer["error"]) == (200, -9999)
    assert zalo.unimplemented == [
        "attachment type 'file'",
        "button type 'oa.open.app'",
        "message fields ['sticker']",
    ]
    assert zalo.sent == []
    zalo.unimplemented.clear()


async def test_bodies_and_tokens_are_checked(zalo: ZaloSandbox, zserver: ZaloSandboxServer) -> None:
    access, refresh = zalo.authorise()
    zalo.follow(USER)
    url = f"{zserver.url}/v3.0/oa/message/cs"
    text = {"recipient": {"user_id": USER}, "message": {"text": "x"}}
    assert (await _call("POST", url, json=text))[1]["error"] == -216  # no token
    assert (await _call("POST", url, token="made-up", json=text))[1]["error"] == -216
    long = {"recipient": {"user_id": USER}, "message": {"text": "x" * 2001}}
    assert (await _call("POST", url, token=access, json=long))[1]["error"] == -210
    six = [{"title": str(n), "type": "oa.query.hide", "payload": f"p{n}"} for n in range(6)]
    many = {"recipient": {"user_id": USER}, "message": {"text": "x", "attachment": {
        "type": "template", "payload": {"buttons": six}}}}  # fmt: skip
    assert (await _call("POST", url, token=access, json=many))[1]["error"] == -210
    assert (await _call("POST", url, token=access, data=b"{"))[1]["error"] == -201
    oauth = f"{zserver.url}/v4/oa/access_token"
    form = {"refresh_token": refresh, "app_id": zalo.app_id, "grant_type": "refresh_token"}
    wrong = await _call("POST", oauth, data=form, headers={"secret_key": "guess"})
    assert wrong[1]["error"] == -14002
    good = await _call("POST", oauth, data=form, headers={"secret_key": zalo.app_secret})
    assert good[1]["access_token"] and good[1]["refresh_token"] != refresh
    assert zalo.sent == []


async def test_the_standalone_process_and_its_control_api() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.zalo_sandbox", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        assert line.startswith("ZALO_SANDBOX_URL=http://127.0.0.1:")
        base = line.split("=", 1)[1]
        _, tokens = await _call("POST", f"{base}/sandbox/authorise")
        await _call("POST", f"{base}/sandbox/follow", json={"user_id": USER, "name": "Hoa"})
        text = {"recipient": {"user_id": USER}, "message": {"text": "Xin chào"}}
        _, sent = await _call(
            "POST", f"{base}/v3.0/oa/message/cs", token=tokens["access_token"], json=text
        )
        assert sent["error"] == 0
        _, messages = await _call("GET", f"{base}/sandbox/messages/{USER}")
        assert [m["text"] for m in messages] == ["Xin chào"]
        # Its background pusher delivers signed events to a registered webhook.
        received: asyncio.Queue[tuple[bytes, str | None]] = asyncio.Queue()

        async def hook(request: web.Request) -> web.Response:
            await received.put((await request.read(), request.headers.get("X-ZEvent-Signature")))
            return web.Response()

        async with _webhook_at(hook) as url:
            await _call("POST", f"{base}/sandbox/webhook", json={"url": url})
            await _call("POST", f"{base}/sandbox/write", json={"user_id": USER, "text": "1"})
            keys = WebhookKeys(tokens["app_id"], "sandbox-oa-secret")
            names = []
            for _ in range(2):  # the follow queued before the hook was registered, then the text
                raw, header = await asyncio.wait_for(received.get(), 20)
                body = verify(raw, header, keys)
                assert isinstance(body, dict)
                names.append(body["event_name"])
            assert names == ["follow", "user_send_text"] and body["message"]["text"] == "1"
    finally:
        proc.terminate()
        await proc.wait()


async def test_a_waiter_wakes_when_the_oa_sends_to_its_user(
    zalo: ZaloSandbox, zserver: ZaloSandboxServer
) -> None:
    """wait_for is woken by each message to that user (not by others'), without polling."""
    access, _ = zalo.authorise()
    zalo.follow(USER)
    zalo.follow("other")
    url = f"{zserver.url}/v3.0/oa/message/cs"

    def second(messages: list[SentMessage]) -> str | None:
        return messages[1].text if len(messages) >= 2 else None

    waiting = asyncio.create_task(zalo.wait_for(USER, second, timeout=20))
    looks: list[int] = []
    counting = asyncio.create_task(zalo.wait_for(USER, lambda m: looks.append(len(m)), timeout=20))
    for user, text in ((USER, "một"), ("other", "khác"), (USER, "hai")):
        body = {"recipient": {"user_id": user}, "message": {"text": text}}
        assert (await _call("POST", url, token=access, json=body))[1]["error"] == 0
    assert await waiting == "hai"
    assert looks == [0, 1, 2]  # once at first, then once per message to USER only
    counting.cancel()
    with pytest.raises(TimeoutError, match="no awaited message to Zalo user other"):
        await zalo.wait_for("other", second, timeout=0.05)
    assert await zalo.wait_for(USER, second) == "hai"  # already there: no wait


async def test_the_background_pusher_delivers_several_events_at_once(zalo: ZaloSandbox) -> None:
    """start(concurrency=3): three events are in flight together; each ack's time is kept."""
    in_flight: list[str] = []
    all_three = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        in_flight.append((await request.json())["message"]["text"])
        if len(in_flight) == 3:
            all_three.set()
        await all_three.wait()  # answers only once three requests are open at the same time
        return web.Response()

    async with _webhook_at(hook) as url:
        zalo.webhook.register(url)
        for n in range(3):
            zalo.follow(f"user{n}")
        zalo.webhook.queue.clear()  # only the texts
        zalo.webhook.start(concurrency=3)
        try:
            for n in range(3):
                zalo.write(f"user{n}", str(n))
            await asyncio.wait_for(all_three.wait(), 20)
            assert sorted(in_flight) == ["0", "1", "2"]
            await zalo.webhook.stop()
            zalo.write("user0", "3")
            await zalo.webhook.flush()  # in this task: its acknowledgement is timed like the others
            assert in_flight[-1] == "3"
            assert len(zalo.webhook.log.acks) == len(zalo.webhook.log.delivered) >= 1
            assert all(0 < a < 20 for a in zalo.webhook.log.acks)
        finally:
            await zalo.webhook.stop()
