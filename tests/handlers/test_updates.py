"""handlers/updates.py: the parts a handler relies on are returned, or their absence is loud."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import CallbackQuery, Chat, Message, Update, User

from handlers.telegram.updates import MissingPart, chat_of, message_of, query_of, text_of, user_of

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LAN = User(42, "Lan", is_bot=False)


def test_parts_of_a_button_press() -> None:
    chat = Chat(42, Chat.PRIVATE)
    shown = Message(9, NOW, chat, text="Câu 1")
    query = CallbackQuery("q1", LAN, "inst", message=shown, data="a:1:0:4")
    update = Update(1, callback_query=query)
    assert user_of(update).id == 42
    assert query_of(update).data == "a:1:0:4"
    assert chat_of(update).id == 42
    assert message_of(update) is shown and text_of(update) == "Câu 1"


def test_message_without_text_reads_as_empty() -> None:
    update = Update(2, message=Message(3, NOW, Chat(42, Chat.PRIVATE), from_user=LAN))
    assert text_of(update) == ""
    with pytest.raises(MissingPart, match="no button press"):
        query_of(update)


def test_a_channel_post_has_no_sender() -> None:
    update = Update(3, channel_post=Message(4, NOW, Chat(-100, Chat.CHANNEL), text="tin"))
    with pytest.raises(MissingPart, match="update 3 has no sender"):
        user_of(update)
    with pytest.raises(MissingPart, match="no chat"):
        chat_of(Update(4))
    with pytest.raises(MissingPart, match="no message"):
        text_of(Update(5))
