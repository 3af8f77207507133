"""The sandbox's webhook: which URLs setWebhook accepts, and delivery as Telegram does it
(one update per POST, in order, the secret token header, retried until the bot answers 2xx)."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.sandbox import Sandbox
from bot.sandbox.webhook import SECRET_HEADER


@pytest.mark.parametrize(
    ("url", "local", "ok"),
    [
        ("http://127.0.0.1:8443/hook", False, False),  # plain HTTP, as on Telegram
        ("http://127.0.0.1:8443/hook", True, True),
        ("http://localhost/hook", True, True),
        ("http://example.org/hook", True, False),  # local means this machine only
        ("ftp://127.0.0.1/hook", True, False),
    ],
)
async def test_which_urls_set_webhook_accepts(url: str, local: bool, ok: bool) -> None:
    sandbox = Sandbox(local_webhooks=local)
    status, body = await sandbox.call("setWebhook", {"url": url})
    assert (status == 200) is ok, body
    assert sandbox.webhook.url == (url if ok else "")
    await sandbox.webhook_pusher.stop()


async def test_bad_secret_token_is_refused() -> None:
    sandbox = Sandbox(local_webhooks=True)
    status, body = await sandbox.call(
        "setWebhook", {"url": "http://127.0.0.1:1/hook", "secret_token": "with space"}
    )
    assert status == 400 and "secret token" in body["description"]
    assert sandbox.webhook.url == ""


async def test_updates_are_pushed_in_order_with_the_secret_and_retried() -> None:
    received: list[tuple[str | None, dict]] = []
    answers = iter([500])  # the first delivery fails, every later one is taken

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get(SECRET_HEADER), await request.json()))
        return web.Response(status=next(answers, 200))

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    sandbox = Sandbox(local_webhooks=True)
    sandbox.webhook_pusher.retry_delay = 0.01
    try:
        url = f"http://127.0.0.1:{port}/hook"
        status, _ = await sandbox.call("setWebhook", {"url": url, "secret_token": "s3cr-t_"})
        assert status == 200
        lan = sandbox.user(7, first_name="Lan")
        lan.send("một")
        lan.send("hai")
        await sandbox.wait_for(lambda: sandbox.pending_updates == 0, timeout=5)
        texts = [u["message"]["text"] for _, u in received]
        assert texts == ["một", "một", "hai"]  # refused once, then again, then the next
        assert {secret for secret, _ in received} == {"s3cr-t_"}
        assert (sandbox.webhook_pusher.delivered, sandbox.webhook_pusher.refused) == (2, 1)
        _, info = await sandbox.call("getWebhookInfo", {})
        assert info["result"]["last_error_message"].startswith(
            "Wrong response from the webhook: 500"
        )
        status, body = await sandbox.call("getUpdates", {})
        assert status == 409  # no polling while a webhook is set
        await sandbox.call("deleteWebhook", {})
        lan.send("ba")
        status, body = await sandbox.call("getUpdates", {})
        assert [u["message"]["text"] for u in body["result"]] == ["ba"]
        assert len(received) == 3  # nothing pushed after deleteWebhook
    finally:
        await sandbox.webhook_pusher.stop()
        await runner.cleanup()
