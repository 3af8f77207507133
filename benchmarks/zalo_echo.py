"""The baseline of benchmarks/zalo.py: a bare aiohttp Zalo webhook with no database.

    python benchmarks/zalo_echo.py PORT API_URL RATE
    (YKIEN_ZALO_APP_ID, YKIEN_ZALO_OA_SECRET and YKIEN_ZALO_ACCESS_TOKEN in the environment)

It checks each event's X-ZEvent-Signature (SHA-256 of app_id + raw body + timestamp + the OA
secret key) before reading it, acknowledges with 200 (403 when the signature is wrong), and
then makes the call ykien makes for it: one consultation message to the sender, a question
with one button, paced at RATE calls per second like ykien's client. Nothing is stored.
Prints `ready` on stdout once it listens.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import sys

import aiohttp
from aiohttp import web
from aiolimiter import AsyncLimiter


def main() -> None:
    port, api_url, rate = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    app_id = os.environ["YKIEN_ZALO_APP_ID"]
    oa_secret = os.environ["YKIEN_ZALO_OA_SECRET"]
    token = os.environ["YKIEN_ZALO_ACCESS_TOKEN"]
    limiter = AsyncLimiter(rate, 1.0)
    replies: set[asyncio.Task[None]] = set()
    session: list[aiohttp.ClientSession] = []

    async def reply(user_id: str, text: str) -> None:
        body = {
            "recipient": {"user_id": user_id},
            "message": {
                "text": f"Đã lưu: {text}\nCâu 2/13\nÔng/bà có hài lòng không?",
                "attachment": {
                    "type": "template",
                    "payload": {
                        "buttons": [
                            {"title": "Có", "type": "oa.query.hide", "payload": "yk:a:1:1:1"}
                        ]
                    },
                },
            },
        }
        async with limiter:
            url = f"{api_url}/v3.0/oa/message/cs"
            async with session[0].post(url, json=body, headers={"access_token": token}) as resp:
                answer = await resp.json()
        if answer.get("error") != 0:
            print(f"send refused: {answer}", file=sys.stderr)

    async def webhook(request: web.Request) -> web.Response:
        raw = await request.read()
        header = request.headers.get("X-ZEvent-Signature", "")
        try:
            event = json.loads(raw)
        except ValueError:
            return web.Response(status=403)
        stamp = str(event.get("timestamp", "")).encode()
        digest = hashlib.sha256(app_id.encode() + raw + stamp + oa_secret.encode()).hexdigest()
        if not hmac.compare_digest(f"mac={digest}".encode(), header.encode()):
            return web.Response(status=403)
        user = (event.get("sender") or event.get("follower") or {}).get("id")
        text = (event.get("message") or {}).get("text", "")
        if event.get("event_name") in ("user_send_text", "follow") and user:
            task = asyncio.get_running_loop().create_task(reply(str(user), str(text)))
            replies.add(task)
            task.add_done_callback(replies.discard)
        return web.Response(status=200)

    async def serve() -> None:
        session.append(aiohttp.ClientSession())
        app = web.Application()
        app.router.add_post("/zalo/webhook", webhook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print("ready", flush=True)
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            await session[0].close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
