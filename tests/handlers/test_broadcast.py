"""The delivery engine through the real Application and the sandbox: rows before sending,
every transition recorded, 429/403/chat-not-found/network outcomes, /stop mid-round."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.telegram import broadcast_jobs
from storage import deliveries as ddb
from surveys.broadcasts import LaunchError, LaunchRefused
from surveys.delivery import DrainStatus
from surveys.rounds import RoundError, RoundRefused
from tests.conftest import COMMUNE, SURVEY, FakeClock, resident_of, table_counts

OFFER = "Xã đang lấy ý kiến"


async def join(harness, count: int, first: int = 1001) -> list:
    token = await harness.services.residents.join_token(COMMUNE)
    users = []
    for uid in range(first, first + count):
        user = harness.user(uid, f"Dân {uid}")
        await harness.send(user, f"/start j{token}")
        users.append(user)
    return users


def fake_sleep(clock: FakeClock, log: list[float], after=None):
    """The sender's sleep: moves the injected clock instead of waiting."""

    async def sleep(seconds: float) -> None:
        log.append(seconds)
        clock.advance(seconds=seconds)
        if after is not None:
            after()

    return sleep


async def launch(services, key: str = "k1", **kw):
    plan = await services.broadcasts.plan(COMMUNE, SURVEY, **kw)
    return await services.broadcasts.launch(plan, launch_key=key, created_by="test")


def offers(user) -> int:
    return sum(1 for m in user.messages if m.text.startswith(OFFER))


async def test_rows_exist_before_sending_and_each_resident_gets_one_message(harness, clock) -> None:
    users = await join(harness, 12)
    before = [offers(u) for u in users]
    launched = await launch(harness.services)
    counts = await ddb.state_counts(harness.services.db.conn, launched.broadcast.id)
    assert counts == {"queued": 12} and launched.recipients == 12
    assert [offers(u) for u in users] == before  # nothing sent yet

    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert drain.status is DrainStatus.DONE
    assert [offers(u) - b for u, b in zip(users, before, strict=True)] == [1] * 12
    assert await ddb.state_counts(harness.services.db.conn, launched.broadcast.id) == {"sent": 12}
    moves = await ddb.transitions(harness.services.db.conn, launched.broadcast.id)
    by_row: dict[int, list[str]] = {}
    for row, _, to, _ in moves:
        by_row.setdefault(row, []).append(to)
    assert all(path == ["queued", "sending", "sent"] for path in by_row.values())
    assert len(by_row) == 12
    status = (await harness.services.broadcasts.get(launched.broadcast.id)).status
    assert status == "done"


async def test_a_fifth_of_sends_answered_429_waits_and_loses_nobody(harness, clock) -> None:
    users = await join(harness, 20)
    before = [offers(u) for u in users]
    harness.sandbox.set_failure_rate("sendMessage", 0.2, "429", seed=7, retry_after=4)
    launched = await launch(harness.services)
    slept: list[float] = []
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, slept))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert harness.sandbox.stats.rate_limited > 0
    assert 4.0 in slept  # waited retry_after on the injected clock
    assert [offers(u) - b for u, b in zip(users, before, strict=True)] == [1] * 20
    conn = harness.services.db.conn
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"sent": 20}
    retried = [m for m in await ddb.transitions(conn, launched.broadcast.id) if "429" in m[3]]
    assert len(retried) == harness.sandbox.stats.rate_limited


async def test_blocked_user_is_marked_stopped_and_not_messaged_again(harness, clock) -> None:
    users = await join(harness, 3)
    harness.sandbox.block(users[1].id)
    launched = await launch(harness.services)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)

    conn = harness.services.db.conn
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"sent": 2, "blocked": 1}
    resident = await resident_of(harness.services, users[1].id)
    assert resident.stopped_at == clock.now
    # A reminder does not go to the resident who blocked the bot.
    reminder = await harness.services.broadcasts.remind_now(launched.round.id, "test")
    rows = await ddb.state_counts(conn, reminder.id)
    assert rows == {"queued": 2}


async def test_chat_not_found_marks_unreachable(harness, clock) -> None:
    users = await join(harness, 2)
    harness.sandbox.delete_chat(users[0].id)
    launched = await launch(harness.services)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    conn = harness.services.db.conn
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"sent": 1, "unreachable": 1}
    assert (await resident_of(harness.services, users[0].id)).stopped_at is None


async def test_network_down_for_30_seconds_then_everyone_is_reached(harness, clock) -> None:
    users = await join(harness, 5)
    before = [offers(u) for u in users]
    harness.sandbox.set_failure_rate("sendMessage", 1.0, "network")
    down_until = clock.now + timedelta(seconds=30)

    def network_back() -> None:
        if clock.now >= down_until:
            harness.sandbox.set_failure_rate("sendMessage", 0.0, "network")

    launched = await launch(harness.services)
    slept: list[float] = []
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, slept, network_back))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert slept == [1.0, 2.0, 4.0, 8.0, 16.0]  # backoff on the injected clock: 31 s
    assert [offers(u) - b for u, b in zip(users, before, strict=True)] == [1] * 5
    conn = harness.services.db.conn
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"sent": 5}


async def test_network_down_for_good_fails_nobody_and_the_round_closing_ends_it(
    harness, clock
) -> None:
    """Telegram away is not a recipient failing: rows wait (sender paused, backoff capped at
    30 s) until Telegram answers or the round closes."""
    await join(harness, 2)
    harness.sandbox.set_failure_rate("sendMessage", 1.0, "network")
    launched = await launch(harness.services, closes_at=clock.now + timedelta(minutes=10))
    slept: list[float] = []
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, slept))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)
    assert drain.status is DrainStatus.ENDED  # the round closed at its deadline
    conn = harness.services.db.conn
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"skipped": 2}
    assert max(slept) == 30.0 and sum(slept) >= 600
    moves = await ddb.transitions(conn, launched.broadcast.id)
    assert not any(to == "failed" for _, _, to, _ in moves)


async def test_stop_mid_round_skips_and_start_resubscribes(harness, clock) -> None:
    users = await join(harness, 3)
    launched = await launch(harness.services)
    replies = await harness.send(users[0], "/stop")
    assert "Đã dừng" in replies[0]
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    conn = harness.services.db.conn
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"sent": 2, "skipped": 1}
    # A stopped resident can still answer when they ask.
    asked = await harness.send(users[0], "/survey")
    assert asked and asked[-1].startswith("Câu 1/")
    await harness.send(users[0], "/start")
    assert (await resident_of(harness.services, users[0].id)).stopped_at is None


async def test_quiet_hours_pause_and_resume(harness, clock) -> None:
    users = await join(harness, 2)
    before = [offers(u) for u in users]
    clock.now = clock.now.replace(hour=15)  # 22:00 in Hà Nội
    launched = await launch(harness.services, closes_at=clock.now + timedelta(days=3))
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)
    assert drain.status is DrainStatus.PAUSED
    assert drain.wake_at == clock.now.replace(hour=0) + timedelta(days=1)  # 07:00 next day
    assert [offers(u) for u in users] == before
    stored = await harness.services.broadcasts.get(launched.broadcast.id)
    assert stored.status == "paused" and stored.resume_at == drain.wake_at

    clock.now = drain.wake_at
    assert (await broadcast_jobs.run(harness.app, launched.broadcast.id)).status is DrainStatus.DONE
    assert [offers(u) - b for u, b in zip(users, before, strict=True)] == [1, 1]


async def test_double_confirm_creates_one_broadcast(harness) -> None:
    await join(harness, 2)
    first = await launch(harness.services, key="confirm:77")
    counts = await table_counts(harness.services.db)
    again = await launch(harness.services, key="confirm:77")
    assert not again.created and again.broadcast.id == first.broadcast.id
    assert await table_counts(harness.services.db) == counts


async def test_two_staff_launching_the_same_round_at_once_make_one(harness) -> None:
    import asyncio

    await join(harness, 2)
    results = await asyncio.gather(
        launch(harness.services, key="staff-a"),
        launch(harness.services, key="staff-b"),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, RoundRefused)]
    assert len(refused) == 1 and refused[0].error is RoundError.ALREADY_OPEN
    counts = await table_counts(harness.services.db)
    assert counts["broadcasts"] == 1 and counts["rounds"] == 1 and counts["deliveries"] == 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"starts_at": "past"}, LaunchError.TIME_IN_PAST),
        ({"closes_at": "before"}, RoundError.CLOSES_BEFORE_OPENS),
        ({"survey": "khong-co"}, RoundError.UNKNOWN_SURVEY),
    ],
)
async def test_bad_launches_change_nothing(harness, clock, kwargs, error) -> None:
    await join(harness, 1)
    counts = await table_counts(harness.services.db)
    args = {}
    if kwargs.get("starts_at") == "past":
        args["starts_at"] = clock.now - timedelta(minutes=1)
    if kwargs.get("closes_at") == "before":
        args["starts_at"] = clock.now + timedelta(days=2)
        args["closes_at"] = clock.now + timedelta(days=1)
    with pytest.raises((LaunchRefused, RoundRefused)) as caught:
        await harness.services.broadcasts.plan(COMMUNE, kwargs.get("survey", SURVEY), **args)
    assert caught.value.error is error
    assert await table_counts(harness.services.db) == counts


async def test_audience_of_zero_is_refused(harness) -> None:
    counts = await table_counts(harness.services.db)
    plan = await harness.services.broadcasts.plan(COMMUNE, SURVEY)
    with pytest.raises(LaunchRefused) as caught:
        await harness.services.broadcasts.launch(plan, launch_key="x", created_by="test")
    assert caught.value.error is LaunchError.EMPTY_AUDIENCE
    assert await table_counts(harness.services.db) == counts


async def test_one_message_per_second_per_chat_across_broadcasts(harness, clock) -> None:
    users = await join(harness, 1)
    launched = await launch(harness.services)
    slept: list[float] = []
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, slept))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    reminder = await harness.services.broadcasts.remind_now(launched.round.id, "test")
    await broadcast_jobs.run(harness.app, reminder.id)  # same chat, same instant
    assert slept == [1.0]
    moves = await ddb.transitions(harness.services.db.conn, reminder.id)
    assert [m[2:] for m in moves] == [
        ("queued", ""),
        ("sending", ""),
        ("queued", "per-chat limit"),
        ("sending", ""),
        ("sent", ""),
    ]
    assert users[0].messages[-1].text.startswith("Nhắc nhẹ")
