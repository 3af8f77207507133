"""Fixtures for the sandbox tests: a fake clock, a sandbox, and a tiny real PTB bot.

The bot is deliberately small but uses the PTB features ykien relies on (commands
with payloads, HTML, inline keyboards, callback answers, edits, non-text messages),
so the sandbox is exercised through PTB's real request path, never mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox import FakeClock, Sandbox, SandboxRequest, SandboxServer

TOKEN = "123:TEST"
App = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Iterator[Sandbox]:
    """A fresh sandbox; fails the test if the bot used a method the sandbox lacks."""
    sb = Sandbox(clock=clock)
    yield sb
    assert not sb.unimplemented_calls, f"bot called unimplemented methods: {sb.unimplemented_calls}"
    assert not sb.internal_errors, f"the sandbox itself crashed: {sb.internal_errors}"


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    payload = f" ({context.args[0]})" if context.args else ""
    row = [InlineKeyboardButton("Có", callback_data="yes")]
    row.append(InlineKeyboardButton("Không", callback_data="no"))
    keyboard = InlineKeyboardMarkup([row])
    await update.effective_message.reply_html(
        f"<b>Xin chào</b> &amp; chào mừng{payload}", reply_markup=keyboard
    )


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(f"echo: {update.message.text}")


async def _edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.edited_message is not None
    await update.edited_message.reply_text(f"edited: {update.edited_message.text}")


async def _media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None
    kinds = ("sticker", "photo", "voice", "contact", "location")
    kind = next(k for k in kinds if getattr(message, k))
    await message.reply_text(f"got {kind}")


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"Đã ghi nhận: {query.data}")
    await query.edit_message_text(f"Bạn chọn: {query.data}")


async def _member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.my_chat_member is not None
    context.bot_data.setdefault("member_status", []).append(
        update.my_chat_member.new_chat_member.status
    )


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("errors", []).append(context.error)
    error_seen(context.bot_data).set()


def error_seen(bot_data: dict[str, Any]) -> asyncio.Event:
    """Set by the error handler: app-side state the sandbox cannot announce."""
    event: asyncio.Event = bot_data.setdefault("error_seen", asyncio.Event())
    return event


def add_handlers(app: App) -> App:
    """The tiny bot under test."""
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, _edited))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    media = filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.CONTACT
    app.add_handler(MessageHandler(media | filters.LOCATION, _media))
    app.add_handler(CallbackQueryHandler(_button))
    app.add_handler(ChatMemberHandler(_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(_on_error)
    return app


@pytest.fixture
def make_inproc_app(sandbox: Sandbox) -> Callable[[], App]:
    """Builds (not initializes) the tiny bot wired to the in-process front."""

    def make() -> App:
        builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = Application.builder()
        builder = builder.token(TOKEN).request(SandboxRequest(sandbox))
        return add_handlers(builder.get_updates_request(SandboxRequest(sandbox)).build())

    return make


@pytest.fixture
async def inproc_app(make_inproc_app: Callable[[], App]) -> AsyncIterator[App]:
    """The tiny bot, initialized, talking to the sandbox without sockets."""
    async with make_inproc_app() as app:
        yield app


@pytest.fixture
async def server(sandbox: Sandbox) -> AsyncIterator[SandboxServer]:
    """The HTTP front on a random 127.0.0.1 port."""
    async with SandboxServer(sandbox) as srv:
        yield srv


@pytest.fixture
async def http_app(server: SandboxServer) -> AsyncIterator[App]:
    """The tiny bot polling the HTTP front, exactly as it would poll Telegram."""
    app = add_handlers(Application.builder().token(TOKEN).base_url(server.api_url).build())
    async with app:
        assert app.updater is not None
        await app.updater.start_polling()
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
