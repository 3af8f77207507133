"""A resident blocking or unblocking the bot (Telegram's my_chat_member update).

Blocking stops broadcasts to them at once, rather than at the next failed send; unblocking
("Restart bot") subscribes them again, as /start after /stop does. Nothing is sent: a
blocked chat cannot be written to, and an unblocked one gets its reply to the /start that
Telegram sends with it.
"""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType

from handlers.telegram.context import BotContext
from surveys.people import Channel

_GONE = (ChatMember.BANNED, ChatMember.LEFT)


async def on_my_member(update: Update, context: BotContext) -> None:
    """Marks the resident stopped (blocked) or subscribed (unblocked)."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    before, after = change.old_chat_member.status, change.new_chat_member.status
    person = await context.services.people.find(Channel.TELEGRAM, str(change.from_user.id))
    if person is None:  # nobody we know: nothing to mark
        return
    if after in _GONE and before not in _GONE:
        await context.services.broadcasts.set_subscribed(person, False)
    elif before in _GONE and after not in _GONE:
        await context.services.broadcasts.set_subscribed(person, True)
