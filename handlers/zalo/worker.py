"""The Zalo inbox worker: answers the events the webhook queued (surveys.zalo_inbox).

Order and concurrency: the queue is read oldest first; one Zalo user's events are handled
strictly one after another, in order; different users' at the same time, at most
``concurrency`` at once.

When an event is marked: AFTER its work is committed and its replies are sent. An event is
handled by domain calls that commit on their own (an answer, a join, a question) and then
replies; a kill -9 can come anywhere in between. Marking first would lose the event whenever
the process dies after the mark (the answer never stored, or stored with no next question
sent). Marking last means a dead process leaves the event queued, and the next one handles it
again: every step is safe to replay (a replayed answer is UNCHANGED, a join or a village is
set again to the same, a question handed to the commune is ALREADY sent, an erasure finds
nothing left; a typed reply is first recorded as the button or comment question it stands
for, surveys.zalo_inbox.resolve, so its replay cannot answer the question after it) and the
replies are sent again, so the resident sees the question they are at
rather than nothing. At least once for replies, once for every stored effect. Marking also
empties the row's body (what a resident typed is not kept once answered) and, in the same
transaction, records when the sender last wrote (Zalo's 7-day window).

A failure in one event (a bug, the database refusing a write) is logged by event id and
exception type only (never the text, never a token), the event is marked with that reason so
it is not retried forever, and the resident gets resident_error.html. A reply Zalo does not
take is not a failure of the event: its work is done; the client logs why.

Woken by the webhook (:meth:`wake`, which ``handlers.zalo.inbox.queue_into(env, wake=...)``
calls once an event is committed) and by a periodic poll, for events left queued by a
previous process or queued by another one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Protocol

from handlers.zalo.chat import Chat, Sender
from handlers.zalo.router import dispatch
from surveys import zalo_inbox
from surveys.people import NOBODY, Channel, zalo_address
from surveys.services import Services
from surveys.zalo_inbox import InboxEvent, InboxKind

log = logging.getLogger(__name__)
BATCH = 200  # events read per pass
NOT_CONNECTED = "oa_not_connected"


class Senders(Protocol):
    """Where a reply to an OA's follower goes (handlers.zalo.clients.ZaloClients)."""

    def of(self, oa_id: str) -> Sender: ...


class ZaloWorker:
    def __init__(
        self,
        services: Services,
        clients: Senders,
        *,
        concurrency: int = 8,
        poll_interval: float = 5.0,
        on_handled: Callable[[InboxEvent], None] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency is at least 1")
        self.services = services
        self.clients = clients
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.on_handled = on_handled  # after each event is marked (tests, metrics)
        self.handled = 0
        self.failed = 0
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        # (oa, user) -> its lane and the events waiting in it; ids of every event in a lane
        self._lanes: dict[tuple[str, str], tuple[asyncio.Task[None], deque[InboxEvent]]] = {}
        self._queued: set[int] = set()
        self._stopping = False
        self._loop: asyncio.Task[None] | None = None

    # -- what the process calls ----------------------------------------------------------------

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Runs in the background until :meth:`stop`, starting with what is already queued."""
        if self._loop is not None:
            return
        self._stopping = False
        self._loop = asyncio.get_running_loop().create_task(self._run(), name="zalo-worker")

    async def stop(self) -> None:
        """Starts no new event, lets those in flight finish (and be marked), then returns; events
        not started stay queued for the next start."""
        self._stopping = True
        self._wake.set()
        loop, self._loop = self._loop, None
        if loop is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        await self._lanes_done()

    async def drain(self) -> int:
        """Handles everything queued now (and what is queued meanwhile), in the caller's task;
        returns how many events were handled."""
        before = self.handled + self.failed
        seen: set[int] = set()
        while not self._stopping:
            rows = [
                r for r in await zalo_inbox.pending(self.services.env, BATCH) if r.id not in seen
            ]
            if not rows:
                break
            seen.update(r.id for r in rows)
            self._dispatch(rows)
            await self._lanes_done()
        return self.handled + self.failed - before

    # -- the machinery -------------------------------------------------------------------------

    async def _run(self) -> None:
        """A wake reads only the events queued after those already read (one indexed read per
        new event, however many residents are mid-conversation); every ``poll_interval`` a read
        of the whole queue finds what a previous process or a failed mark left queued."""
        loop = asyncio.get_running_loop()
        after, full_read_at = 0, loop.time()
        while not self._stopping:
            self._wake.clear()
            if loop.time() - full_read_at >= self.poll_interval:
                after = 0
            if after == 0:
                full_read_at = loop.time()
            rows: list[InboxEvent] = []
            try:
                rows = await zalo_inbox.pending(self.services.env, BATCH, after=after)
                self._dispatch(rows)
                after = max((r.id for r in rows), default=after)
            except Exception as exc:  # the database unreachable: try again at the next poll
                log.error("Zalo worker could not read the inbox: %s", type(exc).__name__)
                after = 0
            if len(rows) == BATCH:
                continue  # more than a batch queued: read on without waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def _lanes_done(self) -> None:
        while self._lanes:
            await asyncio.gather(
                *(lane for lane, _ in self._lanes.values()), return_exceptions=True
            )

    def _dispatch(self, rows: list[InboxEvent]) -> None:
        """Each event joins its user's lane: the running one, or a new one. An event already
        in a lane (a full read sees what is still being handled) is not added again."""
        for row in rows:
            if row.id in self._queued:
                continue
            user = (row.oa_id, row.user_id)
            self._queued.add(row.id)
            if user in self._lanes:
                self._lanes[user][1].append(row)
                continue
            events = deque([row])
            task = asyncio.get_running_loop().create_task(self._lane(user, events))
            self._lanes[user] = (task, events)

    async def _lane(self, user: tuple[str, str], events: deque[InboxEvent]) -> None:
        """One user's events, one after another; the lane leaves `_lanes` in the same step as
        it finds its queue empty, so an event dispatched later starts a new lane."""
        try:
            while events and not self._stopping:
                event = events.popleft()
                try:
                    async with self._slots:
                        await self._handle(event)
                finally:
                    self._queued.discard(event.id)
        finally:
            self._queued.difference_update(e.id for e in events)  # stopping: left queued
            self._lanes.pop(user, None)

    async def _handle(self, event: InboxEvent) -> None:
        env = self.services.env
        failure: str | None = None
        chat: Chat | None = None
        try:
            chat = await self._chat(event)
            if chat is None:
                failure = NOT_CONNECTED
            else:
                await dispatch(chat)
        except Exception as exc:
            failure = type(exc).__name__
            # the type only: an exception's message or traceback may quote what was typed
            log.error("Zalo event %d (%s) failed: %s", event.id, event.kind, failure)
            if chat is not None:
                with contextlib.suppress(Exception):
                    await chat.say("resident_error.html")
        address = None if chat is None else chat.address
        try:
            await zalo_inbox.handled(env, event, failure, address=address)
        except Exception as exc:  # left queued: the next pass or process tries it again
            log.error("Zalo event %d could not be marked: %s", event.id, type(exc).__name__)
            return
        if failure is None:
            self.handled += 1
            if chat is not None and chat.person != NOBODY and event.kind != "unfollow":
                await self._late(chat.person)
        else:
            self.failed += 1
        if self.on_handled is not None:
            self.on_handled(event)

    async def _late(self, person: int) -> None:
        """Whoever just wrote is inside Zalo's window again: what waited for them (a broadcast
        sent while they were outside it, a staff answer) goes out now."""
        try:
            await self.services.late.waiting_for(person)
        except Exception as exc:  # the event is handled; the waiting rows stay for next time
            log.error("late delivery for a Zalo resident failed: %s", type(exc).__name__)

    async def _chat(self, event: InboxEvent) -> Chat | None:
        """The event's person (made on first contact) and where to reply; None for an OA that
        is not connected."""
        env = self.services.env
        connected, commune = await zalo_inbox.commune_of(env, event.oa_id)
        if not connected:
            return None
        address = zalo_address(event.oa_id, event.user_id)
        people = self.services.people
        if event.kind == InboxKind.UNFOLLOW:
            found = await people.find(Channel.ZALO, address)
            person = NOBODY if found is None else found
        else:
            person = await people.resolve(Channel.ZALO, address)
        return Chat(self.services, self.clients.of(event.oa_id), event, person, address, commune)
