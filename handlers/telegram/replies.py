"""Small helpers every handler uses to answer in the person's chat."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from handlers.views.texts import render


async def reply(
    update: Update, template: str, markup: InlineKeyboardMarkup | None = None, **ctx: object
) -> Message | None:
    """Sends a rendered template to the chat the update came from."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(render(template, **ctx), reply_markup=markup)


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
