"""/broadcast: the commune's broadcasts with pause, resume, cancel and a new-round shortcut;
each refusal checked in the reply and the database. Also: the staff's progress message failing
to update never stops a broadcast."""

from __future__ import annotations

import pytest

from handlers.telegram import broadcast_jobs
from storage import broadcasts as bdb
from storage import deliveries as ddb
from surveys.access import Role
from surveys.delivery import DrainStatus
from tests.conftest import COMMUNE, OTHER_COMMUNE, table_counts, tg_person
from tests.handlers.test_broadcast import fake_sleep, join, launch, offers

STAFF = 900


async def staff_member(harness, uid: int = STAFF, commune: int = COMMUNE):
    await harness.services.access.grant(
        await tg_person(harness.services, uid), Role.STAFF, commune=commune
    )
    return harness.user(uid, "Cán bộ")


async def broadcast_rows(db) -> dict[str, list[tuple[object, ...]]]:
    """Every broadcast and delivery row: a refused press must leave them as they were."""
    out = {}
    for table in ("broadcasts", "deliveries", "delivery_transitions"):
        async with db.conn.execute(f"SELECT * FROM {table} ORDER BY 1") as cur:
            out[table] = [tuple(r) for r in await cur.fetchall()]
    return out


async def running(harness, clock, residents: int = 12):
    """A launched broadcast whose sender has started (status 'running'), nothing sent yet."""
    users = await join(harness, residents)
    launched = await launch(harness.services)
    async with harness.services.db.transaction() as tx:
        await bdb.set_status(tx, launched.broadcast.id, "running", clock.now)
    return users, launched.broadcast.id


async def test_pause_stops_the_sender_and_resume_sends_the_rest(harness, clock) -> None:
    users, bid = await running(harness, clock)
    staff = await staff_member(harness)
    listing = await harness.send(staff, "/broadcast")
    assert "Các lượt gửi của xã" in listing[0] and "đang gửi" in listing[0] and "0/12" in listing[0]

    paused = await harness.press(staff, f"b:p:{bid}")
    assert f"Đã tạm dừng lượt gửi {bid}" in paused[0] and "cán bộ đã tạm dừng" in paused[0]
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    drain = await broadcast_jobs.run(harness.app, bid)
    assert drain.status is DrainStatus.HELD
    assert [offers(u) for u in users] == [0] * 12
    assert await ddb.state_counts(harness.services.db.conn, bid) == {"queued": 12}
    await broadcast_jobs.housekeeping(harness.app)  # a held broadcast is not rescheduled
    assert not harness.app.job_queue.get_jobs_by_name(f"broadcast:{bid}")

    listing = await harness.send(staff, "/broadcast")
    assert "cán bộ đã tạm dừng" in listing[0]
    resumed = await harness.press(staff, f"b:r:{bid}")
    assert f"Đã gửi tiếp lượt gửi {bid}" in resumed[0]
    assert len(harness.app.job_queue.get_jobs_by_name(f"broadcast:{bid}")) == 1
    drain = await broadcast_jobs.run(harness.app, bid)
    assert drain.status is DrainStatus.DONE
    assert [offers(u) for u in users] == [1] * 12
    audit = await harness.services.db.conn.execute_fetchall(
        "SELECT action FROM audit_log WHERE action LIKE 'broadcast.%' ORDER BY id"
    )
    assert [a[0] for a in audit] == ["broadcast.hold", "broadcast.resume"]


async def test_pause_in_the_middle_stops_after_the_batches_in_flight(harness, clock) -> None:
    users, bid = await running(harness, clock)
    sender = broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))

    async def hold_after_first_batch(broadcast_id: int) -> None:
        await harness.services.broadcasts.hold(broadcast_id)

    sender.on_batch = hold_after_first_batch
    drain = await broadcast_jobs.run(harness.app, bid)
    assert drain.status is DrainStatus.HELD
    counts = await ddb.state_counts(harness.services.db.conn, bid)
    sent = sum(offers(u) for u in users)
    # Batches of 5 at 25/s, two out at once: the hold lands after the first, the second
    # was already on the wire; nothing is left 'sending' and nobody got two.
    assert counts == {"sent": sent, "queued": 12 - sent} and 0 < sent <= 10
    assert max(offers(u) for u in users) == 1


async def test_cancel_a_scheduled_one_and_launch_a_new_round_from_the_list(harness, clock) -> None:
    await join(harness, 3)
    staff = await staff_member(harness)
    launched = await launch(harness.services)  # not started: still 'scheduled'
    bid = launched.broadcast.id
    listing = await harness.send(staff, "/broadcast")
    assert "chờ gửi" in listing[0]
    buttons = [data for row in staff.last.buttons for _, data in row]
    assert buttons == [f"r:k:{bid}", "r:new"]
    cancelled = await harness.press(staff, f"r:k:{bid}")
    assert f"Đã hủy lượt gửi {bid}" in cancelled[0]
    assert (await harness.services.broadcasts.get(bid)).status == "cancelled"
    assert await ddb.state_counts(harness.services.db.conn, bid) == {"skipped": 3}

    await harness.send(staff, "/broadcast")
    wizard = await harness.press(staff, "r:new")
    assert "Bước 1/5" in wizard[0]


async def test_refusals_change_nothing(harness, clock) -> None:
    _, bid = await running(harness, clock, residents=3)
    resident = harness.user(1001, "Dân 1001")
    other = await staff_member(harness, STAFF + 1, OTHER_COMMUNE)
    staff = await staff_member(harness)
    await harness.send(staff, "/broadcast")
    rows, counts = (
        await broadcast_rows(harness.services.db),
        await table_counts(harness.services.db),
    )

    assert await harness.send(resident, "/broadcast") == [
        "Lệnh này chỉ dành cho cán bộ xã được cấp quyền."
    ]
    mine = await harness.send(other, "/broadcast")  # another commune's staff: only its own
    assert "Chưa có lượt gửi nào" in mine[0]
    for forged in ("b:p:abc", "b:x:1", f"b:p:{bid}:1", "b:p:", f"b:p:{bid};"):
        popup = await harness.press_raw(staff, forged)
        assert popup.startswith("Nút bấm này không hợp lệ")
    popup = await harness.press_raw(other, f"b:p:{bid}")
    assert popup.startswith("Bạn không có quyền với lượt gửi này")
    popup = await harness.press_raw(resident, f"b:p:{bid}")
    assert popup.startswith("Bạn không có quyền")
    popup = await harness.press_raw(staff, "b:p:999")  # no such broadcast
    assert popup.startswith("Bạn không có quyền")
    popup = await harness.press_raw(staff, f"b:r:{bid}")  # resume what is not paused
    assert popup.startswith("Không gửi tiếp được")
    assert await broadcast_rows(harness.services.db) == rows
    after = await table_counts(harness.services.db)
    # Only the refusals of the access check were recorded: staff's in the audit log, the
    # resident's in the day's counter of residents' actions.
    kept = ("audit_log", "resident_actions")
    assert {k: v for k, v in after.items() if k not in kept} == {
        k: v for k, v in counts.items() if k not in kept
    }

    await harness.press(staff, f"b:p:{bid}")
    rows = await broadcast_rows(harness.services.db)
    popup = await harness.press_raw(staff, f"b:p:{bid}")  # double tap
    assert popup.startswith("Không tạm dừng được")
    assert await broadcast_rows(harness.services.db) == rows


async def test_ended_broadcast_cannot_be_paused(harness, clock) -> None:
    await join(harness, 2)
    staff = await staff_member(harness)
    launched = await launch(harness.services)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    listing = await harness.send(staff, "/broadcast")
    assert "đã xong" in listing[0] and "2/2" in listing[0]
    assert [data for row in staff.last.buttons for _, data in row] == ["r:new"]
    rows = await broadcast_rows(harness.services.db)
    popup = await harness.press_raw(staff, f"b:p:{launched.broadcast.id}")
    assert popup.startswith("Không tạm dừng được")
    assert await broadcast_rows(harness.services.db) == rows


@pytest.mark.parametrize("kind", ["network", "429"])
async def test_a_failing_progress_edit_does_not_stop_the_broadcast(harness, clock, kind) -> None:
    users = await join(harness, 12)
    staff = await staff_member(harness)
    launched = await launch(harness.services)
    await harness.send(staff, "/progress")  # this message is then edited after a batch
    harness.sandbox.fail_next("editMessageText", 1, kind=kind)  # the first edit fails
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)
    assert drain.status is DrainStatus.DONE
    assert [offers(u) for u in users] == [1] * 12
    assert harness.sandbox.stats.errors[kind] == 1
    assert "đã xong" in staff.messages[-1].text and "12/12" in staff.messages[-1].text  # the last
