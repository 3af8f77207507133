"""The sandbox driven by real PTB through the in-process front (SandboxRequest)."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application

from bot.sandbox import FakeClock, Sandbox, process_pending

App = Application[Any, Any, Any, Any, Any, Any]


async def test_get_me_identity_comes_from_token(inproc_app: App, sandbox: Sandbox) -> None:
    assert inproc_app.bot.username == "ykien_bot"
    assert inproc_app.bot.first_name == "ykien"
    assert inproc_app.bot.id == 123
    assert sandbox.calls[0] == ("getMe", {})
    me = await inproc_app.bot.get_me()
    assert me.can_join_groups is True and me.is_bot


async def test_start_with_payload_html_and_keyboard(
    inproc_app: App, sandbox: Sandbox, clock: FakeClock
) -> None:
    lan = sandbox.user(42, "Lan")
    update = lan.start("abc")
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert update["message"]["date"] == int(clock.now)
    assert await process_pending(sandbox, inproc_app) == 1
    reply = lan.last
    assert reply is not None
    assert reply.text == "Xin chào & chào mừng (abc)"
    assert reply.html == "<b>Xin chào</b> &amp; chào mừng (abc)"
    assert reply.entities == [{"type": "bold", "offset": 0, "length": 8}]
    assert reply.buttons == [[("Có", "yes"), ("Không", "no")]]
    assert reply.labels() == ["Có", "Không"]
    # message ids are per chat and shared by both sides, like a private chat
    assert (update["message"]["message_id"], reply.message_id) == (1, 2)
    assert reply.raw["from"]["id"] == 123 and reply.raw["chat"]["type"] == "private"


async def test_echo_and_command_entity_only_for_leading_command(
    inproc_app: App, sandbox: Sandbox
) -> None:
    lan = sandbox.user(42)
    assert "entities" not in lan.send("xin chào /start")["message"]
    assert lan.send("/help@ykien_bot me")["message"]["entities"][0]["length"] == 15
    await process_pending(sandbox, inproc_app)
    assert lan.texts() == ["echo: xin chào /start"]  # /help has no handler


async def test_press_button_answers_and_edit_drops_keyboard(
    inproc_app: App, sandbox: Sandbox
) -> None:
    lan = sandbox.user(42)
    lan.start()
    await process_pending(sandbox, inproc_app)
    question = lan.last
    assert question is not None
    update = lan.press(question, "Có")
    assert update["callback_query"]["data"] == "yes"
    assert update["callback_query"]["message"]["message_id"] == question.message_id
    await process_pending(sandbox, inproc_app)
    assert lan.callback_answers == ["Đã ghi nhận: yes"]
    assert question.text == "Bạn chọn: yes"  # live view
    assert question.buttons == []  # editMessageText without reply_markup removes it
    assert question.history == ["Xin chào & chào mừng"]
    assert question.raw["edit_date"] > 0
    with pytest.raises(AssertionError, match=r"no inline button 'Có'.*buttons: none"):
        lan.press(question, "Có")


async def test_press_by_callback_data_and_unknown_label(inproc_app: App, sandbox: Sandbox) -> None:
    lan = sandbox.user(42)
    lan.start()
    await process_pending(sandbox, inproc_app)
    assert lan.last is not None
    with pytest.raises(AssertionError, match=r"'maybe'.*\('Có', 'yes'\), \('Không', 'no'\)"):
        lan.press(lan.last, "maybe")
    lan.press(lan.last, "no")
    await process_pending(sandbox, inproc_app)
    assert lan.last.text == "Bạn chọn: no"


async def test_callback_query_answered_once_and_forged(inproc_app: App, sandbox: Sandbox) -> None:
    lan = sandbox.user(42)
    query_id = lan.press_raw(999, "forged")["callback_query"]["id"]
    assert await inproc_app.bot.answer_callback_query(query_id, text="hi", show_alert=True)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await inproc_app.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await inproc_app.bot.answer_callback_query("12345")
    assert sandbox.callback_answers[0].show_alert and lan.callback_answers == ["hi"]


async def test_edit_errors(inproc_app: App, sandbox: Sandbox) -> None:
    bot = inproc_app.bot
    sandbox.user(42)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(42, "hello", reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("hello", 42, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 42, 777)
    edited = await bot.edit_message_reply_markup(42, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.reply_markup is None
    assert await bot.delete_message(42, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(42, sent.message_id)
    assert sandbox.user(42).messages == []


async def test_validation_errors(inproc_app: App, sandbox: Sandbox) -> None:
    bot = inproc_app.bot
    sandbox.user(42)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unsupported start tag \"br\""):
        await bot.send_message(42, "a<br>b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag corresponding to start tag"):
        await bot.send_message(42, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(42, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(42, "x" * 4097)
    # the limit applies after entity parsing
    await bot.send_message(42, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="đ" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(42, "x", reply_markup=too_long)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(42, "x", reply_to_message_id=999)
    assert sandbox.stats.errors["400"] == 6 and sandbox.stats.sent["sendMessage"] == 1


async def test_commands_menu_chat_actions_and_get_chat(inproc_app: App, sandbox: Sandbox) -> None:
    bot = inproc_app.bot
    lan = sandbox.user(42, "Lan", username="lan_ntm")
    await bot.set_my_commands([BotCommand("start", "Bắt đầu")])
    scope = BotCommandScopeChat(42)
    await bot.set_my_commands([BotCommand("khaosat", "Khảo sát")], scope=scope, language_code="vi")
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="vi")] == [
        "khaosat"
    ]
    assert await bot.get_my_commands(scope=scope) == ()  # exact key, no fallback
    assert sandbox.commands_for({"type": "chat", "chat_id": 42}, "vi")[0]["command"] == "khaosat"
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    await bot.delete_my_commands(scope=scope, language_code="vi")
    assert sandbox.commands_for({"type": "chat", "chat_id": 42}, "vi") == []
    await bot.set_chat_menu_button(42, MenuButtonCommands())
    assert isinstance(await bot.get_chat_menu_button(42), MenuButtonCommands)
    await bot.send_chat_action(42, "typing")
    assert lan.chat_actions == ["typing"]
    chat = await bot.get_chat("@lan_ntm")
    assert (chat.id, chat.type, chat.first_name, chat.username) == (42, "private", "Lan", "lan_ntm")
    await bot.set_my_description("Khảo sát sự hài lòng")
    assert (await bot.get_my_description(language_code="vi")).description == "Khảo sát sự hài lòng"


async def test_uploads_in_process(inproc_app: App, sandbox: Sandbox) -> None:
    bot = inproc_app.bot
    lan = sandbox.user(42)
    csv = "xã,điểm\nTân Lập,4\n".encode()
    sent = await bot.send_document(
        42, InputFile(csv, filename="ket-qua.csv"), caption="<i>Kết quả</i>", parse_mode="HTML"
    )
    assert sent.document is not None and sent.document.file_name == "ket-qua.csv"
    assert lan.last is not None and lan.last.document is not None
    assert (lan.last.document.content, lan.last.document.mime_type) == (csv, "text/csv")
    assert (lan.last.text, lan.last.html) == ("Kết quả", "<i>Kết quả</i>")
    again = await bot.send_document(42, sent.document.file_id)  # file_ids are reusable
    assert again.document is not None and again.document.file_id == sent.document.file_id
    photo = await bot.send_photo(42, b"\x89PNG fake bytes")
    assert photo.photo and lan.last.photo is not None
    assert lan.last.photo.content == b"\x89PNG fake bytes"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(42, "no-such-file-id")
    copied = await bot.copy_message(42, 42, photo.message_id, caption="bản sao")
    assert lan.messages[-1].message_id == copied.message_id and lan.last.text == "bản sao"


async def test_user_actions_parse_as_ptb_updates(inproc_app: App, sandbox: Sandbox) -> None:
    lan = sandbox.user(42, "Lan", username="lan", language_code="vi")
    original = lan.send("cũ")
    lan.edit(original, "mới")
    lan.send_sticker()
    lan.send_photo(caption="ảnh")
    lan.send_voice()
    lan.send_contact("+84901234567")
    lan.send_location(10.8, 106.7)
    raw = sandbox.take_updates()
    updates = [Update.de_json(u, inproc_app.bot) for u in raw]
    assert updates[1].edited_message is not None and updates[1].edited_message.text == "mới"
    assert updates[0].effective_user is not None
    assert updates[0].effective_user.language_code == "vi"
    for update in updates:
        await inproc_app.process_update(update)
    assert lan.texts() == [
        "echo: cũ", "edited: mới", "got sticker", "got photo", "got voice", "got contact",
        "got location",
    ]  # fmt: skip


async def test_group_chat(inproc_app: App, sandbox: Sandbox) -> None:
    lan, minh = sandbox.user(42, "Lan"), sandbox.user(43, "Minh")
    group = sandbox.group(-4001, "Xã Tân Lập")
    update = group.send(lan, "/start@ykien_bot")
    assert update["message"]["chat"] == {
        "id": -4001, "type": "group", "title": "Xã Tân Lập", "all_members_are_administrators": True,
    }  # fmt: skip
    minh.send_in_group(-4001, "chào cả nhà")
    await process_pending(sandbox, inproc_app)
    assert group.texts() == ["Xin chào & chào mừng", "echo: chào cả nhà"]
    assert group.last is not None
    minh.press(group.messages[0], "Có")
    await process_pending(sandbox, inproc_app)
    assert group.texts()[0] == "Bạn chọn: yes" and minh.callback_answers == ["Đã ghi nhận: yes"]
    assert lan.messages == []  # nothing went to the private chats


async def test_reply_keyboard_is_tracked(inproc_app: App, sandbox: Sandbox) -> None:
    lan = sandbox.user(42)
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("Gửi số điện thoại", request_contact=True)]])
    await inproc_app.bot.send_message(42, "Chia sẻ số?", reply_markup=keyboard)
    assert lan.keyboard == [["Gửi số điện thoại"]]
    assert lan.last is not None and lan.last.buttons == []  # not echoed in the Message JSON
    await inproc_app.bot.send_message(42, "Cảm ơn", reply_markup=ReplyKeyboardRemove())
    assert lan.keyboard is None
