"""/mydata shows what is stored about the person; /deletedata removes their identity."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of, who_of
from handlers.telegram.replies import alert, refuse_args, reply
from handlers.telegram.updates import chat_of, query_of, user_of
from handlers.views import labels
from handlers.views.texts import render

log = logging.getLogger(__name__)
LIMIT = 4096  # Telegram's message length


def _chunks(text: str) -> list[str]:
    """Splits at line ends so each part fits in one Telegram message (tags never span lines)."""
    parts = [""]
    for line in text.splitlines(keepends=True):
        if len(parts[-1]) + len(line) > LIMIT:
            parts.append("")
        parts[-1] += line
    return [p for p in parts if p.strip()]


async def mydata(update: Update, context: BotContext) -> None:
    """Shows every stored fact about the person: membership, answers, comments, roles."""
    if await refuse_args(update, "mydata"):
        return
    data = await context.services.privacy.my_data(await who_of(update, context))
    text = render(
        "priv_mydata.html",
        data=data,
        label=labels.answer_label,
        tz=context.services.settings.timezone,
    )
    for part in _chunks(text):
        await chat_of(update).send_message(part)


async def deletedata(update: Update, context: BotContext) -> None:
    """Asks for confirmation before removing the person's identity."""
    if await refuse_args(update, "deletedata"):
        return
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(labels.DELETE_CONFIRM, callback_data="d:yes")],
            [InlineKeyboardButton(labels.DELETE_KEEP, callback_data="d:no")],
        ]
    )
    await reply(update, "priv_delete_confirm.html", markup)


async def on_delete_press(update: Update, context: BotContext) -> None:
    """d:yes removes the identity (once); d:no keeps everything; anything else is refused."""
    data = query_of(update).data
    if data not in ("d:yes", "d:no"):
        await alert(update, "alert_invalid_button.html")
        return
    await query_of(update).answer()
    if data == "d:no":
        await reply(update, "priv_delete_kept.html")
        return
    privacy = context.services.privacy
    erased = await privacy.erase(await person_of(update, context))
    # the sender's pseudonym, as the log filter names them on every other line of the update
    log.info("identity erased for %s: %s", privacy.pseudonym(user_of(update).id), erased)
    await reply(update, "priv_deleted.html", erased=erased)
