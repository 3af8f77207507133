"""Small helpers every handler uses to answer in the person's chat."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram._utils.defaultvalue import DEFAULT_NONE

from handlers.telegram.keyboards import Keyboard
from handlers.views.texts import render


async def reply(
    update: Update, template: str, markup: InlineKeyboardMarkup | None = None, **ctx: object
) -> Message | None:
    """Sends a rendered template to the chat the update came from."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(render(template, **ctx), reply_markup=markup)


async def say(
    update: Update,
    template: str,
    markup: InlineKeyboardMarkup | Keyboard | None = None,
    **ctx: object,
) -> None:
    """`reply` for a message whose answer nobody reads (the next question, the review): the
    same sendMessage through the same request (retries, error mapping, the parse mode
    default), without building a Message from Telegram's answer. That answer's parse was the
    costliest part of a resident's tap after storing it (~0.5 ms: benchmarks/answers.py)."""
    chat = update.effective_chat
    if chat is None:
        return
    # A Keyboard is sent as its JSON (a str parameter goes out unchanged), PTB's as to_dict().
    shown = markup.json() if isinstance(markup, Keyboard) else markup
    params = {"chat_id": chat.id, "text": render(template, **ctx), "reply_markup": shown}
    await _post_unread(update, "sendMessage", params)


async def edit_unread(query: CallbackQuery, text: str) -> None:
    """The pressed message's text replaced and its buttons removed, the answer not parsed
    (see `say`); raises what `CallbackQuery.edit_message_text` raises."""
    message = query.message
    if message is None:  # an inline message: PTB's own call says why it cannot be edited
        await query.edit_message_text(text, reply_markup=None)
        return
    params = {"chat_id": message.chat.id, "message_id": message.message_id, "text": text}
    await _post_unread_bot(query.get_bot(), "editMessageText", params)


async def _post_unread(update: Update, method: str, params: dict[str, Any]) -> None:
    await _post_unread_bot(update.get_bot(), method, params)


async def _post_unread_bot(bot: Any, method: str, params: dict[str, Any]) -> None:
    # Bot._post is the call every PTB method makes: it applies the Defaults (a DEFAULT_NONE
    # parse mode becomes the bot's HTML), drops None values, and maps error answers to
    # BadRequest, Forbidden, RetryAfter; the public do_api_request warns for known methods.
    await bot._post(method, {**params, "parse_mode": DEFAULT_NONE})


async def alert(update: Update, template: str, **ctx: object) -> None:
    """Answers a button press with a pop-up the person must dismiss (refusals must be seen)."""
    if update.callback_query is not None:
        await update.callback_query.answer(render(template, **ctx), show_alert=True)


def command_args(update: Update) -> str:
    """What follows the command word, e.g. 'abc' in '/survey abc'."""
    text = update.effective_message.text if update.effective_message else None
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def refuse_args(update: Update, command: str) -> bool:
    """True (after saying the command takes nothing after it) when words follow the command."""
    if not command_args(update):
        return False
    await reply(update, "resident_command_args.html", command=command)
    return True


async def commune_code_arg(update: Update) -> str | None:
    """The commune code after the command ('' when none); None after refusing one that is not
    a code (at most 7 digits)."""
    arg = command_args(update)
    if arg and not (arg.isdecimal() and len(arg) <= 7):
        await reply(update, "role_villages_bad_code.html", value=arg[:20])
        return None
    return arg
