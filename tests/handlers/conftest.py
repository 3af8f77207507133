"""The real ykien Application wired to the in-process sandbox, and a chat-like harness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import build_application
from bot.config import Config, Secret
from bot.sandbox import Sandbox, SandboxRequest, SimMessage, SimUser, process_pending
from surveys.services import Services
from tests.conftest import FakeClock


@dataclass
class Harness:
    sandbox: Sandbox
    app: Any
    services: Services
    errors: list[BaseException]

    def user(self, user_id: int, name: str = "Lan") -> SimUser:
        return self.sandbox.user(user_id, first_name=name)

    async def pump(self) -> int:
        return await process_pending(self.sandbox, self.app)

    async def send(self, user: SimUser, text: str) -> list[str]:
        """The user sends text; returns the texts of the bot messages that followed."""
        before = len(user.messages)
        user.send(text)
        await self.pump()
        return [m.text for m in user.messages[before:]]

    async def press(
        self, user: SimUser, label: str, message: SimMessage | None = None
    ) -> list[str]:
        """Taps the newest button with this label (or data); returns the new bot messages."""
        target = message or next(
            m
            for m in reversed(user.messages)
            if any(label in (text, data) for row in m.buttons for text, data in row)
        )
        before = len(user.messages)
        user.press(target, label)
        await self.pump()
        return [m.text for m in user.messages[before:]]

    async def press_raw(self, user: SimUser, data: str, message_id: int | None = None) -> str:
        """A forged press; returns the pop-up text it got."""
        answers = len(user.callback_answers)
        user.press_raw(message_id or user.last.message_id, data)
        await self.pump()
        assert len(user.callback_answers) == answers + 1, "the press got no answer"
        return user.callback_answers[-1] or ""


@asynccontextmanager
async def running_harness(
    services: Services, clock: FakeClock, *, sleep: Any = None
) -> AsyncIterator[Harness]:
    """The real Application on the in-process sandbox; on exit, fails on any handler error,
    sandbox error or Bot API method the sandbox does not implement. `sleep` is what retried
    replies and polling wait with (one that moves the clock: no real waiting)."""
    sandbox = Sandbox(clock=lambda: clock.now.timestamp(), bot_username="ykien_test_bot")

    async def moves_the_clock(seconds: float) -> None:
        clock.advance(seconds=seconds)

    sleep = sleep or moves_the_clock
    app = build_application(
        Config(token=Secret("123:TEST")),
        services=services,
        request=SandboxRequest(sandbox),
        get_updates_request=SandboxRequest(sandbox),
        clock=clock,
        sleep=sleep,
    )
    errors: list[BaseException] = []

    async def collect(update: object, context: Any) -> None:
        errors.append(context.error)

    app.add_error_handler(collect)
    async with app:
        await app.post_init(app)
        yield Harness(sandbox, app, services, errors)
    assert not sandbox.unimplemented_calls
    assert not sandbox.internal_errors, sandbox.internal_errors
    assert not errors, f"handlers raised: {errors!r}"


@pytest.fixture
async def harness(services: Services, clock: FakeClock) -> AsyncIterator[Harness]:
    async with running_harness(services, clock) as running:
        yield running
