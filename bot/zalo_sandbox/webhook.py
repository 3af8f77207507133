"""Webhook delivery as Zalo does it: signed JSON POSTs, retried when not acknowledged in time.

Zalo waits about 2 s for a 2xx, retries a failed delivery (30 s, 5 min, 15 min, 30 min, 1 h)
and then disables the webhook; the sandbox keeps the number of retries and shortens the
delays (``retry_delays``, real seconds, 0 in tests). In the background (:meth:`start`) it can
deliver several events at once, as Zalo does for many users; each acknowledgement's time is
kept (``log.acks``, real seconds) for the benchmark. Faults on purpose: the next events
delivered twice (:meth:`duplicate_next`), acknowledged "too late" so that Zalo retries
(:meth:`slow_next`), and forged or unsigned requests (:meth:`post_forged`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp

from bot.zalo_sandbox.events import SIGNATURE_HEADER, Event, signature

if TYPE_CHECKING:
    from bot.zalo_sandbox.core import ZaloSandbox

log = logging.getLogger(__name__)
ZALO_RETRIES = (30.0, 300.0, 900.0, 1800.0, 3600.0)  # Zalo's schedule [S]
FORGED = "mac=" + "0" * 64


@dataclass
class DeliveryLog:
    """What happened to each attempt, for assertions."""

    delivered: list[Event] = field(default_factory=list)  # each 2xx, duplicates included
    failures: list[str] = field(default_factory=list)  # one reason per failed attempt
    abandoned: list[Event] = field(default_factory=list)  # every retry failed: webhook disabled
    acks: list[float] = field(default_factory=list)  # seconds from POST to 2xx, each delivery


class WebhookPusher:
    """Holds the events the OA's users produced and POSTs them to the registered URL."""

    def __init__(
        self,
        sandbox: ZaloSandbox,
        *,
        ack_timeout: float = 2.0,
        retry_delays: Sequence[float] = (0.2,) * len(ZALO_RETRIES),
    ) -> None:
        self.sandbox = sandbox
        self.url: str | None = None
        self.ack_timeout = ack_timeout
        self.retry_delays = tuple(retry_delays)
        self.log = DeliveryLog()
        self.queue: deque[Event] = deque()
        self._duplicate = 0
        self._slow = 0
        self._wake: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None

    def register(self, url: str) -> None:
        """The OA's webhook URL (on Zalo: set in the developer console, HTTPS)."""
        self.url = url

    def duplicate_next(self, events: int = 1) -> None:
        self._duplicate += events

    def slow_next(self, events: int = 1) -> None:
        """The next ``events`` acknowledgements count as later than Zalo waits: retried."""
        self._slow += events

    def queue_event(self, event: Event) -> Event:
        self.queue.append(event)
        if self._wake is not None:
            self._wake.set()
        return event

    async def flush(self) -> None:
        """Delivers every queued event now, in the caller's task (tests: no background timing)."""
        while self.queue and self.url:
            await self._deliver(self.queue.popleft())

    def start(self, concurrency: int = 1) -> None:
        """Deliver in the background as events come (the standalone sandbox, the demo), up to
        ``concurrency`` at once (one user's next event waits for the reply in simulations)."""
        if not any(not t.done() for t in self._tasks):
            self._wake = asyncio.Event()
            loop = asyncio.get_running_loop()
            self._tasks = [loop.create_task(self._run()) for _ in range(max(1, concurrency))]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self.flush()
            self._wake.clear()
            if not self.queue or not self.url:
                await self._wake.wait()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def post(self, event: Event, header: str | None) -> int | str:
        """One POST of ``event`` with ``header`` as its signature: the status, or why none."""
        if self.url is None:
            raise RuntimeError("no webhook URL registered")
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers[SIGNATURE_HEADER] = header
        timeout = aiohttp.ClientTimeout(total=self.ack_timeout)
        try:
            async with self._client().post(
                self.url, data=event.raw.encode(), headers=headers, timeout=timeout
            ) as resp:
                return resp.status
        except TimeoutError:
            return f"no answer within {self.ack_timeout:g} s"
        except aiohttp.ClientError as exc:
            return f"connection failed: {type(exc).__name__}"

    async def post_forged(self, event: Event, header: str | None = FORGED) -> int | str:
        """An attacker's request: ``event`` with a wrong (or, with None, no) signature."""
        return await self.post(event, header)

    def signed(self, event: Event) -> str:
        sb = self.sandbox
        return signature(sb.app_id, event.raw, str(event.body["timestamp"]), sb.oa_secret)

    async def _deliver(self, event: Event) -> None:
        header = self.signed(event)
        for delay in (0.0, *self.retry_delays):
            if delay:
                await asyncio.sleep(delay)
            started = time.perf_counter()
            status = await self.post(event, header)
            took = time.perf_counter() - started
            if isinstance(status, int) and 200 <= status < 300 and self._slow:
                self._slow -= 1
                status = f"acknowledged after more than {self.ack_timeout:g} s"
            if isinstance(status, int) and 200 <= status < 300:
                self.log.delivered.append(event)
                self.log.acks.append(took)
                if self._duplicate:
                    self._duplicate -= 1
                    again = await self.post(event, header)
                    if isinstance(again, int) and 200 <= again < 300:
                        self.log.delivered.append(event)
                return
            reason = f"HTTP {status}" if isinstance(status, int) else status
            self.log.failures.append(reason)
            log.warning("zalo sandbox: webhook delivery of %s failed: %s", event.name, reason)
        self.log.abandoned.append(event)
        log.error(
            "zalo sandbox: webhook disabled after %d failed deliveries", len(self.retry_delays) + 1
        )
        self.url = None
