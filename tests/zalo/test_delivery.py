"""One broadcast to a commune on Telegram, Zalo and the web, through the real adapters and
both sandboxes: who gets what, what the preview and progress say, and Zalo's faults."""

from __future__ import annotations

from handlers.telegram import broadcast_jobs
from handlers.views.texts import render
from storage import deliveries as ddb
from storage import people as people_db
from storage.people import Channel
from surveys.access import Role
from surveys.delivery import DrainStatus
from surveys.late_delivery import Late
from surveys.people import zalo_address
from surveys.services import Services
from tests.conftest import COMMUNE, FakeClock, tg_person
from tests.handlers.conftest import Harness
from tests.handlers.test_broadcast import fake_sleep
from tests.zalo.delivery_support import (
    IN_WINDOW,
    OUTSIDE,
    TELEGRAM,
    Commune,
    launch,
    zalo_writes,
)  # fmt: skip

STAFF = 900
OFFER = "Xã đang lấy ý kiến"


async def _states(services: Services, broadcast_id: int) -> dict[str, dict[str, int]]:
    return await ddb.channel_counts(services.db.conn, broadcast_id)


async def test_preview_counts_each_channel_and_the_web_households(commune: Commune) -> None:
    plan, _ = await launch(commune.services)
    reach = plan.reach
    assert (reach.telegram, reach.zalo_in_window, reach.zalo_outside, reach.link_only) == (
        3, 2, 1, 3,
    )  # fmt: skip
    text = render(
        "staff_wizard.html", step="preview", plan=plan, now=commune.services.env.now(),
        tz=commune.services.settings.timezone,
    )  # fmt: skip
    assert "Telegram: 3" in text
    assert "Zalo: 2 trong hạn 7 ngày, 1 ngoài hạn" in text
    assert "Web/giấy: 3 hộ (chỉ qua đường link hoặc phiếu giấy)" in text


async def test_one_broadcast_reaches_each_person_on_their_channel(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    services = commune.services
    plan, launched = await launch(services)
    assert plan.recipients == 9  # everybody of the commune, messageable or not
    assert launched.recipients == plan.reach.messageable == 6  # one row per messageable person
    rows = await _states(services, launched.broadcast.id)
    assert rows == {"telegram": {"queued": 3}, "zalo": {"queued": 3}}  # no web or paper row

    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert drain.status is DrainStatus.DONE
    assert await _states(services, launched.broadcast.id) == {
        "telegram": {"sent": 3},
        "zalo": {"sent": 2, "outside_window": 1},
    }
    for uid in TELEGRAM:
        user = harness.sandbox.user(uid)
        assert sum(m.text.startswith("Xã đang lấy ý kiến") for m in user.messages) == 1
    for uid in IN_WINDOW:
        [message] = commune.zalo.messages_to(uid)
        assert message.text.startswith("Xã đang lấy ý kiến") and "<b>" not in message.text
        assert [(b["title"], b["payload"]) for b in message.buttons] == [
            ("Bắt đầu khảo sát", "yk:go")
        ]
    assert commune.zalo.messages_to(OUTSIDE[0]) == []  # Zalo refused it: nothing reached them
    moves = await ddb.transitions(services.db.conn, launched.broadcast.id)
    assert [m[2] for m in moves if "230" in m[3]] == ["outside_window"]

    await services.access.grant(await tg_person(services, STAFF), Role.STAFF, commune=COMMUNE)
    [progress] = await harness.send(harness.user(STAFF, "Cán bộ"), "/progress")
    assert "Zalo: đã gửi 2 · ngoài hạn 7 ngày 1 · lỗi 0 · chờ gửi 0" in progress
    assert "Telegram: đã gửi 3 · lỗi 0" in progress
    assert "Chờ cư dân nhắn lại (Zalo): 1" in progress


async def test_the_out_of_window_person_is_reached_when_they_write(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    services = commune.services
    _, launched = await launch(services)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    late = OUTSIDE[0]
    person = commune.persons[late]
    nothing = await services.late.waiting_for(commune.persons[IN_WINDOW[0]])
    assert nothing.sent == [] and nothing.waiting == []

    clock.advance(hours=5)
    await zalo_writes(commune, late)
    reached = await services.late.waiting_for(person)

    assert len(reached.sent) == 1 and reached.waiting == []
    [message] = commune.zalo.messages_to(late)
    assert message.text.startswith("Xã đang lấy ý kiến")
    assert [b["payload"] for b in message.buttons] == ["yk:go"]
    assert await _states(services, launched.broadcast.id) == {
        "telegram": {"sent": 3},
        "zalo": {"sent": 3},
    }
    again = await services.late.waiting_for(person)  # nothing is sent twice
    assert again.sent == [] and len(commune.zalo.messages_to(late)) == 1


async def test_a_late_writer_whose_window_zalo_still_refuses_keeps_waiting(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    services = commune.services
    _, launched = await launch(services)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    person = commune.persons[OUTSIDE[0]]
    # Called without the person having written to Zalo: Zalo refuses again, the row waits.
    result = await services.late.waiting_for(person)
    assert result.sent == [] and len(result.waiting) == 1
    assert (await _states(services, launched.broadcast.id))["zalo"] == {
        "sent": 2, "outside_window": 1,
    }  # fmt: skip
    assert commune.zalo.messages_to(OUTSIDE[0]) == []


async def test_a_round_closed_meanwhile_is_not_sent_late(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    services = commune.services
    _, launched = await launch(services)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    clock.advance(days=8)  # the round closed (7 days)
    await zalo_writes(commune, OUTSIDE[0])
    result = await services.late.waiting_for(commune.persons[OUTSIDE[0]])
    assert result.sent == [] and result.waiting == []
    assert commune.zalo.messages_to(OUTSIDE[0]) == []
    assert (await _states(services, launched.broadcast.id))["zalo"] == {"sent": 2, "skipped": 1}


async def test_an_access_token_expiring_mid_broadcast_is_refreshed_and_nobody_lost(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    services = commune.services
    _, launched = await launch(services)
    sender = broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    real = sender.transports["zalo"]
    calls = 0

    async def expiring(row, content):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        first = calls == 1
        result = await real(row, content)
        if first:  # Zalo ends the token early, after the first Zalo message went out
            for token in list(commune.zalo.tokens.access):
                commune.zalo.tokens.access[token] = clock.now.timestamp() - 1
        return result

    services.outbox.transports["zalo"] = expiring
    assert await commune.clients.of(commune.zalo.oa_id).refresh()  # a fresh 25-hour token
    before = commune.zalo.tokens.refreshes
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert drain.status is DrainStatus.DONE
    assert commune.zalo.tokens.refreshes == before + 1  # -216, refreshed, sent once more
    assert calls == 3  # each Zalo row called once: the resend after -216 is the client's
    assert await _states(services, launched.broadcast.id) == {
        "telegram": {"sent": 3},
        "zalo": {"sent": 2, "outside_window": 1},
    }
    assert [len(commune.offers_to(uid)) for uid in IN_WINDOW] == [1, 1]


async def test_zalo_down_for_30_s_is_retried_and_nobody_lost(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    services = commune.services
    _, launched = await launch(services)
    commune.zalo.go_down(30)
    started = clock.now
    drain_log: list[float] = []
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, drain_log))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert drain.status is DrainStatus.DONE
    assert (clock.now - started).total_seconds() >= 30
    assert commune.pauses  # the client retried, then the sender re-queued the Zalo rows
    assert await _states(services, launched.broadcast.id) == {
        "telegram": {"sent": 3},
        "zalo": {"sent": 2, "outside_window": 1},
    }
    assert [len(commune.offers_to(uid)) for uid in IN_WINDOW] == [1, 1]
    for uid in TELEGRAM:  # Telegram was up all along: its residents were not held back
        user = harness.sandbox.user(uid)
        assert sum(m.text.startswith("Xã đang lấy ý kiến") for m in user.messages) == 1
    moves = await ddb.transitions(services.db.conn, launched.broadcast.id)
    assert any(m[3].startswith("outage") for m in moves)
    assert not any(m[2] == "failed" for m in moves)


async def test_a_person_on_telegram_and_zalo_gets_one_message_on_the_channel_they_use(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    services = commune.services
    zalo = commune.zalo
    # Telegram user 1001 also wrote to the OA today; 1002 last wrote to it eight days ago.
    for tg, uid in ((1001, "8800000000000000101"), (1002, "8800000000000000102")):
        zalo.follow(uid)
        person = await tg_person(services, tg)
        async with services.db.transaction() as conn:
            await people_db.add_address(conn, person, Channel.ZALO, zalo_address(zalo.oa_id, uid))
        commune.persons[uid] = person
    clock.advance(days=-8)
    await zalo_writes(commune, "8800000000000000102")
    clock.advance(days=8)
    await zalo_writes(commune, "8800000000000000101")
    plan, launched = await launch(services)
    assert (plan.reach.telegram, plan.reach.zalo_in_window, plan.reach.zalo_outside) == (2, 3, 1)

    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)

    def telegram_offers(uid: int) -> int:
        return sum(m.text.startswith(OFFER) for m in harness.sandbox.user(uid).messages)

    assert telegram_offers(1001) == 0 and len(commune.offers_to("8800000000000000101")) == 1
    assert telegram_offers(1002) == 1 and commune.offers_to("8800000000000000102") == []
    assert await _states(services, launched.broadcast.id) == {
        "telegram": {"sent": 2},
        "zalo": {"sent": 3, "outside_window": 1},
    }


async def test_the_oa_s_quota_used_up_leaves_rows_for_the_residents_next_write(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    services = commune.services
    clock.advance(days=3)  # past the 48 hours of free replies: sends spend the OA's quota
    commune.zalo.exhaust_quota()
    _, launched = await launch(services)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    drain = await broadcast_jobs.run(harness.app, launched.broadcast.id)

    assert drain.status is DrainStatus.DONE  # quota is not retried against Zalo
    assert (await _states(services, launched.broadcast.id))["zalo"] == {
        "quota": 2, "outside_window": 1,
    }  # fmt: skip
    user = IN_WINDOW[0]
    await zalo_writes(commune, user)  # a message after they write is a free reply
    late = await services.late.waiting_for(commune.persons[user])
    assert len(late.sent) == 1 and len(commune.offers_to(user)) == 1
    assert (await _states(services, launched.broadcast.id))["zalo"] == {
        "sent": 1, "quota": 1, "outside_window": 1,
    }  # fmt: skip


async def test_erasing_a_zalo_recipient_keeps_the_row_but_not_its_address(
    commune: Commune, harness: Harness, clock: FakeClock
) -> None:
    services = commune.services
    _, launched = await launch(services)
    broadcast_jobs.install(harness.app, sleep=fake_sleep(clock, []))
    await broadcast_jobs.run(harness.app, launched.broadcast.id)
    person = commune.persons[IN_WINDOW[0]]
    assert await services.privacy.erase(person)
    rows = await services.db.conn.execute_fetchall(
        "SELECT channel, address, state FROM deliveries WHERE resident_id = ?", (person,)
    )
    assert [tuple(r) for r in rows] == [("zalo", "", "sent")]
    assert await services.late.waiting_for(person) == Late([], [], 0)
