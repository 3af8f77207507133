"""One Zalo event being handled: who sent it, to which OA, and how replies reach them.

Every reply is a view rendered as Zalo shows it (handlers/views/media.py: plain text, split at
2,000 characters); buttons, at most five, go on the last part. A reply Zalo does not take
(outside the window, the network after every retry) is counted and logged by the client; the
work the event asked for is committed either way.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from handlers.views.media import Medium, render_for
from handlers.zalo.buttons import MAX_BUTTONS, Button
from handlers.zalo.outcomes import SendOutcome
from surveys import zalo_inbox
from surveys.services import Services
from surveys.zalo_inbox import InboxEvent

log = logging.getLogger(__name__)


class Sender(Protocol):
    """What replies need of handlers.zalo.client.ZaloClient."""

    async def send_text(self, user_id: str, text: str) -> SendOutcome: ...

    async def send_buttons(self, user_id: str, text: str, buttons: list[Button]) -> SendOutcome: ...


@dataclass
class Chat:
    services: Services
    sender: Sender
    event: InboxEvent
    person: int  # the sender's person id (surveys.people.resolve on the Zalo address)
    address: str  # "<oa id>:<user id>"
    oa_commune: int | None  # the commune the OA speaks for (zalo_accounts.commune_code)
    undelivered: int = 0  # replies Zalo did not take

    @property
    def text(self) -> str:
        """What the resident typed (or the payload of the button pressed)."""
        return self.event.body

    async def stands_for(self, target: str) -> None:
        """Records what the typed reply means (a payload) before it is acted on, so that a
        replay after a crash acts on the same thing (surveys.zalo_inbox.resolve)."""
        if self.event.target != target:
            await zalo_inbox.resolve(self.services.env, self.event.id, target)
            self.event = dataclasses.replace(self.event, target=target)

    async def say(self, template: str, buttons: Sequence[Button] = (), **context: object) -> None:
        """Sends the view; ``buttons`` (at most five) under its last part."""
        if len(buttons) > MAX_BUTTONS:
            raise ValueError(f"a Zalo message carries at most {MAX_BUTTONS} buttons")
        parts = render_for(Medium.ZALO, template, **context)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if last and buttons:
                outcome = await self.sender.send_buttons(self.event.user_id, part, list(buttons))
            else:
                outcome = await self.sender.send_text(self.event.user_id, part)
            if not outcome.sent:
                self.undelivered += 1
                log.warning(
                    "Zalo reply to event %d not delivered: %s", self.event.id, outcome.status
                )
