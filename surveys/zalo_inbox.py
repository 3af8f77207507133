"""The Zalo webhook's queue: an event is committed before Zalo gets its 200, once per key.

Zalo redelivers an event it thinks was not acknowledged (a slow answer, a restart), so the
queue keys each event (msg_id; for a follow the event, user and time) and a second arrival
changes nothing. Events arriving together share one COMMIT (group commit, Database.grouped):
one fsync for a burst instead of one each, so the acknowledgements stay fast when many
residents write at once, and each still returns only once its event is durable.

The worker that answers residents (handlers/zalo/worker.py) reads :func:`pending` in order
and, once an event's work is committed and its replies are sent, marks it :func:`handled`,
emptying its body: the text is not kept once answered.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import partial

from storage import people as people_db
from storage import zalo as zalo_db
from storage.people import Channel
from storage.zalo import InboxEvent
from surveys.env import Env

__all__ = [
    "InboxEvent", "InboxKind", "commune_of", "handled", "pending", "queue_event", "resolve",
]  # fmt: skip


class InboxKind(StrEnum):
    TEXT = "text"  # typed text: a join code, a digit, a comment, a question, a keyword
    BUTTON = "button"  # a button's payload (untrusted until checked against the round)
    FOLLOW = "follow"  # followed the OA: greet, ask for the join or household code
    UNFOLLOW = "unfollow"  # stop sending to them


async def queue_event(
    env: Env,
    *,
    key: str,
    oa_id: str,
    kind: InboxKind,
    user_id: str,
    body: str,
    sent_at: datetime,
) -> bool:
    """Commits the event, in the group of those arriving with it; False when it was already
    queued (a redelivery, also one in the same group: the second copy sees the first's row).
    Returns only after the COMMIT; an event whose write fails is undone alone (its savepoint)
    and raises, the others of its group are kept."""
    work = partial(
        zalo_db.enqueue, event_key=key, oa_id=oa_id, kind=kind.value, user_id=user_id,
        body=body, sent_at=sent_at, now=env.now(),
    )  # fmt: skip
    return await env.db.grouped(work)


async def pending(env: Env, limit: int = 100, *, after: int = 0) -> list[InboxEvent]:
    """Queued events not handled yet, oldest first; ``after``: only those queued after the
    event with that id (the worker's read of what is new)."""
    return await zalo_db.pending_events(env.db.conn, limit, after=after)


async def handled(
    env: Env, event: InboxEvent, failure: str | None = None, *, address: str | None = None
) -> bool:
    """Marks the event done (``failure``: why it could not be, a short code, never the text)
    and, with the sender's Zalo ``address``, records that they wrote at its time (Zalo's 7-day
    window), in one transaction; False when it was marked already."""
    async with env.db.transaction() as conn:
        if address is not None:
            await people_db.touch(conn, Channel.ZALO, address, event.sent_at)
        return await zalo_db.mark_handled(conn, event.id, env.now(), failure)


async def resolve(env: Env, event_id: int, target: str) -> None:
    """Commits what a typed reply stands for (a button's payload, or the comment's question)
    before anything is done about it: if the process dies after the work and before the mark,
    the replay does the same work again, which the domain makes a no-op, instead of reading
    the reply against the state the first attempt moved on (a typed "4" answering the next
    question as well)."""
    async with env.db.transaction() as conn:
        await zalo_db.set_target(conn, event_id, target)


async def commune_of(env: Env, oa_id: str) -> tuple[bool, int | None]:
    """(whether the OA is connected, the commune it speaks for, None if not tied to one)."""
    return await zalo_db.account_commune(env.db.conn, oa_id)
