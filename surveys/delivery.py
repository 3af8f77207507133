"""The sender: drains a broadcast's delivery rows on their channels, crash-safely.

Each batch of rows is marked 'sending' and committed before any call goes out, and each
outcome is committed after; at start, rows left 'sending' are re-queued once. So a kill -9 loses
no recipient, only rows 'sending' at the kill (at most IN_FLIGHT_BATCHES batches) can be sent
twice, and a row caught in flight by a second crash is resolved 'unknown' instead of being sent
a third time (rows a restart found in flight are claimed after the fresh ones, so a crash loop
rarely catches the same row twice).

Each row is for one person on one channel (storage.deliveries chooses it) and goes out
through that channel's transport (surveys.outbox; the adapters register them, so this module
never imports telegram or Zalo). Two faults stop more than single rows: a channel not
answering at all (an outage: no row of that channel in a batch got an answer), whose rows are
re-queued with backoff against nobody's retries, the whole sender pausing when no channel
answered; and the database refusing a write (disk full, locked), which keeps the outcomes in
memory and writes them when it accepts them. Zalo's window (230) and quota (-211) are final
states here, not failures: those rows are sent when the person next writes (late_delivery).
Sleeping is injectable so tests never wait.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import TypeVar

from aiolimiter import AsyncLimiter

from storage import broadcasts as bdb
from storage import deliveries as ddb
from storage import surveys as surveys_db
from storage.broadcasts import BroadcastRow
from storage.deliveries import Claimed, DeliveryOutcome
from surveys.broadcasts import FINISHED, BroadcastService, BroadcastStatus, Content
from surveys.env import Env
from surveys.outbox import SendResult, SendStatus, Transport
from surveys.priority import Priority
from surveys.quiet import blocked_until


class DeliveryState(StrEnum):
    """A delivery row's state; every change is recorded in delivery_transitions."""

    QUEUED = "queued"  # waiting; after a 429 or network error, not before `not_before`
    SENDING = "sending"  # claimed, the call may be in flight; re-queued at start after a crash
    SENT = "sent"  # the channel accepted the message
    BLOCKED = "blocked"  # 403: bot blocked or account deleted; the resident is marked stopped
    UNREACHABLE = "unreachable"  # 400 chat not found
    FAILED = "failed"  # network errors past the retry limit, or another permanent refusal
    SKIPPED = "skipped"  # never sent: /stop, left the commune, finished the round, cancelled...
    UNKNOWN = "unknown"  # in flight at two crashes: called at most twice, never a third time
    OUTSIDE_WINDOW = "outside_window"  # Zalo 230: not written in 7 days; sent when they write
    QUOTA = "quota"  # Zalo -211: the OA's quota is used up; sent when they write (or by ZNS)


class DrainStatus(StrEnum):
    DONE = "done"  # every row reached a final state
    PAUSED = "paused"  # quiet hours or blackout: run again at wake_at
    NOT_YET = "not_yet"  # scheduled: run again at wake_at
    ENDED = "ended"  # cancelled, expired or unknown: nothing to do
    BUSY = "busy"  # another drain of this broadcast is running in this process
    HELD = "held"  # staff paused it: nothing runs until they resume it


@dataclass(frozen=True)
class Drain:
    status: DrainStatus
    wake_at: datetime | None = None


Sleep = Callable[[float], Awaitable[None]]
OnBatch = Callable[[int], Awaitable[None]]

MAX_BATCH = 200  # rows claimed at once
IN_FLIGHT_BATCHES = 2  # batches out at once: a kill -9 can send at most these rows twice
BATCHES_PER_SECOND = 5
MAX_BACKOFF = 60.0
OUTAGE_MAX = 30.0  # longest pause between probes while a channel does not answer
DB_MAX = 30.0  # longest pause between attempts of a write the database refuses
PER_CHAT = timedelta(seconds=1)  # at most one message per second to the same chat
_RECENT_CHATS = 10_000  # chats remembered; at 1,000/s the oldest is 10 s old

log = logging.getLogger(__name__)
T = TypeVar("T")


def backoff(attempts: int, cap: float = MAX_BACKOFF) -> float:
    """Seconds before retrying after the n-th failure: 1, 2, 4, ... up to `cap`."""
    return min(cap, 2.0 ** max(0, attempts - 1))


class Sender:
    """Drains broadcasts: global rate, one message per second per chat, retries.

    `transports` (by channel) is read at each send, so a channel registered later
    (surveys.outbox.Outbox.transports) is used from then on."""

    def __init__(
        self,
        env: Env,
        broadcasts: BroadcastService,
        transports: Mapping[str, Transport],
        *,
        sleep: Sleep = asyncio.sleep,
        on_batch: OnBatch | None = None,
        priority: Priority | None = None,
    ) -> None:
        self.env = env
        self.broadcasts = broadcasts
        self.transports = transports
        self.sleep = sleep
        self.on_batch = on_batch
        self.priority = priority or Priority()
        rate = env.settings.broadcast_rate
        # A fifth of a second of sends per batch: few rows in flight at a kill, few commits.
        self.batch = max(1, min(MAX_BATCH, math.ceil(rate / BATCHES_PER_SECOND)))
        # The bucket holds a fifth of a second of sends, not a whole second: Telegram's own
        # bucket then keeps slack for network jitter, so pacing at the rate draws no 429.
        burst = rate / BATCHES_PER_SECOND
        period = 1 / BATCHES_PER_SECOND if burst >= 1 else 1 / rate
        self._global = AsyncLimiter(max(1.0, burst), period)
        self._recent: OrderedDict[int | str, datetime] = OrderedDict()  # chat -> last send
        self._locks: dict[int, asyncio.Lock] = {}
        # Cleared while the whole sender waits: a 429's retry_after, or an outage's backoff.
        self._go = asyncio.Event()
        self._go.set()
        self.outages: dict[str, int] = {}  # by channel: batches in a row it did not answer
        self.db_failures = 0  # writes the database refused, in a row (disk full, locked)

    async def drain(self, broadcast_id: int) -> Drain:
        """Sends until done, paused or not yet due; one drain per broadcast at a time."""
        lock = self._locks.setdefault(broadcast_id, asyncio.Lock())
        if lock.locked():
            return Drain(DrainStatus.BUSY)
        async with lock:
            with Priority.background():  # replies to people go first (surveys.priority)
                return await self._drain(broadcast_id)

    async def _drain(self, broadcast_id: int) -> Drain:
        db = self.env.db
        broadcast = await bdb.get(db.conn, broadcast_id)
        if broadcast is None or broadcast.status in FINISHED:
            return Drain(DrainStatus.ENDED)
        if broadcast.held_at is not None:
            return Drain(DrainStatus.HELD)
        if self.env.now() < broadcast.starts_at:
            return Drain(DrainStatus.NOT_YET, broadcast.starts_at)
        content = await self.broadcasts.content(broadcast)
        in_flight: set[asyncio.Task[None]] = set()
        try:
            return await self._pump(broadcast, content, in_flight)
        finally:  # every claimed row gets its outcome recorded before the drain returns
            if in_flight:
                await asyncio.gather(*in_flight)

    async def _pump(
        self, broadcast: BroadcastRow, content: Content, in_flight: set[asyncio.Task[None]]
    ) -> Drain:
        """Claims the next batch while earlier ones are still out (at most `IN_FLIGHT_BATCHES`),
        so the wire never idles on a commit or on the slowest answer of a batch."""
        db = self.env.db
        broadcast_id = broadcast.id
        while True:
            if len(in_flight) >= IN_FLIGHT_BATCHES:
                done, pending = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                in_flight.intersection_update(pending)
                for task in done:
                    task.result()  # a failed batch (its database write) stops the drain
            now = self.env.now()
            if await bdb.is_held(db.conn, broadcast_id):
                return Drain(DrainStatus.HELD)
            if await self._expired(broadcast, now):
                return Drain(DrainStatus.ENDED)
            resume = blocked_until(now, self.env.settings)
            if resume is not None:
                await self._commit(
                    partial(
                        bdb.set_status,
                        broadcast_id=broadcast_id,
                        status="paused",
                        now=now,
                        resume_at=resume,
                    )
                )
                return Drain(DrainStatus.PAUSED, resume)
            batch = await self._commit(partial(self._claim, broadcast_id=broadcast_id, now=now))
            if batch:
                in_flight.add(asyncio.create_task(self._deliver(broadcast_id, batch, content)))
                continue
            if in_flight:  # their retries may come back queued: wait for them first
                await asyncio.gather(*in_flight)
                in_flight.clear()
                continue
            # Nothing of this drain is in flight, so a row still 'sending' belongs to a drain
            # that died on an unforeseen error: it is re-queued once, as after a crash.
            await self._commit(partial(ddb.requeue_sending, now=now, broadcast_id=broadcast_id))
            waiting, earliest = await ddb.queued(db.conn, broadcast_id)
            if waiting == 0:
                await self._commit(
                    partial(bdb.finish, broadcast_id=broadcast_id, now=self.env.now())
                )
                return Drain(DrainStatus.DONE)
            await self.sleep(max(0.0, ((earliest or now) - now).total_seconds()))

    async def _claim(self, tx: bdb.Connection, broadcast_id: int, now: datetime) -> list[Claimed]:
        await bdb.set_status(tx, broadcast_id, BroadcastStatus.RUNNING.value, now)
        return await ddb.claim(tx, broadcast_id, self.batch, now)

    async def _commit(self, write: Callable[[bdb.Connection], Awaitable[T]]) -> T:
        """Runs one write transaction, retried with backoff while the database refuses it
        (disk full, locked, read-only): what it carries (the outcomes of calls already made)
        stays in memory meanwhile, and nothing else the sender does goes ahead of it."""
        while True:
            try:
                async with self.env.db.transaction() as tx:
                    result = await write(tx)
            except sqlite3.OperationalError as exc:
                self.db_failures += 1
                wait = backoff(self.db_failures, DB_MAX)
                if self.db_failures == 1 or wait >= DB_MAX:  # a bounded log, not one per try
                    log.warning("broadcast write refused (%s); retrying in %gs", exc, wait)
                await self.sleep(wait)
                continue
            if self.db_failures:
                log.warning("database accepts writes again after %d refusals", self.db_failures)
                self.db_failures = 0
            return result

    async def _deliver(self, broadcast_id: int, batch: list[Claimed], content: Content) -> None:
        """Sends one claimed batch and records every outcome in one transaction."""
        await self._go.wait()
        results = await asyncio.gather(*(self._send(row, content) for row in batch))
        done_at = self.env.now()
        down = self._outages(batch, results)
        outcomes = [
            outcome(row, res, done_at, self.env.settings.send_retries, down.get(row.channel))
            for row, res in zip(batch, results, strict=True)
        ]
        await self._commit(lambda tx: ddb.record(tx, outcomes, done_at))
        if self.on_batch is not None:
            await self.on_batch(broadcast_id)
        pause = max(
            (r.retry_after for r in results if r.status is SendStatus.RETRY_AFTER), default=0.0
        )
        if down and len(down) == len({row.channel for row in batch}):
            # No channel answered: it is the network, not these recipients; everybody waits.
            pause = max(pause, min(down.values()))
        if pause > 0 and self._go.is_set():  # flood control is per bot: all wait
            self._go.clear()
            try:
                await self.sleep(pause)
            finally:
                self._go.set()

    def _outages(self, batch: list[Claimed], results: list[SendResult]) -> dict[str, float]:
        """The channels that answered none of their rows of the batch (an outage, some of
        them NETWORK), with the backoff before their rows are tried again."""
        answered: dict[str, bool] = {}
        network: set[str] = set()
        for row, res in zip(batch, results, strict=True):
            if res.status not in (SendStatus.NETWORK, SendStatus.DEFERRED):
                answered[row.channel] = True
            else:
                answered.setdefault(row.channel, False)
                if res.status is SendStatus.NETWORK:
                    network.add(row.channel)
        down: dict[str, float] = {}
        for channel, any_answer in answered.items():
            if any_answer:
                self.outages[channel] = 0
            elif channel in network:
                count = self.outages[channel] = self.outages.get(channel, 0) + 1
                down[channel] = backoff(count, OUTAGE_MAX)
                if count == 1 or down[channel] >= OUTAGE_MAX:
                    log.warning(
                        "no answer on %s (%d); its rows wait %gs", channel, count, down[channel]
                    )
        return down

    async def _expired(self, broadcast: BroadcastRow, now: datetime) -> bool:
        """A round that closed ends its invitations and reminders; the rest are skipped."""
        if broadcast.kind == "result":
            return False
        round_ = await surveys_db.get_round(self.env.db.conn, broadcast.round_id)
        if round_ is not None and (round_.closed_at is None and not _past(round_.closes_at, now)):
            return False
        await self._commit(lambda tx: bdb.expire(tx, broadcast.id, now))
        return True

    async def _send(self, row: Claimed, content: Content) -> SendResult:
        """One call under the global rate; a chat messaged less than a second ago (by another
        broadcast) waits: the per-chat rule is decided on the injected clock, since retries
        of one row are already at least a second apart (retry_after and backoff are >= 1 s)."""
        transport = self.transports.get(row.channel)
        if transport is None:
            return SendResult(SendStatus.REFUSED, detail=f"no {row.channel} transport here")
        now = self.env.now()
        key = row.key
        last = self._recent.get(key)
        if last is not None and now - last < PER_CHAT:
            return SendResult(SendStatus.DEFERRED, (last + PER_CHAT - now).total_seconds())
        self._recent[key] = now
        self._recent.move_to_end(key)
        if len(self._recent) > _RECENT_CHATS:
            self._recent.popitem(last=False)
        await self.priority.wait_clear()  # a reply being retried goes first
        async with self._global:
            try:
                return await transport(row, content)
            except Exception as exc:  # an unforeseen error must not lose the row: retry it
                return SendResult(SendStatus.NETWORK, detail=type(exc).__name__)


def outcome(
    row: Claimed, result: SendResult, now: datetime, retries: int, outage: float | None = None
) -> DeliveryOutcome:
    """The row's next state after a call; `outage`: its channel answered nobody of the batch
    (re-queued after that many seconds, not counted against the row)."""
    status = result.status
    tries = row.attempts + 1
    if status is SendStatus.SENT:
        return DeliveryOutcome(row.id, DeliveryState.SENT, tries)
    if status is SendStatus.DEFERRED:
        wait = timedelta(seconds=result.retry_after)
        return DeliveryOutcome(
            row.id, DeliveryState.QUEUED, row.attempts, now + wait, "per-chat limit"
        )
    if status is SendStatus.RETRY_AFTER:
        wait = timedelta(seconds=result.retry_after)
        detail = f"429 retry_after={result.retry_after:g}"
        return DeliveryOutcome(row.id, DeliveryState.QUEUED, row.attempts, now + wait, detail)
    if status is SendStatus.BLOCKED:
        return DeliveryOutcome(
            row.id, DeliveryState.BLOCKED, tries, None, result.detail, row.resident_id
        )
    final = {
        SendStatus.UNREACHABLE: DeliveryState.UNREACHABLE,
        SendStatus.REFUSED: DeliveryState.FAILED,
        SendStatus.OUTSIDE_WINDOW: DeliveryState.OUTSIDE_WINDOW,
        SendStatus.QUOTA: DeliveryState.QUOTA,
    }.get(status)
    if final is not None:
        return DeliveryOutcome(row.id, final, tries, None, result.detail)
    if outage is not None:  # not counted against the row: re-queued for when it answers
        retry = now + timedelta(seconds=outage)
        detail = f"outage: {result.detail}"
        return DeliveryOutcome(row.id, DeliveryState.QUEUED, row.attempts, retry, detail)
    if tries >= retries:
        return DeliveryOutcome(
            row.id, DeliveryState.FAILED, tries, None, f"network: {result.detail}"
        )
    retry = now + timedelta(seconds=backoff(tries))
    return DeliveryOutcome(row.id, DeliveryState.QUEUED, tries, retry, f"network: {result.detail}")


def _past(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment <= now
