"""Guards and replies that apply everywhere: private chats only, help, cancel, odd input."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, refuse_args, reply
from handlers.telegram.updates import text_of

log = logging.getLogger(__name__)


async def private_only(update: Update, context: BotContext) -> None:
    """Stops anything outside a private chat; a group is told once, then ignored."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if update.callback_query is not None:
        await alert(update, "alert_private_only.html")
    elif update.message is not None and await context.services.residents.note_group(chat.id):
        await reply(update, "group_private_only.html")
    raise ApplicationHandlerStop


async def edited(update: Update, context: BotContext) -> None:
    """An edited message is not read again: say so, change nothing."""
    await reply(update, "resident_edited.html")
    raise ApplicationHandlerStop


async def help_command(update: Update, context: BotContext) -> None:
    """Lists what a resident can do."""
    membership = await context.services.residents.membership(await person_of(update, context))
    await reply(update, "resident_help.html", membership=membership)


async def cancel(update: Update, context: BotContext) -> None:
    """Drops whatever is pending (a commune search, a comment rewrite); answers stay stored."""
    if await refuse_args(update, "cancel"):
        return
    dropped = await context.services.residents.cancel(await person_of(update, context))
    await reply(update, "resident_cancel.html", dropped=dropped)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    word = text_of(update).split(maxsplit=1)[0]
    await reply(update, "resident_unknown_command.html", command=word[:40])


async def unsupported(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice and the like: the bot reads text and buttons only."""
    await reply(update, "resident_unsupported.html")


async def on_error(update: object, context: BotContext) -> None:
    """Logs the failure and tells the person to try again; stored answers are already safe."""
    log.error("update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await reply(update, "resident_error.html")
        except Exception:  # the failure may be Telegram itself; the log already has it
            log.warning("could not tell the user about the failure", exc_info=True)
