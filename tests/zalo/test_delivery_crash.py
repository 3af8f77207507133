"""kill -9 in the middle of a broadcast to Zalo residents: the restarted sender resumes, every
recipient gets the round, and only the rows in flight at the kill may get it twice."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.zalo_residents import connect_sandbox
from bot.zalo_sandbox import ZaloSandbox, ZaloSandboxServer
from storage import deliveries as ddb
from storage.people import Channel
from surveys.people import zalo_address
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY
from tests.zalo.delivery_support import add_person

RECIPIENTS = 200
FIRST = 8_800_000_000_000_000_000
WAIT = 30.0  # a safety net for each wait
OFFER = "Xã đang lấy ý kiến"


async def _prepare(db_path: Path, zalo: ZaloSandbox) -> int:
    services = await Services.open(str(db_path))
    try:
        await connect_sandbox(services.env, zalo)
        for i in range(RECIPIENTS):
            uid = str(FIRST + i)
            zalo.follow(uid)
            await add_person(services, Channel.ZALO, zalo_address(zalo.oa_id, uid), f"Dân {i}")
        now = services.env.now()
        plan = await services.broadcasts.plan(COMMUNE, SURVEY, closes_at=now + timedelta(days=7))
        launched = await services.broadcasts.launch(plan, launch_key="crash", created_by="test")
    finally:
        await services.close()
    return launched.broadcast.id


async def _states(db_path: Path, broadcast_id: int) -> dict[str, dict[str, int]]:
    services = await Services.open(str(db_path))
    try:
        return await ddb.channel_counts(services.db.conn, broadcast_id)
    finally:
        await services.close()


async def _sender(db_path: Path, url: str, broadcast_id: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.zalo.sender_process", str(db_path), url, str(broadcast_id),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _until(condition: object, proc: asyncio.subprocess.Process) -> None:
    """Waits (polling the sandbox, which runs in this process) until `condition()` holds."""
    deadline = time.monotonic() + WAIT
    while not condition():  # type: ignore[operator]
        assert proc.returncode is None, "the sender exited before the kill"
        assert time.monotonic() < deadline, "the sender sent too little in time"
        await asyncio.sleep(0.01)


async def test_kill_9_mid_broadcast_to_zalo_residents_loses_nobody(tmp_path: Path) -> None:
    db_path = tmp_path / "ykien.db"
    zalo = ZaloSandbox()  # real time: the sender runs in another process
    async with ZaloSandboxServer(zalo) as server:
        broadcast_id = await _prepare(db_path, zalo)
        first = await _sender(db_path, server.url, broadcast_id)
        await _until(lambda: len(zalo.sent) >= RECIPIENTS // 2, first)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        at_kill = await _states(db_path, broadcast_id)
        in_flight = at_kill["zalo"].get("sending", 0)
        assert at_kill["zalo"].get("queued", 0) > 0, "the kill came too late to test anything"

        second = await _sender(db_path, server.url, broadcast_id)
        out, _ = await asyncio.wait_for(second.communicate(), WAIT)
        assert second.returncode == 0 and out.decode().strip() == "done"

    got = Counter(m.user_id for m in zalo.sent if m.text.startswith(OFFER))
    assert len(got) == RECIPIENTS, "a recipient was lost"
    assert sum(n - 1 for n in got.values()) <= in_flight
    assert await _states(db_path, broadcast_id) == {"zalo": {"sent": RECIPIENTS}}
