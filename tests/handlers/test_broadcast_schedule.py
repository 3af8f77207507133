"""Schedules from the database at start, blackout dates, reminders, results, staff commands."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.telegram import broadcast_jobs
from storage import deliveries as ddb
from surveys.access import Role
from surveys.delivery import DrainStatus
from surveys.env import Settings
from surveys.quiet import blocked_until, this_evening
from tests.conftest import COMMUNE, OTHER_COMMUNE, table_counts, tg_person
from tests.handlers.test_broadcast import fake_sleep, join, launch

STAFF = 700
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_quiet_hours_and_blackout_dates() -> None:
    from datetime import UTC, datetime

    settings = Settings(blackout_dates=frozenset({date(2027, 2, 6), date(2027, 2, 7)}))
    noon = datetime(2027, 2, 5, 5, 0, tzinfo=UTC)  # 12:00 in Hà Nội
    assert blocked_until(noon, settings) is None
    late = datetime(2027, 2, 5, 15, 30, tzinfo=UTC)  # 22:30, and then two days of Tết
    assert blocked_until(late, settings) == datetime(2027, 2, 8, 0, 0, tzinfo=UTC)  # 07:00 8/2
    early = datetime(2027, 3, 1, 22, 0, tzinfo=UTC)  # 05:00 on 2/3
    assert blocked_until(early, settings) == datetime(2027, 3, 2, 0, 0, tzinfo=UTC)
    none = Settings(quiet_start=datetime.min.time(), quiet_end=datetime.min.time())
    assert blocked_until(late, none) is None
    assert this_evening(noon, settings) == datetime(2027, 2, 5, 12, 0, tzinfo=UTC)  # 19:00


async def test_start_requeues_in_flight_rows_and_schedules_unfinished(harness, clock) -> None:
    await join(harness, 3)
    launched = await launch(harness.services)
    conn = harness.services.db
    async with conn.transaction() as tx:
        claimed = await ddb.claim(tx, launched.broadcast.id, 2, clock.now)
    assert len(claimed) == 2  # as if the bot died with these calls in flight

    await broadcast_jobs.restore(harness.app)

    states = await ddb.state_counts(conn.conn, launched.broadcast.id)
    assert states == {"queued": 3}
    moves = await ddb.transitions(conn.conn, launched.broadcast.id)
    assert [m[1:3] for m in moves if m[3] == "restart"] == [("sending", "queued")] * 2
    jobs = harness.app.job_queue.get_jobs_by_name(f"broadcast:{launched.broadcast.id}")
    assert len(jobs) == 1


async def test_missed_broadcast_of_a_closed_round_expires(harness, clock) -> None:
    users = await join(harness, 2)
    before = [len(u.messages) for u in users]
    launched = await launch(harness.services, closes_at=clock.now + timedelta(hours=1))
    clock.advance(hours=2)  # the bot was down past the round's close
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)
    assert drain.status is DrainStatus.ENDED
    conn = harness.services.db.conn
    assert await ddb.state_counts(conn, launched.broadcast.id) == {"skipped": 2}
    assert (await harness.services.broadcasts.get(launched.broadcast.id)).status == "expired"
    assert [len(u.messages) for u in users] == before


async def test_a_blackout_date_pauses_a_broadcast(harness, clock) -> None:
    harness.services.env.settings = Settings(
        bot_username="ykien_test_bot", blackout_dates=frozenset({clock.now.date()})
    )
    await join(harness, 1)
    launched = await launch(harness.services, closes_at=clock.now + timedelta(days=5))
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)
    assert drain.status is DrainStatus.PAUSED
    assert drain.wake_at == clock.now.replace(hour=0) + timedelta(days=1)  # 07:00 tomorrow
    assert harness.app.job_queue.get_jobs_by_name(f"broadcast:{launched.broadcast.id}")


async def test_automatic_reminders_then_the_result_after_close(harness, clock) -> None:
    users = await join(harness, 6)
    launched = await launch(harness.services, closes_at=clock.now + timedelta(days=7))
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    # Five residents answer everything; one does not.
    for user in users[:5]:
        await harness.press(user, "Bắt đầu khảo sát")
        while True:
            last = user.messages[-1]
            labels = [text for row in last.buttons for text, _ in row]
            choice = next(
                (t for t in labels if t in ("4 · Hài lòng", "Có", "Bỏ qua")),
                labels[0] if labels else None,
            )
            if not last.text.startswith("Câu ") or choice is None:
                break
            await harness.press(user, choice, last)

    assert await broadcast_jobs.housekeeping(harness.app) == []  # not yet two days
    clock.advance(days=2, minutes=1)
    first = await broadcast_jobs.housekeeping(harness.app)
    conn = harness.services.db.conn
    unfinished = await ddb.state_counts(conn, first[0])
    assert len(first) == 1 and unfinished == {"queued": 1}
    await broadcast_jobs.run(harness.app, first[0])
    assert users[5].messages[-1].text.startswith("Nhắc nhẹ")
    clock.advance(days=2, minutes=1)
    second = await broadcast_jobs.housekeeping(harness.app)
    await broadcast_jobs.run(harness.app, second[0])
    clock.advance(days=2, minutes=1)
    assert await broadcast_jobs.housekeeping(harness.app) == []  # at most two

    clock.advance(days=2)  # the round closes
    result = await broadcast_jobs.housekeeping(harness.app)
    assert len(result) == 1
    await broadcast_jobs.run(harness.app, result[0])
    for user in users[:5]:
        assert user.messages[-1].text.startswith("Cảm ơn ông/bà đã trả lời")
        assert "Hài lòng chung" in user.messages[-1].text
    assert not users[5].messages[-1].text.startswith("Cảm ơn")
    assert await broadcast_jobs.housekeeping(harness.app) == []  # once


async def test_result_suppressed_below_k(harness, clock) -> None:
    await join(harness, 2)
    launched = await launch(harness.services, closes_at=clock.now + timedelta(days=1))
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    clock.advance(days=2)
    assert await broadcast_jobs.housekeeping(harness.app) == []


async def test_progress_and_remind_for_staff(harness, clock) -> None:
    await join(harness, 3)
    staff = harness.user(STAFF, "Cán bộ")
    await harness.services.access.grant(
        await tg_person(harness.services, STAFF), Role.STAFF, commune=COMMUNE
    )
    launched = await launch(harness.services)
    shown = await harness.send(staff, "/progress")
    assert "chờ gửi" in shown[0] and "0/3" in shown[0]
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    assert "đã xong" in staff.messages[-1].text and "3/3" in staff.messages[-1].text
    assert staff.messages[-1].edited

    reply = await harness.send(staff, "/remind")
    assert "tới 3 người" in reply[0]
    bad = await harness.send(staff, "/remind abc")
    assert bad and "abc" not in bad[0]


async def test_remind_on_a_closed_round_is_refused(harness, clock) -> None:
    await join(harness, 3)
    staff = harness.user(STAFF, "Cán bộ")
    await harness.services.access.grant(
        await tg_person(harness.services, STAFF), Role.STAFF, commune=COMMUNE
    )
    launched = await launch(harness.services)
    await harness.services.rounds.close(launched.round.id)
    before = await table_counts(harness.services.db)
    reply = await harness.send(staff, f"/remind {launched.round.id}")
    assert reply == [
        f"Đợt 1 năm 2026 (mã đợt {launched.round.id}) không còn mở nên không gửi nhắc được: "
        "người dân không thể trả lời nữa. Gõ /rounds để xem các đợt."
    ]
    assert await table_counts(harness.services.db) == before


async def test_other_communes_staff_is_refused(harness, clock) -> None:
    await join(harness, 2)
    launched = await launch(harness.services)
    other = harness.user(STAFF + 1, "Cán bộ khác")
    await harness.services.access.grant(
        await tg_person(harness.services, STAFF + 1), Role.STAFF, commune=OTHER_COMMUNE
    )
    before = await table_counts(harness.services.db)
    for command in ("/progress", "/remind"):
        reply = await harness.send(other, f"{command} {launched.round.id}")
        assert reply == ["Lệnh này chỉ dành cho cán bộ xã được cấp quyền."]
    after = await table_counts(harness.services.db)
    assert after == {**before, "audit_log": before["audit_log"] + 2}  # the refusals, audited
    log = await harness.services.access.audit_log()
    assert [e.outcome for e in log[-2:]] == ["refused", "refused"]


async def test_progress_shows_the_end_after_the_night(harness, clock) -> None:
    await join(harness, 3)
    staff = harness.user(STAFF, "Cán bộ")
    await harness.services.access.grant(
        await tg_person(harness.services, STAFF), Role.STAFF, commune=COMMUNE
    )
    env = harness.services.env
    env.settings = dataclasses.replace(env.settings, broadcast_rate=3 / (7200))
    clock.now = datetime(2026, 11, 23, 20, 30, tzinfo=VN)
    launched = await launch(harness.services)

    progress = await harness.services.broadcasts.progress(launched.broadcast.id)
    assert progress.finishes_at == datetime(2026, 11, 24, 8, 30, tzinfo=VN)
    shown = await harness.send(staff, "/progress")
    assert "Dự kiến gửi xong lúc 08:30 24/11/2026" in shown[0]
