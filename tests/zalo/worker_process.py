"""A Zalo inbox worker in a process of its own, for the kill -9 test:
``python -m tests.zalo.worker_process DB_PATH SANDBOX_URL``. Prints "ready" once started."""

from __future__ import annotations

import asyncio
import sys

from handlers.zalo.client import ClientSettings
from handlers.zalo.clients import ZaloClients
from handlers.zalo.worker import ZaloWorker
from surveys.services import Services


async def main(db_path: str, url: str) -> None:
    services = await Services.open(db_path)
    settings = ClientSettings(api_url=url, oauth_url=url, rate=1000.0, retries=3, backoff=2.0)
    clients = ZaloClients(services.env, settings)
    worker = ZaloWorker(services, clients, poll_interval=0.05)
    await worker.start()
    print("ready", flush=True)
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
