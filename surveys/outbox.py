"""The ports through which the domain messages people, one per channel, filled by the adapters.

The domain never imports a channel: the Telegram adapter registers its transports where the
bot is built (handlers.telegram.broadcast_jobs.install), the Zalo one where the process is
wired (handlers.zalo.delivery.register). Two kinds of port: a broadcast `Transport` (one
delivery row, in the sender's terms) and an `AnswerSend` (a staff member's answer to a
resident's question, to one address, rendered by the adapter for its medium).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

# Re-exported for the adapters, which may not import storage.
from storage.deliveries import Claimed as Recipient
from storage.faq import QuestionRow

if TYPE_CHECKING:  # a type only: surveys.broadcasts need not be loaded for this module
    from surveys.broadcasts import Content

__all__ = [
    "AnswerSend", "Outbox", "QuestionRow", "Reached", "Recipient", "SendResult", "SendStatus",
    "Transport",
]  # fmt: skip


class SendStatus(StrEnum):
    """What one broadcast call came to, as a transport reports it."""

    SENT = "sent"
    RETRY_AFTER = "retry_after"  # 429 flood control
    BLOCKED = "blocked"  # 403
    UNREACHABLE = "unreachable"  # chat not found
    NETWORK = "network"  # no answer: timeouts, connection errors
    REFUSED = "refused"  # any other error answer: retrying will not help
    DEFERRED = "deferred"  # not called: the chat had a message less than a second ago
    OUTSIDE_WINDOW = "outside_window"  # Zalo 230: no interaction in 7 days; sent when they write
    QUOTA = "quota"  # Zalo -211: the OA's quota is used up; sent when they write (a free reply)


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    retry_after: float = 0.0
    detail: str = ""


Transport = Callable[[Recipient, "Content"], Awaitable[SendResult]]


class Reached(StrEnum):
    """What a staff answer sent to a person came to."""

    SENT = "sent"
    OUTSIDE_WINDOW = (
        "outside_window"  # Zalo refused it (window or quota): kept for their next write
    )
    BLOCKED = "blocked"  # they blocked the bot
    FAILED = "failed"  # the network or the channel refused it
    NO_ADDRESS = "no_address"  # no Telegram or Zalo address (web or paper only)


AnswerSend = Callable[[str, QuestionRow], Awaitable[Reached]]  # the address, the question


class Outbox:
    """The registered ports; a channel without one is not messaged by this process."""

    def __init__(self) -> None:
        self.transports: dict[str, Transport] = {}
        self.answers: dict[str, AnswerSend] = {}

    def register(
        self, channel: str, *, transport: Transport | None = None, answer: AnswerSend | None = None
    ) -> None:
        if transport is not None:
            self.transports[channel] = transport
        if answer is not None:
            self.answers[channel] = answer
