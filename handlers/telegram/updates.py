"""The parts of an update that a handler's registration guarantees, typed as present.

PTB types them all as optional, since an update may come from a channel or carry no message.
The guard in group -1 (common.private_only) stops group and channel chats, and a
CallbackQueryHandler or MessageHandler only fires when its part is there; these helpers say so
once, and fail loudly (to common.on_error) if that ever stops being true.
"""

from __future__ import annotations

from telegram import CallbackQuery, Chat, Message, Update, User


class MissingPart(LookupError):
    """The update lacks a part its handler was registered for: a wiring mistake."""


def user_of(update: Update) -> User:
    """The person who sent the message or pressed the button."""
    if update.effective_user is None:
        raise MissingPart(f"update {update.update_id} has no sender")
    return update.effective_user


def chat_of(update: Update) -> Chat:
    if update.effective_chat is None:
        raise MissingPart(f"update {update.update_id} has no chat")
    return update.effective_chat


def query_of(update: Update) -> CallbackQuery:
    """The button press of an update routed by a CallbackQueryHandler."""
    if update.callback_query is None:
        raise MissingPart(f"update {update.update_id} has no button press")
    return update.callback_query


def message_of(update: Update) -> Message:
    if update.effective_message is None:
        raise MissingPart(f"update {update.update_id} has no message")
    return update.effective_message


def text_of(update: Update) -> str:
    """The typed text of the update's message ("" for a message without text)."""
    return message_of(update).text or ""
