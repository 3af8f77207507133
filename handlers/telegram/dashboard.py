"""/dashboard: a one-time link that signs an officer or staff member in to the web dashboard.

The link is a bearer secret: it goes only to the person's own private chat, without a link
preview (Telegram's servers would fetch it), and says how long it lasts.
"""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update

from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import reply
from handlers.views.texts import render
from surveys.access import Actor
from surveys.signin import LINK_TTL, SignInRefused


async def dashboard_command(update: Update, context: BotContext) -> None:
    services = context.services
    base = services.settings.web_url
    if base is None:
        await reply(update, "dash_chat_no_web.html")
        return
    try:
        secret = await services.signin.chat_link(Actor(await person_of(update, context)))
    except SignInRefused:
        await reply(update, "dash_chat_refused.html")
        return
    chat = update.effective_chat
    assert chat is not None
    minutes = int(LINK_TTL.total_seconds() // 60)
    await chat.send_message(
        render("dash_chat_link.html", url=f"{base}/d/in/{secret}", minutes=minutes),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
