"""The sandbox driven over real HTTP: PTB polling, multipart uploads, wire format."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application

from bot.sandbox import Sandbox, SandboxServer

# PTB 22's own RetryAfter.__init__ reads the deprecated int-valued ``retry_after``.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)
App = Application[Any, Any, Any, Any, Any, Any]
TOKEN = "123:TEST"
REPO = Path(__file__).resolve().parents[2]


def polling(sandbox: Sandbox) -> bool:
    """True while a getUpdates call is parked in a long poll."""
    return any(r.method == "getUpdates" and r.outcome == "pending" for r in sandbox.call_log)


async def test_polling_bot_conversation(http_app: App, sandbox: Sandbox) -> None:
    lan = sandbox.user(42, "Lan")
    lan.start("xa-tan-lap")
    question = await sandbox.wait_for(lambda: lan.last)
    assert question.text == "Xin chào & chào mừng (xa-tan-lap)"
    assert question.labels() == ["Có", "Không"]
    lan.press(question, "Không")
    await sandbox.wait_for(lambda: question.text == "Bạn chọn: no", what="the edit")
    assert lan.callback_answers == ["Đã ghi nhận: no"]
    sent = lan.send("góp ý")
    lan.edit(sent, "góp ý (sửa)")
    lan.send_sticker()
    await sandbox.wait_for(lambda: len(lan.messages) == 4, what="three more replies")
    assert lan.texts()[1:] == ["echo: góp ý", "edited: góp ý (sửa)", "got sticker"]
    # every update was confirmed through the offset, nothing is left behind
    await sandbox.wait_for(lambda: sandbox.pending_updates == 0)
    assert sandbox.calls_to("deleteWebhook")  # start_polling's first call


async def test_failures_over_http(http_app: App, sandbox: Sandbox) -> None:
    bot = http_app.bot
    sandbox.user(42)
    sandbox.fail_next("sendMessage", kind="429", retry_after=4)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(42, "x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        retry: Any = info.value.retry_after
    assert retry in (4, dtm.timedelta(seconds=4))
    sandbox.block(42)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(42, "x")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "x")
    sandbox.fail_next("sendMessage", kind="network")
    with pytest.raises(NetworkError) as network:
        await bot.send_message(777, "x")
    assert not isinstance(network.value, TimedOut)
    assert "RemoteProtocolError" in str(network.value)  # the connection was dropped
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-1, "<b>", parse_mode="HTML")  # the chat is checked first
    sandbox.unblock(42)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(42, "<b>oops", parse_mode="HTML")


async def test_handler_sees_flood_control(http_app: App, sandbox: Sandbox) -> None:
    lan = sandbox.user(42)
    error_seen: asyncio.Event = http_app.bot_data.setdefault("error_seen", asyncio.Event())
    sandbox.fail_next("sendMessage", kind="429")
    lan.send("hello")
    await sandbox.wait_for_call("sendMessage")
    # the error handler runs after the sandbox answered: no sandbox event follows it,
    # so wait on the app's own event instead of sandbox.wait_for
    async with asyncio.timeout(5):
        await error_seen.wait()
    assert isinstance(http_app.bot_data["errors"][0], RetryAfter) and lan.messages == []


@pytest.mark.filterwarnings("ignore:Please use 'Bot.sendDice'")
async def test_unknown_method_over_http(http_app: App, sandbox: Sandbox) -> None:
    with pytest.raises(EndPointNotFound):
        await http_app.bot.do_api_request("sendDice", api_kwargs={"chat_id": 42, "emoji": "🎲"})
    assert sandbox.unimplemented_calls == [("sendDice", {"chat_id": 42, "emoji": "🎲"})]
    sandbox.unimplemented_calls.clear()


async def test_multipart_uploads(server: SandboxServer, sandbox: Sandbox) -> None:
    lan = sandbox.user(42)
    pdf = b"%PDF-1.4 fake report \x00\xff"
    async with Bot(TOKEN, base_url=server.api_url) as bot:
        message = await bot.send_document(
            42, pdf, filename="bao-cao-xa.pdf", caption="<b>Báo cáo</b>", parse_mode="HTML"
        )
        assert message.document is not None
        assert (message.document.file_name, message.document.file_size) == ("bao-cao-xa.pdf", 23)
        assert message.caption == "Báo cáo" and message.caption_entities[0].type == "bold"
        photo = await bot.send_photo(42, b"\x89PNG\r\n\x1a\n....", caption="ảnh")
        assert photo.photo[0].file_id
    document = lan.messages[0].document
    assert document is not None
    assert (document.filename, document.content, document.mime_type) == (
        "bao-cao-xa.pdf", pdf, "application/pdf",
    )  # fmt: skip
    assert lan.messages[0].html == "<b>Báo cáo</b>"
    assert lan.last is not None and lan.last.photo is not None
    assert lan.last.photo.content.startswith(b"\x89PNG")
    method, params = sandbox.calls[-1]
    assert method == "sendPhoto" and params["photo"].filename  # the upload is in the record


async def test_wire_format(server: SandboxServer, sandbox: Sandbox) -> None:
    sandbox.user(42)
    base = f"{server.api_url}{TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/getMe") as resp:
            assert resp.status == 200
            me = await resp.json()
            assert me["ok"] is True and me["result"]["username"] == "ykien_bot"
        markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        form = {"chat_id": "42", "text": "123", "reply_markup": json.dumps(markup)}
        async with http.post(f"{base}/sendMessage", data=form) as resp:
            sent = (await resp.json())["result"]
            assert (sent["text"], sent["reply_markup"]) == ("123", markup)  # "123" stays text
        body = {"chat_id": 42, "text": "x" * 5000}
        async with http.post(f"{base}/SENDMESSAGE", json=body) as resp:  # case-insensitive
            assert resp.status == 400
            assert await resp.json() == {
                "ok": False, "error_code": 400, "description": "Bad Request: message is too long",
            }  # fmt: skip
        sandbox.fail_next("sendMessage", kind="429", retry_after=9)
        async with http.post(f"{base}/sendMessage", json={"chat_id": 42, "text": "x"}) as resp:
            assert resp.status == 429
            assert (await resp.json())["parameters"] == {"retry_after": 9}
        attach = aiohttp.FormData()
        attach.add_field("chat_id", "42")
        attach.add_field("document", "attach://report")
        attach.add_field("report", b"a,b\n", filename="r.csv", content_type="text/csv")
        async with http.post(f"{base}/sendDocument", data=attach) as resp:
            assert (await resp.json())["result"]["document"]["file_name"] == "r.csv"
        async with http.post(f"{base}/sendMessage", data=b"{", headers={
                "Content-Type": "application/json"}) as resp:  # fmt: skip
            assert resp.status == 400
        async with http.get(f"{server.url}/nothing/here") as resp:
            assert resp.status == 404 and (await resp.json())["ok"] is False


async def test_token_is_checked_when_configured() -> None:
    sandbox = Sandbox(token=TOKEN)
    async with SandboxServer(sandbox) as server, aiohttp.ClientSession() as http:
        async with http.post(f"{server.api_url}999:WRONG/getMe") as resp:
            assert resp.status == 401
            assert (await resp.json())["description"] == "Unauthorized"
        async with http.post(f"{server.api_url}{TOKEN}/getMe") as resp:
            assert resp.status == 200


async def test_long_poll_wakes_up_when_an_update_arrives(
    server: SandboxServer, sandbox: Sandbox
) -> None:
    async with Bot(TOKEN, base_url=server.api_url) as bot:
        loop = asyncio.get_running_loop()
        started = loop.time()
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await sandbox.wait_for(lambda: polling(sandbox), what="the long poll to park")
        sandbox.user(42).send("dậy đi")
        updates = await poll
        assert [u.message.text for u in updates if u.message] == ["dậy đi"]
        assert loop.time() - started < 5  # woken by the update, not by the 30 s timeout


async def test_second_poller_terminates_the_first(server: SandboxServer, sandbox: Sandbox) -> None:
    async with (
        Bot(TOKEN, base_url=server.api_url) as one,
        Bot(TOKEN, base_url=server.api_url) as two,
    ):
        first = asyncio.create_task(one.get_updates(timeout=30))
        await sandbox.wait_for(lambda: polling(sandbox))
        assert await two.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first


async def test_stopping_the_server_releases_long_polls(sandbox: Sandbox) -> None:
    server = SandboxServer(sandbox)
    await server.start()
    async with aiohttp.ClientSession() as http:
        url = f"{server.api_url}{TOKEN}/getUpdates"
        poll = asyncio.create_task(http.post(url, json={"timeout": 60}))
        await sandbox.wait_for(lambda: polling(sandbox))
        await server.stop()
        async with await poll as resp:
            assert await resp.json() == {"ok": True, "result": []}


async def test_control_api_drives_users(http_app: App, server: SandboxServer) -> None:
    async with aiohttp.ClientSession(base_url=server.url) as http:
        user = {"user_id": 5, "first_name": "Minh", "language_code": "vi"}
        async with http.post("/sandbox/users", json=user) as resp:
            assert (await resp.json())["first_name"] == "Minh"
        async with http.post("/sandbox/users/5/start", json={"payload": "abc"}) as resp:
            assert (await resp.json())["message"]["text"] == "/start abc"
        minh = server.sandbox.user(5)
        question = await server.sandbox.wait_for(lambda: minh.last)
        async with http.get("/sandbox/users/5/messages") as resp:
            shown = await resp.json()
            assert shown[0]["buttons"] == [[["Có", "yes"], ["Không", "no"]]]
        press = {"message_id": question.message_id, "button": "Có"}
        async with http.post("/sandbox/users/5/press", json=press) as resp:
            assert resp.status == 200
        await server.sandbox.wait_for(lambda: minh.callback_answers)
        bad = {"message_id": question.message_id, "button": "nope"}
        async with http.post("/sandbox/users/5/press", json=bad) as resp:
            assert resp.status == 400 and "no inline button" in (await resp.json())["error"]
        async with http.get("/sandbox/state") as resp:
            state = await resp.json()
            assert state["unimplemented_calls"] == [] and state["sent"]["sendMessage"] == 1


async def test_runs_as_a_separate_process() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.sandbox", "--port", "0", "--username", "demo_bot",
        cwd=REPO, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(20):  # safety net for a slow interpreter start
            line = (await proc.stdout.readline()).decode().strip()
        assert line.startswith("SANDBOX_API_URL=http://127.0.0.1:")
        api_url = line.split("=", 1)[1]
        async with Bot(TOKEN, base_url=api_url) as bot:
            assert bot.username == "demo_bot"
    finally:
        proc.terminate()
        await proc.wait()
