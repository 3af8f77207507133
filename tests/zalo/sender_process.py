"""A process that drains one broadcast with the real sender and the real Zalo transport, for
the kill -9 test: the same code `ykien run` drains with once the process wiring registers
the Zalo transport (handlers.zalo.delivery.register), on a file database.

    python -m tests.zalo.sender_process DB ZALO_API_URL BROADCAST_ID
"""

from __future__ import annotations

import asyncio
import sys
from datetime import time

from handlers.zalo import delivery as zalo_delivery
from handlers.zalo.client import ClientSettings
from handlers.zalo.clients import ZaloClients
from surveys.delivery import Sender
from surveys.env import Settings
from surveys.services import Services

RATE = 50.0  # messages/s: 200 recipients take about 4 s, so a kill lands in the middle


async def main(db_path: str, api_url: str, broadcast_id: int) -> None:
    settings = Settings(broadcast_rate=RATE, quiet_start=time(0), quiet_end=time(0))
    services = await Services.open(db_path, settings=settings)
    client_settings = ClientSettings(api_url=api_url, oauth_url=api_url, rate=2 * RATE)
    clients = ZaloClients(services.env, client_settings)
    try:
        zalo_delivery.register(services.outbox, clients)
        await services.broadcasts.recover()  # as restore() does at start
        sender = Sender(services.env, services.broadcasts, services.outbox.transports)
        print((await sender.drain(broadcast_id)).status.value, flush=True)
    finally:
        await clients.close()
        await services.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
