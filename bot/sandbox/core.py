"""The sandbox core: one in-memory Telegram that both fronts (HTTP, in-process) call.

Everything observable goes through :meth:`Sandbox.call`, which records the call,
applies injected failures and flood limits, dispatches to the registered method and
wakes anyone waiting in :meth:`Sandbox.wait_for`.  Waiting is event-driven: the
timeouts here are safety nets, never the mechanism.  A sandbox lives in one event
loop and is not thread-safe (SimUser actions are plain, synchronous methods).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

# Importing the method modules registers their methods.
from bot.sandbox import messages as _messages  # noqa: F401
from bot.sandbox import methods as _methods  # noqa: F401
from bot.sandbox.errors import ApiError, SandboxNetworkError
from bot.sandbox.faults import SEND_METHODS, FailureKind, Faults, Injection
from bot.sandbox.methods import scope_key
from bot.sandbox.params import Params, normalize
from bot.sandbox.registry import lookup
from bot.sandbox.store import (
    CallbackAnswer,
    ChatRecord,
    PendingCallback,
    UploadedFile,
    WebhookState,
    World,
)
from bot.sandbox.updates import ALL, Pulse, UpdateQueue
from bot.sandbox.webhook import WebhookPusher

if TYPE_CHECKING:
    from bot.sandbox.users import SimGroup, SimMessage, SimUser

T = TypeVar("T")


@dataclass
class CallRecord:
    """One call with its outcome: ``ok``, ``error``, ``network``, ``cancelled`` or ``pending``."""

    method: str
    params: dict[str, Any]
    outcome: str = "pending"
    status: int | None = None
    description: str | None = None
    result: Any = None


class Sandbox:
    """An in-memory Telegram Bot API with simulated users and failure injection."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        bot_username: str = "ykien_bot",
        bot_first_name: str = "ykien",
        bot_id: int | None = None,
        token: str | None = None,
        local_webhooks: bool = False,
    ) -> None:
        self.clock = clock
        self.local_webhooks = local_webhooks  # also accept http://127.0.0.1 webhooks (tests)
        self.token = token
        self.world = World(
            clock, bot_id=bot_id, bot_username=bot_username, bot_first_name=bot_first_name
        )
        self.faults = Faults()
        self.stats = self.faults.stats
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.call_log: list[CallRecord] = []
        self.unimplemented_calls: list[tuple[str, dict[str, Any]]] = []
        self.internal_errors: list[tuple[str, dict[str, Any], Exception]] = []
        self.warnings: list[str] = []
        self.webhook = WebhookState()
        self.webhook_pusher = WebhookPusher(self)
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.pending_callbacks: dict[str, PendingCallback] = {}
        self._pulse = Pulse()
        self._queue = UpdateQueue(self._pulse)
        self._serial = 0
        self._users: dict[int, SimUser] = {}

    # ------------------------------------------------------------------ calls
    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
        *,
        token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call; returns ``(http_status, json_body)``.

        Raises :class:`SandboxNetworkError` for an injected network failure, which
        each front turns into its own flavour of "no answer".
        """
        spec = lookup(method)
        name = spec.name if spec else method
        values = normalize(params or {}, files)
        record = CallRecord(name, values)
        self.calls.append((name, values))
        self.call_log.append(record)
        scope = self._scope(values)
        self._pulse.notify(scope)
        try:
            self._check_token(token)
            if spec is None:
                self.unimplemented_calls.append((name, values))
                raise ApiError(404, f"Not Found: method {name} is not implemented by the sandbox")
            injection = self.faults.injected(name)
            if injection is not None:
                self.faults.raise_injected(injection)
            if name in SEND_METHODS:
                chat_id = values.get("chat_id")
                key = chat_id if isinstance(chat_id, int | str) else None
                self.faults.check_flood(name, key, self.clock())
            result = spec.fn(self, Params(values))
            if inspect.isawaitable(result):
                result = await result
            result = json.loads(json.dumps(result))  # detach from internal state
        except ApiError as exc:
            record.outcome, record.status, record.description = "error", exc.code, exc.description
            self.stats.errors[str(exc.code)] += 1
            if exc.code == 429:
                self.stats.rate_limited += 1
            return exc.code, exc.body()
        except SandboxNetworkError:
            record.outcome = "network"
            self.stats.errors["network"] += 1
            raise
        except asyncio.CancelledError:
            record.outcome = "cancelled"
            raise
        except Exception as exc:  # a sandbox bug: answer 500, and keep it for the fixture
            record.outcome, record.status = "crash", 500
            record.description = f"Internal Server Error: sandbox crashed: {exc!r}"
            self.internal_errors.append((name, values, exc))
            return 500, ApiError(500, record.description).body()
        else:
            record.outcome, record.status, record.result = "ok", 200, result
            self.stats.ok[name] += 1
            if name in SEND_METHODS:
                self.stats.sent[name] += 1
            return 200, {"ok": True, "result": result}
        finally:
            self._pulse.notify(scope)

    def _scope(self, values: Mapping[str, Any]) -> Any:
        """The chat a call touches, so only that chat's waiters wake; ALL when unsure."""
        chat_id = values.get("chat_id")
        if isinstance(chat_id, int):
            return chat_id
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            return int(chat_id)
        pending = self.pending_callbacks.get(str(values.get("callback_query_id", "")))
        return pending.chat_id if pending is not None else ALL

    def _check_token(self, token: str | None) -> None:
        if token is None:
            return
        if self.token is not None and token != self.token:
            raise ApiError(401, "Unauthorized")
        if self.world.bot_id is None:
            prefix = token.split(":", 1)[0]
            self.world.bot_id = int(prefix) if prefix.isdigit() else 1

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call to ``method``, oldest first."""
        return [params for name, params in self.calls if name == method]

    # ---------------------------------------------------------------- waiting
    def notify(self) -> None:
        """Re-evaluate every :meth:`wait_for`; call it if you change state they depend on."""
        self._pulse.notify()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109 - a safety net, reported with context
        *,
        what: str | None = None,
        chat: int | None = None,
    ) -> T:
        """Return the predicate's first truthy value, re-checked after every sandbox event.

        Only sandbox events (calls, updates, failure-injection changes, :meth:`notify`)
        trigger a re-check, so the predicate must read sandbox state; one that turns
        true silently is reported as an error rather than costing a hidden timeout.
        With ``chat``, only calls touching that chat (or of unknown chat) re-check it.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() >= deadline:
                raise TimeoutError(self._timeout_message(predicate, what, timeout))
            if not await self._pulse.wait(deadline, chat) and predicate():
                # True now, yet no sandbox event announced it: the predicate reads state the
                # sandbox cannot see, and this wait silently cost the whole timeout.
                raise TimeoutError(
                    self._timeout_message(predicate, what, timeout)
                    + "\n  the predicate became true without a sandbox event; wait on state "
                    "the sandbox sees, an asyncio.Event, or call sandbox.notify() after changing it"
                )

    async def wait_for_call(
        self,
        method: str,
        where: Callable[[dict[str, Any]], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - see wait_for
    ) -> dict[str, Any]:
        """Wait until the bot has called ``method`` (matching ``where``); return its params."""

        def found() -> dict[str, Any] | None:
            return next((p for p in self.calls_to(method) if where is None or where(p)), None)

        params = await self.wait_for(found, timeout, what=f"a call to {method}")
        assert params is not None
        return params

    def _timeout_message(self, predicate: Callable[[], Any], what: str | None, t: float) -> str:
        if what is None:
            try:
                what = inspect.getsource(predicate).strip()
            except (OSError, TypeError):
                what = repr(predicate)
        recent = [
            f"{r.method} -> {r.outcome}{f' {r.status}' if r.status else ''}"
            f"{f' {r.description!r}' if r.description else ''}"
            for r in self.call_log[-8:]
        ]
        return (
            f"sandbox.wait_for timed out after {t}s waiting for: {what}\n"
            f"  last calls: {recent or 'none'}\n"
            f"  pending updates: {len(self._queue)}; "
            f"unimplemented calls: {[m for m, _ in self.unimplemented_calls] or 'none'}"
        )

    # ---------------------------------------------------------------- updates
    def enqueue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update of ``kind`` (e.g. ``"message"``) and return a copy of it."""
        return self._queue.enqueue(kind, payload)

    def take_updates(self) -> list[dict[str, Any]]:
        """Remove and return every queued update (for in-process ``process_update``)."""
        return self._queue.take()

    @property
    def pending_updates(self) -> int:
        """How many updates wait for the bot."""
        return len(self._queue)

    def next_update(self) -> dict[str, Any] | None:
        """The oldest deliverable update, left in the queue (webhook delivery)."""
        return self._queue.peek()

    def confirm_update(self, update_id: int) -> None:
        """The webhook took ``update_id``: drop it and everything older."""
        self._queue.confirm(update_id + 1)
        self._pulse.notify()

    async def wait_for_event(self, deadline: float) -> bool:
        """Sleep until the next sandbox event or the loop-time ``deadline``."""
        return await self._pulse.wait(deadline)

    def set_allowed_updates(self, allowed: list[str]) -> None:
        self._queue.set_allowed(allowed)

    def release_long_polls(self) -> None:
        """Make every running getUpdates return now (used when a server shuts down)."""
        self._queue.release()

    async def get_updates(self, params: Params) -> list[dict[str, Any]]:
        """The getUpdates method body (see :class:`UpdateQueue`)."""
        return await self._queue.get_updates(params, webhook_active=bool(self.webhook.url))

    def next_serial(self) -> int:
        """A fresh number for ids the sandbox invents (queries, user files)."""
        self._serial += 1
        return self._serial

    def next_query_id(self) -> str:
        """A fresh callback query id (Telegram's are long decimal strings)."""
        return str(4_000_000_000_000_000_000 + self.next_serial())

    # ------------------------------------------------------------ the people
    def user(
        self,
        user_id: int,
        first_name: str = "Lan",
        username: str | None = None,
        language_code: str | None = "vi",
        *,
        last_name: str | None = None,
    ) -> SimUser:
        """A simulated user with a private chat with the bot (same object on repeat calls)."""
        from bot.sandbox.users import SimUser

        if user_id in self._users:
            return self._users[user_id]
        if user_id <= 0:
            raise ValueError("user ids are positive")
        data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value is not None:
                data[key] = value
        if language_code is not None:
            data["language_code"] = language_code
        self.world.users[user_id] = data
        self.world.chats[user_id] = ChatRecord(
            user_id, "private", first_name=first_name, last_name=last_name, username=username
        )
        self._users[user_id] = SimUser(self, user_id)
        return self._users[user_id]

    def group(self, chat_id: int, title: str | None = None) -> SimGroup:
        """A group chat (negative id) the bot is a member of; created on first use."""
        from bot.sandbox.users import SimGroup

        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = self.world.chats.get(chat_id)
        if chat is None:
            chat_type = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
            chat = ChatRecord(chat_id, chat_type, title=title or f"Group {-chat_id}")
            self.world.chats[chat_id] = chat
        chat.deleted = False
        return SimGroup(self, chat_id)

    def messages_after(self, chat_id: int, message_id: int) -> list[SimMessage]:
        """The bot's live messages in a chat newer than `message_id`, oldest first.

        Scans from the newest message back, so a waiter polling for "something new" costs
        what is new, not the whole chat history.
        """
        from bot.sandbox.users import SimMessage

        found = []
        for stored in reversed(self.world.messages.get(chat_id, {}).values()):
            if stored.message_id <= message_id:
                break
            if stored.from_bot and not stored.deleted:
                found.append(SimMessage(stored))
        found.reverse()
        return found

    def last_message_id(self, chat_id: int) -> int:
        """The id of the newest message in a chat (0 when empty)."""
        chat = self.world.messages.get(chat_id, {})
        return next(reversed(chat), 0) if chat else 0

    def messages_in(self, chat_id: int) -> list[SimMessage]:
        """Live views of the bot's messages in any chat."""
        from bot.sandbox.users import SimMessage

        return [SimMessage(m) for m in self.world.chat_messages(chat_id) if m.from_bot]

    def commands_for(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The command list stored by setMyCommands for a scope/language."""
        return self.commands.get(scope_key(scope, language_code), [])

    # ----------------------------------------------------------- failures
    def block(self, user_id: int) -> None:
        """Sends to this user's chat answer 403 'bot was blocked by the user'."""
        self._chat(user_id).blocked = True
        self.notify()

    def unblock(self, user_id: int) -> None:
        """Undo :meth:`block`."""
        self._chat(user_id).blocked = False
        self.notify()

    def delete_chat(self, chat_id: int) -> None:
        """Every call about this chat answers 400 'chat not found' until a user revives it."""
        self._chat(chat_id).deleted = True
        self.notify()

    def fail_next(
        self, method: str, count: int = 1, *, kind: FailureKind = "429", retry_after: int = 3
    ) -> None:
        """Fail the next ``count`` calls of ``method`` (``"*"``: any method) with ``kind``."""
        self.faults.fail_next(method, count, Injection(kind, retry_after))

    def set_failure_rate(
        self,
        method: str,
        rate: float,
        kind: FailureKind = "429",
        seed: int = 0,
        *,
        retry_after: int = 3,
    ) -> None:
        """Fail a ``rate`` fraction of ``method`` calls, reproducibly from ``seed``."""
        self.faults.set_failure_rate(method, rate, Injection(kind, retry_after), seed)

    def set_flood_limit(
        self, global_per_second: float | None = None, per_chat_per_second: float | None = None
    ) -> None:
        """Token-bucket flood limits on send-type methods (see ``bot.sandbox.faults``)."""
        self.faults.set_flood_limit(global_per_second, per_chat_per_second)

    def _chat(self, chat_id: int) -> ChatRecord:
        chat = self.world.chats.get(chat_id)
        if chat is None:
            raise KeyError(f"no chat {chat_id} in the sandbox; create it with sandbox.user()")
        return chat
