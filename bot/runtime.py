"""Background work of `ykien run` not tied to Telegram, in every mode (polling, webhook, the
web channel alone): the daily retention pass, the Zalo clients, the scheduled token refresh,
and pluggable workers; and, before any of it, the freeze of the objects made at start-up
(`freeze_startup_objects`).

A worker is made from the Services and the Zalo clients and has ``start()`` and ``stop()``
(coroutines); one that also has ``wake()`` is woken by the Zalo webhook after each new event
is committed. The workers every process runs are listed once, in WORKERS: adding one (the Zalo
inbox worker, the Zalo broadcast sender) is one line there.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from bot import log_filter
from bot.config import Config
from bot.runtime_refresh import TokenRefresher
from bot.runtime_retention import RetentionJob
from handlers.zalo import delivery as zalo_delivery
from handlers.zalo.client import API_URL, OAUTH_URL, ClientSettings
from handlers.zalo.clients import ZaloClients
from handlers.zalo.worker import ZaloWorker
from surveys.services import Services
from surveys.zalo_tokens import mask_secrets

log = logging.getLogger(__name__)


class Worker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class Wakeable(Protocol):
    def wake(self) -> None: ...


WorkerFactory = Callable[[Services, ZaloClients], Worker]


# The workers of every `ykien run`, started in this order after the Zalo clients and stopped in
# the reverse order, e.g. `lambda services, clients: ZaloWorker(services, clients),`.
def zalo_channel(services: Services, clients: ZaloClients) -> Worker:
    """The Zalo channel: broadcasts and staff answers reach Zalo residents through the OA
    clients (the outbox's Zalo ports), and the inbox worker answers what they send."""
    zalo_delivery.register(services.outbox, clients)
    return ZaloWorker(services, clients)


WORKERS: tuple[WorkerFactory, ...] = (zalo_channel,)


def client_settings(config: Config) -> ClientSettings:
    """The Zalo clients' settings from YKIEN_ZALO_API_URL, _OAUTH_URL and _RATE."""
    defaults = ClientSettings()
    return ClientSettings(
        api_url=config.zalo_api_url or API_URL,
        oauth_url=config.zalo_oauth_url or OAUTH_URL,
        rate=config.zalo_rate or defaults.rate,
    )


def freeze_startup_objects() -> None:
    """Moves every object alive now (the imported modules, their classes and tables: most of
    the heap, and alive until the process ends) out of the garbage collector's sight. Each full
    collection walked them all again, pausing the database thread in the middle of a group of
    answers; with them frozen it walks only what requests have made since."""
    gc.collect()
    gc.freeze()


class Runtime:
    """Starts and stops the process's background work around its Services."""

    def __init__(
        self,
        services: Services,
        config: Config,
        *,
        workers: Sequence[WorkerFactory] = WORKERS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.services, self.config = services, config
        env = services.env
        # Every secret and token a client loads or receives is masked in the log from then on.
        self.clients = ZaloClients(
            env, client_settings(config), sleep=sleep, mask=log_filter.add_secret
        )
        self.refresher = TokenRefresher(env, self.clients, sleep=sleep)
        self.retention = RetentionJob(services.privacy, sleep=sleep)
        self._factories = tuple(workers)
        self.workers: list[Worker] = []

    async def start(self) -> None:
        held = await mask_secrets(self.services.env, log_filter.add_secret)
        if held and self.config.web_listen is None:
            log.warning("Zalo: %d OA connected but no --web-listen: no Zalo event arrives", held)
        self.retention.start()
        self.refresher.start()
        for make in self._factories:
            worker = make(self.services, self.clients)
            await worker.start()
            self.workers.append(worker)

    def wake(self) -> None:
        """A new Zalo event is in the inbox: the workers that wait for one look now."""
        for worker in self.workers:
            if isinstance(worker, Wakeable):
                worker.wake()

    async def stop(self) -> None:
        """Stops the workers (the last started first), then the refresh and the retention
        pass, then the clients; one worker failing to stop does not keep the others running."""
        while self.workers:
            worker = self.workers.pop()
            try:
                await worker.stop()
            except Exception:
                log.exception("background worker %s failed to stop", type(worker).__name__)
        await self.refresher.stop()
        await self.retention.stop()
        await self.clients.close()
