"""Failure injection, flood limits, update delivery and waiting, through real PTB in-process."""

from __future__ import annotations

import asyncio
import datetime as dtm
import warnings
from collections.abc import Callable
from typing import Any

import pytest
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
from bot.sandbox.registry import METHODS, MethodSpec

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
            lambda: (
                sandbox.call_log[-1].method == "getUpdates"
                and sandbox.call_log[-1].outcome == "pending"
            ),
            what="the next long poll to park",
        )
        await app.updater.stop()
        await app.stop()
    outcomes = [r.outcome for r in sandbox.call_log if r.method == "getUpdates"]
    assert "cancelled" in outcomes and outcomes[-1] == "ok"  # stop() cancels, then confirms
    assert sandbox.pending_updates == 0


async def test_a_sandbox_bug_answers_500_and_is_kept(
    inproc_app: App, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(sb: Sandbox, params: Any) -> None:
        raise KeyError("oops")

    monkeypatch.setitem(METHODS, "getchat", MethodSpec("getChat", broken))
    with pytest.raises(NetworkError, match="sandbox crashed"):
        await inproc_app.bot.get_chat(42)
    assert [(m, type(e)) for m, _, e in sandbox.internal_errors] == [("getChat", KeyError)]
    sandbox.internal_errors.clear()  # acknowledged, so the fixture's check passes
