"""Faults that used to lose recipients (issue 18), injected through the sandbox and the
database, on the injected clock: a 150 s outage, a refused database write mid-batch, a crash
loop, and residents who finished the round before their invitation went out."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from handlers.telegram import broadcast_jobs
from storage import deliveries as ddb
from surveys.delivery import DrainStatus
from tests.conftest import FakeClock, resident_of
from tests.handlers.test_broadcast import fake_sleep, join, launch, offers
from tests.handlers.test_survey import SCALE_4

CONTINUE = "Tiếp tục khảo sát"


async def test_outage_of_150_seconds_pauses_the_sender_and_fails_nobody(harness, clock) -> None:
    users = await join(harness, 30)
    before = [offers(u) for u in users]
    harness.sandbox.set_failure_rate("sendMessage", 1.0, "network")
    down_until = clock.now + timedelta(seconds=150)

    def telegram_back() -> None:
        if clock.now >= down_until:
            harness.sandbox.set_failure_rate("sendMessage", 0.0, "network")

    launched = await launch(harness.services)
    slept: list[float] = []
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, slept, telegram_back))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert drain.status is DrainStatus.DONE
    assert [offers(u) - b for u, b in zip(users, before, strict=True)] == [1] * 30
    conn = harness.services.db.conn
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"sent": 30}
    moves = await ddb.transitions(conn, launched.broadcast.id)
    assert not any(to == "failed" for _, _, to, _ in moves)
    assert any(detail.startswith("outage") for *_, detail in moves)
    # Backoff capped at 30 s: sending resumed within 30 s of Telegram coming back.
    assert max(slept) <= 30.0
    assert clock.now - down_until <= timedelta(seconds=30)


async def test_refused_database_write_keeps_the_batch_outcomes_until_accepted(
    harness, clock
) -> None:
    """The database turns read-only (as when the disk is full) right after the first batch's
    calls, a 403 among them: its outcomes wait in memory, nothing is marked done meanwhile,
    and once writes work again every outcome is written (the 403 marks the resident)."""
    users = await join(harness, 12)
    harness.sandbox.block(users[2].id)
    launched = await launch(harness.services)
    conn = harness.services.db.conn
    refused: list[object] = []
    status_while_refused: list[str] = []

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)
        if refused:
            status_while_refused.append(
                (await harness.services.broadcasts.get(launched.broadcast.id)).status
            )
        if refused and clock.now - refused[0] >= timedelta(seconds=40):
            await conn.execute("PRAGMA query_only = OFF")
            refused.clear()

    sender = broadcast_jobs.install(harness.app, sleep=sleep)
    real = sender.transports["telegram"]

    async def transport(row, content):
        result = await real(row, content)
        if row.chat_id == users[4].id:  # the last call of the first batch (5 per batch)
            await conn.execute("PRAGMA query_only = ON")
            refused.append(clock.now)
        return result

    sender.transports = {"telegram": transport}
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert drain.status is DrainStatus.DONE
    assert status_while_refused and "done" not in status_while_refused
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"sent": 11, "blocked": 1}
    assert (await resident_of(harness.services, users[2].id)).stopped_at is not None
    assert all(offers(u) == 1 for u in users if u is not users[2])


async def _kill_mid_batch(harness, broadcast_id: int, in_flight: int) -> None:
    """One life of the bot: the calls go out, and it dies before writing their outcomes."""
    sender = broadcast_jobs.install(harness.app, sleep=lambda s: asyncio.sleep(0))
    real = sender.transports["telegram"]
    never = asyncio.Event()

    async def transport(row, content):
        await real(row, content)
        await never.wait()  # the kill -9 lands here, after the message went out
        raise AssertionError("unreachable")

    sender.transports = {"telegram": transport}
    task = asyncio.create_task(broadcast_jobs.run(harness.app, broadcast_id))
    await harness.sandbox.wait_for(
        lambda: len(harness.sandbox.calls_to("sendMessage")) >= in_flight, what="batches out"
    )
    while not task.done():  # the drain's cleanup waits for its batches: cancel those too
        task.cancel()
        await asyncio.sleep(0)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()


async def test_a_crash_loop_sends_a_row_in_flight_again_at_most_once(harness, clock) -> None:
    users = await join(harness, 12)
    before = [offers(u) for u in users]
    launched = await launch(harness.services)
    conn = harness.services.db.conn
    for _ in range(4):  # four quick kills, each with the first rows left in flight
        waiting, _ = await ddb.queued(conn, launched.broadcast.id)
        harness.sandbox.calls.clear()
        await _kill_mid_batch(harness, launched.broadcast.id, min(10, waiting))
        await harness.services.broadcasts.recover()  # what the next start does first
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert drain.status in (DrainStatus.DONE, DrainStatus.ENDED)
    got = [offers(u) - b for u, b in zip(users, before, strict=True)]
    assert max(got) <= 2 and min(got) >= 1  # nobody lost, nobody sent a third time
    counts = await ddb.state_counts(conn, launched.broadcast.id)
    assert counts.get("unknown", 0) == got.count(2) > 0
    assert counts.get("unknown", 0) + counts.get("sent", 0) == 12
    detail = await harness.services.db.conn.execute(
        "SELECT DISTINCT detail FROM deliveries WHERE state = 'unknown'"
    )
    assert [r[0] for r in await detail.fetchall()] == [
        "in flight at a second restart: not sent again"
    ]


async def test_invitation_skips_who_finished_and_asks_the_half_way_to_continue(
    harness, clock: FakeClock
) -> None:
    done_user, half, fresh = await join(harness, 3)
    launched = await launch(harness.services)
    await harness.send(done_user, "/survey")
    for _ in range(11):
        await harness.press(done_user, SCALE_4)
    await harness.press(done_user, "Có")
    await harness.press(done_user, "Bỏ qua")
    await harness.send(half, "/survey")
    await harness.press(half, SCALE_4)
    await harness.press(half, SCALE_4)
    before = {u.id: len(u.messages) for u in (done_user, half, fresh)}

    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert len(done_user.messages) == before[done_user.id]  # nothing for who finished
    assert fresh.messages[-1].text.startswith("Xã đang lấy ý kiến")
    note = half.messages[-1]
    assert "Bạn đã trả lời 2/13 câu" in note.text and note.labels() == [CONTINUE]
    conn = harness.services.db.conn
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"sent": 2, "skipped": 1}
    rows = await conn.execute("SELECT resident_id, detail FROM deliveries WHERE state = 'skipped'")
    ((resident_id, detail),) = await rows.fetchall()
    assert detail == "finished"
    assert resident_id == (await resident_of(harness.services, done_user.id)).id
    replies = await harness.press(half, CONTINUE)
    assert replies[-1].startswith("Câu 3/13")
