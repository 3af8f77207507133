"""The bot's aiohttp request against the sandbox's HTTP front: the real PTB Bot, real sockets on
127.0.0.1, and PTB's own mapping of answers (RetryAfter, Forbidden, BadRequest)."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.http_client import AiohttpRequest
from bot.sandbox import Sandbox, SandboxServer

USER = 4242


@pytest.fixture
async def bot_and_sandbox():
    sandbox = Sandbox()
    user = sandbox.user(USER, "Lan")
    async with SandboxServer(sandbox) as server:
        bot = Bot("123456:SANDBOX", base_url=server.api_url, request=AiohttpRequest(4))
        async with bot:
            yield bot, sandbox, user


async def test_messages_keyboards_and_files_arrive(bot_and_sandbox) -> None:
    bot, sandbox, user = bot_and_sandbox
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Có ✓", callback_data="x:1")]])
    sent = await bot.send_message(
        USER, "<b>Chào</b> bà con", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.chat_id == USER and user.last.text == "Chào bà con"
    assert user.last.buttons == [[("Có ✓", "x:1")]]
    await bot.send_document(USER, b"a,b\n1,2\n", filename="ket-qua.csv", caption="Báo cáo")
    document = sandbox.calls_to("sendDocument")[-1]
    assert document["caption"] == "Báo cáo"
    assert user.last.document.filename == "ket-qua.csv"
    assert user.last.document.content == b"a,b\n1,2\n"


async def test_error_answers_become_ptb_errors(bot_and_sandbox) -> None:
    bot, sandbox, _ = bot_and_sandbox
    sandbox.fail_next("sendMessage", kind="429", retry_after=7)
    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await bot.send_message(USER, "x")
    sandbox.fail_next("sendMessage", kind="403")
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "x")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(99999, "x")
    sandbox.fail_next("sendMessage", kind="network")  # the connection is dropped unanswered
    with pytest.raises(NetworkError, match="aiohttp"):
        await bot.send_message(USER, "x")
    assert (await bot.send_message(USER, "lại được")).text == "lại được"
