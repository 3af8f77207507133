"""kill -9 at half of a broadcast: the restarted bot resumes by itself; every recipient gets
the round, and only the rows in flight at the kill ('sending') may get it twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.process import BotProcess
from bot.sandbox import Sandbox, SandboxServer
from storage import deliveries as ddb
from surveys.access import Role
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY, tg_person

RECIPIENTS = 200
RATE = "50"  # messages/s: the broadcast takes about 4 s, so the kill lands in the middle
STAFF = 900
FIRST = 5000
WAIT = 30.0  # a safety net; every wait ends on a sandbox event
ENV = {"YKIEN_BROADCAST_RATE": RATE, "YKIEN_QUIET_HOURS": "00:00-00:00"}


async def _prepare(db_path: Path) -> int:
    services = await Services.open(str(db_path))
    try:
        for uid in range(FIRST, FIRST + RECIPIENTS):
            await services.residents.join(await tg_person(services, uid), f"Dân {uid}", COMMUNE)
        await services.access.grant(await tg_person(services, STAFF), Role.STAFF, commune=COMMUNE)
        plan = await services.broadcasts.plan(
            COMMUNE, SURVEY, closes_at=services.env.now() + timedelta(days=7)
        )
        launched = await services.broadcasts.launch(plan, launch_key="crash", created_by="test")
    finally:
        await services.close()
    return launched.broadcast.id


async def _states(db_path: Path, broadcast_id: int) -> dict[str, int]:
    services = await Services.open(str(db_path))
    try:
        return await ddb.state_counts(services.db.conn, broadcast_id)
    finally:
        await services.close()


async def test_kill_9_at_half_a_broadcast_then_resume(tmp_path: Path) -> None:
    db_path = tmp_path / "ykien.db"
    broadcast_id = await _prepare(db_path)
    sandbox = Sandbox()
    users = [sandbox.user(uid, f"Dân {uid}") for uid in range(FIRST, FIRST + RECIPIENTS)]
    staff = sandbox.user(STAFF, "Cán bộ")

    def delivered() -> int:
        return sum(1 for u in users for m in u.messages if m.text.startswith("Xã đang lấy ý kiến"))

    async with SandboxServer(sandbox) as server:
        bot = BotProcess(sandbox, server.api_url, db_path, extra_env=ENV)
        await bot.start()  # post_init schedules the broadcast; nobody asks it to send
        await sandbox.wait_for(lambda: delivered() >= RECIPIENTS // 2, timeout=WAIT)
        await bot.kill()
        at_kill = await _states(db_path, broadcast_id)
        in_flight = at_kill.get("sending", 0)
        assert at_kill.get("queued", 0) > 0, "the kill came too late to test anything"

        restarted = BotProcess(sandbox, server.api_url, db_path, extra_env=ENV)
        await restarted.start()
        staff.send("/progress")
        await sandbox.wait_for(
            lambda: any("đã xong" in m.text for m in staff.messages), timeout=WAIT
        )
        await restarted.stop()

    counts = [sum(1 for m in u.messages if m.text.startswith("Xã đang lấy ý kiến")) for u in users]
    assert min(counts) == 1, "a recipient was lost"
    duplicates = sum(c - 1 for c in counts)
    assert duplicates <= in_flight
    assert await _states(db_path, broadcast_id) == {"sent": RECIPIENTS}
