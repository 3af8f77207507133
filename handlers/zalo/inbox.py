"""Hands verified webhook events to the domain's queue (surveys.zalo_inbox)."""

from __future__ import annotations

from collections.abc import Callable

from handlers.zalo.events import ButtonPress, Follow, Ignored, TextMessage, Unfollow, ZaloEvent
from handlers.zalo.webhook import Accept
from surveys.env import Env
from surveys.zalo_inbox import InboxKind, queue_event


def queue_into(env: Env, wake: Callable[[], None] | None = None) -> Accept:
    """The ``accept`` of webhook_handler: every event is committed to the inbox once (events
    arriving together share a COMMIT; each returns after it, so the 200 follows durability);
    ``wake`` (the inbox worker's) is called after a new one is committed, not after a
    redelivery."""

    async def accept(event: ZaloEvent) -> None:
        match event:
            case TextMessage():
                kind, body = InboxKind.TEXT, event.text
            case ButtonPress():
                kind, body = InboxKind.BUTTON, event.payload
            case Follow():
                kind, body = InboxKind.FOLLOW, ""
            case Unfollow():
                kind, body = InboxKind.UNFOLLOW, ""
            case Ignored():
                return
        queued = await queue_event(
            env, key=event.key, oa_id=event.oa_id, kind=kind, user_id=event.user_id, body=body,
            sent_at=event.sent_at,
        )  # fmt: skip
        if queued and wake is not None:
            wake()

    return accept
