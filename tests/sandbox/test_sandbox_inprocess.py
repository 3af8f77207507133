"""The sandbox driven by real PTB through the in-process front (SandboxRequest)."""

from __future__ import annotations

import asyncio
import datetime as dtm
import warnings
from collections.abc import Callable
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
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application

from bot.sandbox import FakeClock, Sandbox, process_pending

# PTB 22's own RetryAfter.__init__ reads the deprecated int-valued ``retry_after``.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)
App = Application[Any, Any, Any, Any, Any, Any]


def retry_seconds(exc: RetryAfter) -> float:
    """PTB 22 warns on ``retry_after`` (int → timedelta migration); accept both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


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


async def test_injected_429_403_400_500_and_network(inproc_app: App, sandbox: Sandbox) -> None:
    bot = inproc_app.bot
    sandbox.user(42)
    sandbox.fail_next("sendMessage", kind="429", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(42, "x")
    assert retry_seconds(info.value) == 7
    sandbox.fail_next("sendMessage", kind="403")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(42, "x")
    sandbox.fail_next("*", 2, kind="400")
    for _ in range(2):
        with pytest.raises(BadRequest, match=r"(?i)injected failure"):
            await bot.send_chat_action(42, "typing")
    sandbox.fail_next("sendMessage", kind="500")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(42, "x")
    sandbox.fail_next("sendMessage", kind="network")
    with pytest.raises(NetworkError, match="injected network failure"):
        await bot.send_message(42, "x")
    await bot.send_message(42, "finally")
    stats = sandbox.stats
    assert stats.rate_limited == 1 and stats.sent["sendMessage"] == 1
    assert dict(stats.errors) == {"429": 1, "403": 1, "400": 2, "500": 1, "network": 1}
    assert [r.outcome for r in sandbox.call_log[-2:]] == ["network", "ok"]


async def test_blocked_and_deleted_chats(inproc_app: App, sandbox: Sandbox) -> None:
    bot = inproc_app.bot
    lan = sandbox.user(42)
    sandbox.block(42)
    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(42, "x")
    sandbox.unblock(42)
    await bot.send_message(42, "back")
    lan.block_bot()
    await process_pending(sandbox, inproc_app)
    assert inproc_app.bot_data["member_status"] == ["kicked"]
    lan.send("are you there?")  # the echo handler now fails with Forbidden
    await process_pending(sandbox, inproc_app)
    assert isinstance(inproc_app.bot_data["errors"][0], Forbidden)
    lan.unblock_bot()
    await process_pending(sandbox, inproc_app)
    assert inproc_app.bot_data["member_status"] == ["kicked", "member"]
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-999, "x")
    sandbox.delete_chat(42)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat(42)
    lan.send("hello again")  # the user writing again brings the chat back
    await process_pending(sandbox, inproc_app)
    assert lan.texts()[-1] == "echo: hello again"


async def test_flood_limit_per_chat_uses_injected_clock(
    inproc_app: App, sandbox: Sandbox, clock: FakeClock
) -> None:
    bot = inproc_app.bot
    sandbox.user(1)
    sandbox.user(2)
    sandbox.set_flood_limit(per_chat_per_second=1)
    await bot.send_message(1, "a")
    await bot.send_message(2, "a")  # other chat, own bucket
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "b")
    assert retry_seconds(info.value) == 1
    clock.advance(1.0)
    await bot.send_message(1, "b")
    sandbox.set_flood_limit(per_chat_per_second=0.5)  # Telegram's 20/min-ish for groups
    await bot.send_message(1, "c")
    clock.advance(0.5)
    with pytest.raises(RetryAfter) as info:
        await bot.edit_message_text("c2", 1, 3)
    assert retry_seconds(info.value) == 2  # 0.75 token short at 0.5/s → ceil(1.5) = 2
    assert sandbox.stats.rate_limited == 2


async def test_flood_limit_global(inproc_app: App, sandbox: Sandbox, clock: FakeClock) -> None:
    for uid in range(1, 5):
        sandbox.user(uid)
    sandbox.set_flood_limit(global_per_second=3)
    for uid in (1, 2, 3):
        await inproc_app.bot.send_message(uid, "hi")
    with pytest.raises(RetryAfter):
        await inproc_app.bot.send_message(4, "hi")
    await inproc_app.bot.send_chat_action(4, "typing")  # not a send-type method
    clock.advance(1 / 3)
    await inproc_app.bot.send_message(4, "hi")
    sandbox.set_flood_limit(None, None)
    for _ in range(10):
        await inproc_app.bot.send_message(4, "no limit")


async def _outcomes(seed: int) -> list[str]:
    sb = Sandbox()
    sb.user(42)
    sb.set_failure_rate("sendMessage", 0.5, kind="500", seed=seed)
    outcomes = []
    for _ in range(20):
        status, _body = await sb.call("sendMessage", {"chat_id": 42, "text": "x"}, token="1:A")
        outcomes.append(str(status))
    return outcomes


async def test_failure_rate_is_deterministic() -> None:
    first = await _outcomes(seed=7)
    assert first == await _outcomes(seed=7)
    assert {"200", "500"} == set(first)
    assert first != await _outcomes(seed=8)


@pytest.mark.filterwarnings("ignore:Please use 'Bot.sendDice'")
async def test_unknown_method_fails_loudly_and_is_recorded(
    inproc_app: App, sandbox: Sandbox
) -> None:
    with pytest.raises(EndPointNotFound):
        await inproc_app.bot.do_api_request("sendDice", api_kwargs={"chat_id": 42})
    # through a regular Bot method PTB maps the 404 to InvalidToken, keeping our description
    with pytest.raises(InvalidToken, match="sendDice is not implemented by the sandbox"):
        await inproc_app.bot.send_dice(42)
    assert sandbox.unimplemented_calls == [("sendDice", {"chat_id": 42})] * 2
    status, body = await sandbox.call("sendPoll", {})
    assert status == 404
    assert body["description"] == "Not Found: method sendPoll is not implemented by the sandbox"
    sandbox.unimplemented_calls.clear()  # acknowledged, so the fixture's check passes


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


async def test_webhook_methods_and_polling_conflict(inproc_app: App, sandbox: Sandbox) -> None:
    bot = inproc_app.bot
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://insecure.example")
    assert await bot.set_webhook("https://ykien.example/hook", secret_token="s3cret")
    sandbox.user(42).send("queued")
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("https://ykien.example/hook", 1)
    with pytest.raises(Exception, match=r"(?i)webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert sandbox.pending_updates == 0 and (await bot.get_webhook_info()).url == ""
    assert await bot.close() and await bot.log_out()


async def test_get_updates_offsets_limit_and_allowed_updates(
    inproc_app: App, sandbox: Sandbox
) -> None:
    bot = inproc_app.bot
    lan = sandbox.user(42)
    for n in range(5):
        lan.send(f"m{n}")
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["m0", "m1"]
    again = await bot.get_updates(offset=first[-1].update_id + 1)  # confirms m0, m1
    assert [u.update_id for u in again] == [3, 4, 5]
    last = await bot.get_updates(offset=-1)  # forgets all but the newest
    assert [u.update_id for u in last] == [5] and sandbox.pending_updates == 1
    lan.press_raw(1, "x")
    only_messages = await bot.get_updates(offset=6, allowed_updates=["message"])
    assert only_messages == ()  # the callback query is dropped, as Telegram does
    assert sandbox.pending_updates == 0


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


async def test_wait_for_reports_what_it_waited_for(sandbox: Sandbox) -> None:
    sandbox.user(42).send("hi")
    with pytest.raises(TimeoutError, match=r"(?s)waiting for: a reply.*pending updates: 1"):
        await sandbox.wait_for(lambda: sandbox.user(42).last, timeout=0, what="a reply")
    assert await sandbox.wait_for(lambda: sandbox.pending_updates) == 1


async def test_wait_for_flags_predicates_the_sandbox_cannot_see(sandbox: Sandbox) -> None:
    outside = {"done": False}

    async def flip_quietly() -> None:
        outside["done"] = True  # no sandbox event announces this

    flip = asyncio.create_task(flip_quietly())
    with pytest.raises(TimeoutError, match="became true without a sandbox event"):
        await sandbox.wait_for(lambda: outside["done"], timeout=0.01)  # the timeout is the test
    await flip


async def test_polling_in_process(make_inproc_app: Callable[[], App], sandbox: Sandbox) -> None:
    """start_polling works over SandboxRequest too: long polls park on the same loop."""
    lan = sandbox.user(42)
    async with make_inproc_app() as app:
        assert app.updater is not None
        await app.updater.start_polling(timeout=30)
        await app.start()
        lan.start()
        question = await sandbox.wait_for(lambda: lan.last)
        lan.press(question, "Có")
        await sandbox.wait_for(lambda: question.text == "Bạn chọn: yes")
        await sandbox.wait_for(
            lambda: sandbox.call_log[-1].method == "getUpdates"
            and sandbox.call_log[-1].outcome == "pending",
            what="the next long poll to park",
        )
        await app.updater.stop()
        await app.stop()
    outcomes = [r.outcome for r in sandbox.call_log if r.method == "getUpdates"]
    assert "cancelled" in outcomes and outcomes[-1] == "ok"  # stop() cancels, then confirms
    assert sandbox.pending_updates == 0
